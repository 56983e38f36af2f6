"""checkov on the compiled output of every example: 0 failed checks; every skip is listed in
.checkov.yaml with its reason. checkov runs from its own virtual environment (its pins must
not touch ours): scripts/test.sh creates .venv-checkov."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, example_dirs
from edac.api import compile_paths
from edac.io.write import write_output

CONFIG = ROOT / ".checkov.yaml"


def checkov_binary() -> str | None:
    for candidate in (os.environ.get("EDAC_CHECKOV"), str(ROOT / ".venv-checkov/bin/checkov"),
                      shutil.which("checkov")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def require_checkov() -> str:
    found = checkov_binary()
    if found is None:
        reason = "checkov is not installed (scripts/test.sh installs it into .venv-checkov)"
        if os.environ.get("EDAC_REQUIRE_TOOLS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def test_every_skip_has_a_reason() -> None:
    lines = [line for line in CONFIG.read_text().splitlines() if line.strip().startswith("- CKV")]
    assert lines, "the config lists its skips"
    for line in lines:
        check, _, reason = line.strip()[2:].partition("#")
        assert check.strip().startswith("CKV_") and len(reason.strip()) > 20, line
    assert yaml.safe_load(CONFIG.read_text())["skip-check"]


# every example, and each other environment an example declares
COMPILES = [(p, None) for p in example_dirs()] + [
    (ROOT / "examples" / "marketplace", "prod"),
    # a bus and the roots of two other accounts (checkov reads them all, modules included)
    (ROOT / "tests" / "cases" / "compile" / "accounts" / "input", None)]


IDS = [f"{p.name if p.name != 'input' else p.parent.name}{'-' + e if e else ''}"
       for p, e in COMPILES]


@pytest.mark.parametrize(("example", "environment"), COMPILES, ids=IDS)
def test_checkov_passes_on_the_compiled_example(example: Path, environment: str | None,
                                                tmp_path: Path) -> None:
    checkov = require_checkov()
    compiled = compile_paths([str(example)], environment=environment)
    assert compiled.result.ok
    out = tmp_path / "build"
    write_output(out, compiled.files, compiled.manifest)
    proc = subprocess.run(
        [checkov, "-d", str(out), "--config-file", str(CONFIG), "-o", "json", "--quiet"],
        capture_output=True, text=True, timeout=600,
    )
    reports = json.loads(proc.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    (report,) = [r for r in reports if r.get("check_type") == "terraform"]
    summary = report["summary"]
    failed = [(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]]
    assert failed == [], failed
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 50  # it really looked at the resources, modules included
    print(f"{example.name}: checkov {summary['checkov_version']}: {summary['passed']} passed, "
          f"{summary['failed']} failed, {summary['resource_count']} resources")
