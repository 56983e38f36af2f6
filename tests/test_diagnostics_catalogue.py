"""The catalogue of broken topologies: each directory under tests/cases/diagnostics/ is one
mistake a person makes; `edac validate --format short input` must print exactly its
expected.txt (codes at their line:column), exit 1 for errors (0 for warnings only), and never
a traceback. Bless with `scripts/test.sh tests/test_diagnostics_catalogue.py --update-golden`.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT, check_golden
from edac.cli import main

CASES = sorted(p for p in (ROOT / "tests" / "cases" / "diagnostics").iterdir() if p.is_dir())
LOCATION = re.compile(r"^(?P<where>[^\s:][^:]*:\d+:\d+): (error|warning)\[(?P<code>[EW]\d{3})\]",
                      re.M)


def run_case(case: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> tuple[int, str]:
    monkeypatch.chdir(case)
    result = CliRunner().invoke(main, ["validate", "--format", fmt, "input"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stderr


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Path, monkeypatch: pytest.MonkeyPatch, update_golden: bool) -> None:
    code, output = run_case(case, monkeypatch, "short")
    assert "Traceback" not in output and "internal error" not in output
    check_golden(case / "expected.txt", output, update_golden,
                 "scripts/test.sh tests/test_diagnostics_catalogue.py --update-golden")
    has_error = "error[" in output
    assert output.strip(), "every case reports something"
    assert code == (1 if has_error else 0)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_human_format_points_at_the_same_places(case: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _, short = run_case(case, monkeypatch, "short")
    _, human = run_case(case, monkeypatch, "human")
    for match in LOCATION.finditer(short):
        assert f"--> {match['where']}" in human, match["where"]
        assert f"[{match['code']}]:" in human


def test_the_catalogue_covers_every_error_code() -> None:
    from edac.codes import CODES

    seen = set()
    for case in CASES:
        seen |= set(re.findall(r"\[([EW]\d{3})\]", (case / "expected.txt").read_text()))
    # E004 (unreadable input), E005 (YAML keys/aliases), E8xx (across compiles, see
    # test_safety.py), W608 (over 300 rules) and E802 are shown by their own tests
    elsewhere = {"E004", "E005", "E801", "E802", "W608"}
    assert sorted(set(CODES) - seen - elsewhere) == []
    assert len(CASES) >= 40


def test_cases_run_as_a_real_process_too() -> None:
    case = next(c for c in CASES if c.name.endswith("unknown-consumer"))
    proc = subprocess.run([sys.executable, "-m", "edac.cli", "validate", "--format", "short",
                           "input"], cwd=case, capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr == (case / "expected.txt").read_text()
