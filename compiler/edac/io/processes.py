"""Whether a process still runs: for the output's staging directories (edac.io.write) and the
sandbox's emulator (edac.sandbox.emulator)."""

from __future__ import annotations

import os


def alive(pid: int) -> bool:
    """Whether `pid` runs (one we may not signal counts; a zombie, exited and not yet
    reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            return handle.read().split(") ", 1)[-1][:1] != "Z"
    except OSError:
        return True
