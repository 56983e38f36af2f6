"""Wall time of `edac validate examples/orders`, start-up included (a new process each run).

Usage: python benchmarks/validate_orders.py [RUNS]. Prints min / median / max in seconds and
the baseline of a bare `python -c pass` measured in the same run, for comparison.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bytecode import ensure_bytecode  # noqa: E402


def timed(cmd: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr.decode()}")
    return times


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    cases = {
        "python -c pass (floor)": [sys.executable, "-c", "pass"],
        "edac validate examples/orders": [sys.executable, "-m", "edac.cli", "validate",
                                          "examples/orders"],
    }
    print(ensure_bytecode())
    print(f"{'command':<34} {'min':>7} {'median':>7} {'max':>7}   ({runs} runs)")
    for name, cmd in cases.items():
        t = timed(cmd, runs)
        print(f"{name:<34} {min(t):7.3f} {statistics.median(t):7.3f} {max(t):7.3f}")


if __name__ == "__main__":
    main()
