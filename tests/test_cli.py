"""The command line: exit codes, output formats, explain, internal errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT
from edac import __version__
from edac.cli import main
from edac.core.codes import CODES

ORDERS = str(ROOT / "examples" / "orders")

BROKEN = """\
version: 1
name: shop
producers:
  pay: {source: com.shop.pay}
events:
  Paid: {producer: pay}
consumers:
  billing:
    container: {role: billing-worker}
routes:
  paid-to-billing:
    events: [Paid]
    to: [biling]
"""

WARNS = """\
version: 1
name: shop
producers:
  pay: {source: com.shop.pay}
  idle: {source: com.shop.idle}
events:
  Paid: {producer: pay}
consumers:
  billing:
    container: {role: billing-worker}
routes:
  paid-to-billing:
    events: [Paid]
    to: [billing]
"""


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    path = tmp_path / "payments.yaml"
    path.write_text(BROKEN)
    return path


def test_version() -> None:
    code, out, _ = invoke("--version")
    assert code == 0 and __version__ in out


def test_validate_clean_example() -> None:
    code, _out, err = invoke("validate", ORDERS)
    assert code == 0
    assert "ok: 1 producers, 2 event types, 3 consumers, 2 routes" in err


def test_validate_human_format_matches_the_compiler_layout(broken: Path) -> None:
    code, _, err = invoke("validate", str(broken))
    assert code == 1
    expected = (
        "error[E201]: route `paid-to-billing` targets unknown consumer `biling`\n"
        f"  --> {broken}:13:10\n"
        "   |\n"
        "13 |     to: [biling]\n"
        "   |          ^^^^^^ not declared under `consumers:`\n"
        "   = help: did you mean `billing`?\n"
    )
    assert err.startswith(expected)
    assert err.rstrip().endswith("1 error")


def test_short_format(broken: Path) -> None:
    code, _, err = invoke("validate", "--format", "short", str(broken))
    assert code == 1
    assert err == (f"{broken}:13:10: error[E201]: route `paid-to-billing` targets unknown "
                   "consumer `biling` (help: did you mean `billing`?)\n")


def test_json_format(broken: Path) -> None:
    code, out, _ = invoke("validate", "--format", "json", str(broken))
    assert code == 1
    (diag,) = json.loads(out)["diagnostics"]
    assert diag["code"] == "E201" and diag["severity"] == "error"
    assert diag["span"] == {"file": str(broken), "line": 13, "column": 10, "end_line": 13,
                            "end_column": 16}
    assert diag["help"] == "did you mean `billing`?"


def test_sarif_format(broken: Path) -> None:
    code, out, _ = invoke("validate", "--format", "sarif", str(broken))
    assert code == 1
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    assert run["tool"]["driver"]["rules"][0]["id"] == "E201"
    region = run["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (13, 10)


def test_warnings_pass_unless_warnings_as_errors(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(WARNS)
    code, _, err = invoke("validate", "--format", "short", str(path))
    assert code == 0
    assert "warning[W701]: producer `idle` emits no event type" in err
    code, _, _ = invoke("validate", "--warnings-as-errors", str(path))
    assert code == 1


def test_usage_errors_exit_2() -> None:
    assert invoke("validate")[0] == 2
    assert invoke("validate", "--format", "xml", ORDERS)[0] == 2
    assert invoke("no-such-command")[0] == 2


def test_missing_path_is_an_input_error(tmp_path: Path) -> None:
    code, _, err = invoke("validate", "--format", "short", str(tmp_path / "nope"))
    assert code == 1
    assert "error[E004]: no such file or directory" in err


def test_explain_every_code() -> None:
    for code in CODES:
        exit_code, out, _ = invoke("explain", code.lower())
        assert exit_code == 0
        assert out.startswith(f"{code}: {CODES[code].title}\n\n")
        assert len(out) > 60
    assert invoke("explain", "E999")[0] == 2
    code, out, _ = invoke("explain")
    assert code == 0 and len(out.splitlines()) == len(CODES)


def test_readme_lists_every_code() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code in CODES:
        assert f"| `{code}` |" in readme, code


def test_internal_error_asks_for_a_report_and_hides_the_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import edac.api

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(edac.api, "load_topology", boom)
    code, _, err = invoke("validate", ORDERS)
    assert code == 2
    assert "internal error" in err and "please report" in err
    assert "Traceback" not in err and "boom" not in err
    code, _, err = invoke("--debug", "validate", ORDERS)
    assert code == 2
    assert "Traceback" in err and "RuntimeError: boom" in err


def test_console_script_runs() -> None:
    proc = subprocess.run([sys.executable, "-m", "edac.cli", "validate", "--format", "short",
                           ORDERS], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
