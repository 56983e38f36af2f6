"""Golden catalogue of broken topologies: every directory under tests/cases/broken/ is one
mistake a person really makes (a typo, a tab, a setting AWS refuses, a name used twice across
files...). `edac validate --format short input`, run in the case directory, must print exactly
its expected.txt: the intended codes at the intended line:column, with true and helpful
messages. Exit 1 when an error is expected, 0 for warnings only; never a traceback.

Bless after an intended change of wording (then read the diff!):

    pytest tests/test_catalogue.py --update-golden
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT, check_golden
from edac.cli import main
from edac.core.codes import CODES

BROKEN = ROOT / "tests" / "cases" / "broken"
CASES = sorted(p for p in BROKEN.iterdir() if p.is_dir())
IDS = [c.name for c in CASES]
BLESS = "pytest tests/test_catalogue.py --update-golden"

# one line of the short format: `file:line:col: severity[CODE]: message (help: ...)`
SHORT_LINE = re.compile(
    r"^(?P<where>(?P<file>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+)|<topology>): "
    r"(?P<severity>error|warning)\[(?P<code>[EW]\d{3})\]: (?P<message>.+)$"
)
# codes a single `validate` cannot show: they compare two compiles or read the lock
# (test_safety.py, test_lock.py), generate code (test_kit.py), stop a command (E9xx:
# test_failures.py) or need a bus with more than 300 rules
NOT_IN_CATALOGUE = {"E801", "E802", "E803", "E804", "E805", "E806", "W807", "E811", "E812",
                    "E813", "E831", "E832", "E833", "W608",
                    # usage, the sandbox and operating a deployment: tests/test_failures.py,
                    # tests/test_sandbox.py, tests/test_operations.py and the e2e suites
                    *(f"E9{n:02}" for n in range(1, 11)), "E911", "E912", "E913", "E921",
                    "E922", "E923", "E924"}


def run(case: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> tuple[int, str, str]:
    """(exit code, stderr, stdout) of `edac validate --format FMT input` in the case dir."""
    monkeypatch.chdir(case)
    result = CliRunner().invoke(main, ["validate", "--format", fmt, "input"])
    # SystemExit is how the CLI ends; anything else escaped the command
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exc_info
    )
    return result.exit_code, result.stderr, result.stdout


def no_crash(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text, text
        assert "internal error" not in text, text


def expected_of(case: Path) -> str:
    path = case / "expected.txt"
    return path.read_text(encoding="utf-8") if path.exists() else ""


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_short_output_is_the_golden_one(case: Path, monkeypatch: pytest.MonkeyPatch,
                                         update_golden: bool) -> None:
    code, stderr, stdout = run(case, monkeypatch, "short")
    no_crash(stderr, stdout)
    assert stdout == "", "diagnostics go to stderr"
    check_golden(case / "expected.txt", stderr, update_golden, BLESS)
    expected = expected_of(case)
    assert expected.strip(), "every broken topology reports something"
    assert code == (1 if "error[" in expected else 0), stderr


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_line_is_well_formed(case: Path) -> None:
    """Each expected line names a real code, a place inside the input, and a message."""
    for line in expected_of(case).splitlines():
        match = SHORT_LINE.match(line)
        assert match, f"malformed diagnostic line: {line!r}"
        assert match["code"] in CODES, line
        assert (match["severity"] == "error") == match["code"].startswith("E"), line
        if match["file"] is None:
            continue
        assert match["file"].startswith("input/"), "paths are relative to the case dir"
        source = case / match["file"]
        assert source.is_file(), line
        lines = source.read_bytes().decode("utf-8", errors="replace").splitlines()
        assert 1 <= int(match["line"]) <= max(len(lines), 1), line
        assert int(match["col"]) >= 1, line
        if lines:
            text = lines[int(match["line"]) - 1]
            assert int(match["col"]) <= len(text) + 1, f"column past the end of: {text!r}"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_human_format_points_at_the_same_places(case: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    short_code, short, _ = run(case, monkeypatch, "short")
    human_code, human, _ = run(case, monkeypatch, "human")
    no_crash(human)
    assert human_code == short_code
    # the human format shows each diagnostic as `severity[CODE]: message`, then `--> where`
    headers = re.findall(r"^(error|warning)\[([EW]\d{3})\]: ", human, re.M)
    shorts = [SHORT_LINE.match(line) for line in short.splitlines()]
    assert [(m["severity"], m["code"]) for m in shorts if m] == headers
    arrows = re.findall(r"^\s*--> (\S+:\d+:\d+)$", human, re.M)
    assert arrows == [m["where"] for m in shorts if m and m["file"] is not None]
    # every excerpt line with a marker underlines something
    assert not re.search(r"^\s+\|\s*$\n^\s+\|\s*\^", human, re.M)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_json_format_has_the_same_diagnostics(case: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _, short, _ = run(case, monkeypatch, "short")
    _, _, stdout = run(case, monkeypatch, "json")
    items = json.loads(stdout)["diagnostics"]
    shorts = [SHORT_LINE.match(line) for line in short.splitlines()]
    assert [d["code"] for d in items] == [m["code"] for m in shorts if m]
    for item, m in zip(items, shorts, strict=True):
        assert m is not None
        if item["span"] is not None:
            span = item["span"]
            assert f"{span['file']}:{span['line']}:{span['column']}" == m["where"]
            assert (span["end_line"], span["end_column"]) >= (span["line"], span["column"])


SUBPROCESS_CASES = [c for c in CASES if c.name.split("-", 1)[1] in {
    "tab-indented-consumer", "latin1-file", "consumer-defined-in-two-files", "dead-route",
    "warn-unused-consumer"}]


@pytest.mark.parametrize("case", SUBPROCESS_CASES, ids=[c.name for c in SUBPROCESS_CASES])
def test_a_real_process_prints_the_same(case: Path) -> None:
    """The installed entry point (a fresh interpreter, real stdout/stderr, real exit status)
    agrees with the in-process runs."""
    proc = subprocess.run(
        [sys.executable, "-m", "edac.cli", "validate", "--format", "short", "input"],
        cwd=case, capture_output=True, text=True, timeout=120,
    )
    no_crash(proc.stderr, proc.stdout)
    expected = expected_of(case)
    assert proc.stderr == expected
    assert proc.stdout == ""
    assert proc.returncode == (1 if "error[" in expected else 0)


def test_the_catalogue_covers_every_code() -> None:
    seen: set[str] = set()
    for case in CASES:
        seen |= set(re.findall(r"\[([EW]\d{3})\]", expected_of(case)))
    missing = sorted(set(CODES) - seen - NOT_IN_CATALOGUE)
    assert missing == [], f"no case shows {missing}"
    assert len(CASES) >= 45
    warnings_only = [c.name for c in CASES if "warning[" in expected_of(c)
                     and "error[" not in expected_of(c)]
    assert len(warnings_only) >= 5, warnings_only
    multi_file = [c.name for c in CASES
                  if len(list((c / "input").rglob("*.y*ml"))) > 1]
    assert len(multi_file) >= 5, multi_file


def test_every_case_is_a_different_mistake() -> None:
    """No two cases have the same input (a copied case that was never edited)."""
    digests: dict[str, str] = {}
    for case in CASES:
        h = hashlib.sha256()
        for path in sorted((case / "input").rglob("*")):
            if path.is_file():
                h.update(str(path.relative_to(case)).encode() + b"\0" + path.read_bytes())
        digest = h.hexdigest()
        assert digest not in digests, f"{case.name} has the same input as {digests[digest]}"
        digests[digest] = case.name
    assert all(re.match(r"^\d{2,3}-[a-z0-9-]+$", c.name) for c in CASES), IDS
