"""What stops a command is a coded diagnostic (E9xx) in the chosen `--format`, never a bare
`error:` line or a traceback: json and sarif carry it on standard output, human and short on
standard error, with the exit code of its kind (1: input or environment, 2: usage)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import generate_topology
from edac.cli import main
from edac.core.diagnostics import Failure
from edac.io import terraform
from edac.sandbox import emulator
from edac.sandbox.state import Sandbox
from tftools import require_terraform

ROOT = Path(__file__).resolve().parents[1]
ORDERS = str(ROOT / "examples" / "orders")
FORMATS = ("human", "short", "json", "sarif")


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stdout, result.stderr


def codes_in(fmt: str, out: str, err: str) -> list[str]:
    """The codes a command printed, read the way a consumer of `fmt` reads them."""
    if fmt == "json":
        assert err == "", err  # nothing else, and no bare `error:` line
        return [d["code"] for d in json.loads(out)["diagnostics"]]
    if fmt == "sarif":
        assert err == "", err
        return [r["ruleId"] for r in json.loads(out)["runs"][0]["results"]]
    assert "Traceback" not in err and "\nerror: " not in f"\n{err}", err
    if fmt == "short":
        return [line.split("[", 1)[1].split("]", 1)[0] for line in err.splitlines()]
    return [line.split("[", 1)[1].split("]", 1)[0] for line in err.splitlines()
            if line.startswith(("error[", "warning["))]


@pytest.mark.parametrize("fmt", FORMATS)
def test_compile_into_a_file_is_e901(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / "not-a-dir"
    target.write_text("mine")
    code, out, err = invoke("compile", ORDERS, "-o", str(target), "--format", fmt)
    assert code == 1
    assert codes_in(fmt, out, err) == ["E901"]
    assert target.read_text() == "mine"


@pytest.mark.parametrize("fmt", FORMATS)
def test_compile_over_a_users_file_is_e901(tmp_path: Path, fmt: str) -> None:
    out_dir = tmp_path / "build"
    out_dir.mkdir()
    (out_dir / "bus.tf").write_text("# mine\n")
    code, out, err = invoke("compile", ORDERS, "-o", str(out_dir), "--format", fmt)
    assert code == 1
    assert codes_in(fmt, out, err) == ["E901"]
    assert sorted(p.name for p in out_dir.iterdir()) == ["bus.tf"]
    assert (out_dir / "bus.tf").read_text() == "# mine\n"


def test_compile_failure_in_json_is_only_json(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("")
    _, out, err = invoke("compile", ORDERS, "-o", str(target), "--format", "json")
    (diagnostic,) = json.loads(out)["diagnostics"]
    assert diagnostic["severity"] == "error" and "is a file" in diagnostic["message"]
    assert err == ""


def test_an_unwritable_diagram_file_is_e901(tmp_path: Path) -> None:
    code, out, err = invoke("diagram", ORDERS, "-o", str(tmp_path / "missing" / "d.mmd"))
    assert code == 1 and out == ""
    assert codes_in("human", out, err) == ["E901"]


def test_a_base_that_is_neither_path_nor_ref_is_e902(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = invoke("diff", "--base", "no-such-ref-or-path", ORDERS)
    assert code == 2 and out == ""
    assert codes_in("human", out, err) == ["E902"]
    assert "is neither a path nor a git ref" in err


def test_a_base_with_errors_is_e903(tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    base.write_text("version: 1\nname: shop\nroutes:\n  r: {events: [Nope], to: [nobody]}\n")
    code, out, err = invoke("diff", "--base", str(base), ORDERS)
    assert code == 1 and out == ""
    assert codes_in("human", out, err)[0] == "E903"
    assert "E201" in codes_in("human", out, err)


def test_unknown_names_on_the_command_line_are_e904() -> None:
    code, out, err = invoke("diagram", ORDERS, "--team", "nobody", "--consumer", "nothing")
    assert code == 2 and out == ""
    assert codes_in("human", out, err) == ["E904", "E904"]
    assert "unknown team `nobody`" in err and "unknown consumer `nothing`" in err
    code, out, err = invoke("explain", "E999")
    assert code == 2 and codes_in("human", out, err) == ["E904"]


def test_a_diagram_too_large_is_e905(tmp_path: Path) -> None:
    generate_topology(400, tmp_path / "big")
    code, out, err = invoke("diagram", str(tmp_path / "big"))
    assert code == 2 and out == ""
    assert codes_in("human", out, err) == ["E905"]
    assert "--team" in err


@pytest.mark.parametrize("fmt", ["human", "json"])
@pytest.mark.parametrize("content", ["not json", "[1, 2]", '{"detail": {}}'])
def test_a_bad_event_file_is_e906(tmp_path: Path, fmt: str, content: str) -> None:
    event = tmp_path / "event.json"
    event.write_text(content)
    code, out, err = invoke("route", str(event), ORDERS, "--format", fmt)
    assert code == 1
    assert codes_in(fmt, out, err) == ["E906"]


def test_a_missing_event_file_is_e906(tmp_path: Path) -> None:
    code, out, err = invoke("route", str(tmp_path / "missing.json"), ORDERS, "--format", "json")
    assert code == 1 and codes_in("json", out, err) == ["E906"]


def test_route_json_reports_topology_errors_as_json(tmp_path: Path) -> None:
    bad = tmp_path / "t.yaml"
    bad.write_text("version: 1\nname: shop\nroutes:\n  r: {events: [Nope], to: [nobody]}\n")
    event = tmp_path / "event.json"
    event.write_text('{"source": "a", "detail-type": "b", "detail": {}}')
    code, out, err = invoke("route", str(event), str(bad), "--format", "json")
    assert code == 1
    assert sorted(codes_in("json", out, err)) == ["E201", "E202"]


def test_a_missing_tool_is_e907(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from edac.cli.sandbox import sandbox

    monkeypatch.setattr(terraform.shutil, "which", lambda name: None)
    result = CliRunner().invoke(sandbox, ["--dir", str(tmp_path / "box"), "up", ORDERS])
    assert result.exit_code == 2
    assert codes_in("human", result.stdout, result.stderr) == ["E907"]


def test_no_sandbox_is_e908_in_json(tmp_path: Path) -> None:
    from edac.cli.sandbox import sandbox

    event = tmp_path / "event.json"
    event.write_text('{"source": "a", "detail-type": "b", "detail": {}}')
    result = CliRunner().invoke(sandbox, ["--dir", str(tmp_path / "box"), "send", str(event),
                                          "--format", "json"])
    assert result.exit_code == 2
    assert codes_in("json", result.stdout, result.stderr) == ["E908"]


def test_a_failed_terraform_is_e909(tmp_path: Path) -> None:
    require_terraform()
    (tmp_path / "main.tf").write_text('resource "x" {}\n')  # terraform refuses it
    with pytest.raises(Failure) as caught:
        terraform.run(["validate", "-no-color"], tmp_path)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "E909"
    assert "terraform validate -no-color failed (exit 1)" in diagnostic.message
    assert "must have 2 labels" in diagnostic.message  # terraform's own words


def test_an_emulator_that_does_not_start_is_e910(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    monkeypatch.setattr(emulator.sys, "executable", "/bin/false")
    with pytest.raises(Failure) as caught:
        emulator.start_endpoint(tmp_path / "emulator.log", timeout=10)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "E910" and "did not start" in diagnostic.message


def test_the_library_raises_no_click_exceptions(tmp_path: Path) -> None:
    """Failures of the API are typed (Failure, with diagnostics), whoever calls it."""
    from edac import api

    target = tmp_path / "file"
    target.write_text("")
    with pytest.raises(Failure) as caught:
        api.compile_into([ORDERS], target)
    assert caught.value.diagnostics[0].code == "E901"
    with pytest.raises(Failure) as caught:
        api.diagram([ORDERS], teams={"nobody"})
    assert caught.value.exit_code == 2
    with pytest.raises(Failure):
        api.route(str(tmp_path / "none.json"), [ORDERS])


def test_failures_as_a_real_process(tmp_path: Path) -> None:
    """The same through `python -m edac.cli` (no test runner in between)."""
    target = tmp_path / "file"
    target.write_text("")
    proc = subprocess.run([sys.executable, "-m", "edac.cli", "compile", ORDERS, "-o",
                           str(target), "--format", "sarif"], capture_output=True, text=True)
    assert proc.returncode == 1 and proc.stderr == ""
    doc: dict[str, Any] = json.loads(proc.stdout)
    assert doc["runs"][0]["results"][0]["ruleId"] == "E901"


def test_sandbox_state_is_never_read_through_a_link(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere.json"
    real.write_text(json.dumps({"kind": "edac sandbox", "applied": True}))
    box = Sandbox(tmp_path / "box")
    box.root.mkdir()
    (box.root / "sandbox.json").symlink_to(real)
    assert box.state() == {}
