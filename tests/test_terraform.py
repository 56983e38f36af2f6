"""The compiled output with the real terraform: `fmt -check`, `init` (offline, from the
provider mirror) and `validate` for every example and golden case; `terraform console`
proves that text from the YAML reaches AWS literally; the modules' own `terraform test`."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from edac.api import compile_paths
from edac.core.checks.patterns import sent_text
from edac.io.write import write_output
from test_compile import IDS, INPUTS
from tftools import require_terraform, run_terraform, terraform_env

pytestmark = pytest.mark.terraform
ROOT = Path(__file__).resolve().parents[1]


def compiled_dir(path: Path, out: Path) -> Path:
    compiled = compile_paths([str(path)])
    assert compiled.result.ok
    write_output(out, compiled.files, compiled.manifest)
    return out


@pytest.mark.parametrize(("name", "path"), INPUTS, ids=IDS)
def test_init_validate_and_fmt(name: str, path: Path, tmp_path: Path) -> None:
    require_terraform()
    out = compiled_dir(path, tmp_path / "build")
    run_terraform(["fmt", "-check", "-recursive", "-diff"], out)
    # the root of the bus's account, and the root of each other account
    for root in [out, *sorted(p for p in (out / "accounts").glob("*") if p.is_dir())]:
        run_terraform(["init", "-backend=false", "-input=false", "-no-color"], root)
        proc = run_terraform(["validate", "-json", "-no-color"], root)
        report = json.loads(proc.stdout)
        assert report["valid"] is True, (root, report)
        assert report["warning_count"] == 0, (root, report["diagnostics"])


def test_text_from_the_yaml_reaches_aws_literally(tmp_path: Path) -> None:
    """Patterns, descriptions and tags full of `${...}`, `%{...}`, quotes, backslashes and
    newlines evaluate, in terraform itself, to exactly the text of the YAML."""
    require_terraform()
    from edac.api import load_topology

    case = ROOT / "tests" / "cases" / "compile" / "injection" / "input"
    topo = load_topology([str(case)]).topology
    assert topo is not None
    out = compiled_dir(case, tmp_path / "build")
    run_terraform(["init", "-backend=false", "-input=false", "-no-color"], out)
    expression = (
        "jsonencode({ patterns = { for k, r in local.rules : k => "
        "jsonencode(jsondecode(r.event_pattern)) }, descriptions = { for k, r in local.rules : "
        "k => r.description } })"
    )
    console = subprocess.run(["terraform", "console", "-no-color"], cwd=out, input=expression,
                             capture_output=True, text=True, env=terraform_env(), timeout=300)
    assert console.returncode == 0, console.stderr
    values = json.loads(json.loads(console.stdout))
    route = topo.routes["weird"]
    assert values["patterns"]["weird"] == sent_text(route.pattern)
    assert json.loads(values["patterns"]["weird"]) == route.pattern
    assert values["descriptions"]["weird"] == route.description


MODULES = sorted(p for p in (ROOT / "modules").iterdir() if (p / "tests").is_dir())


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_module_unit_tests(module: Path, tmp_path: Path) -> None:
    """`terraform test` with a mocked provider: each module's own assertions."""
    require_terraform()
    work = tmp_path / module.name
    shutil.copytree(module, work)
    run_terraform(["init", "-backend=false", "-input=false", "-no-color"], work)
    proc = run_terraform(["test", "-no-color"], work)
    assert "0 failed" in proc.stdout, proc.stdout
