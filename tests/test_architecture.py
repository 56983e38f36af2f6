"""The package's layering, as declared in pyproject.toml ([tool.importlinter]), holds for every
import (those inside functions included): cli > sandbox > api > io > core > patterns, click
only in the CLI, a pure core, emitters that never see YAML. Checked by import-linter."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tftools import require_tool

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def lint(package_root: Path) -> subprocess.CompletedProcess[str]:
    require_tool(None if LINT.exists() else
                 "import-linter is not installed (pip install -e '.[dev]')")
    env = {**os.environ, "PYTHONPATH": str(package_root)}
    return subprocess.run([str(LINT), "--no-cache", str(ROOT / "pyproject.toml")],
                          capture_output=True, text=True, env=env, cwd=ROOT)


def test_the_layering_holds() -> None:
    proc = lint(ROOT / "compiler")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Contracts: 4 kept, 0 broken." in proc.stdout


@pytest.mark.parametrize(("module", "line", "contract"), [
    ("core/names.py", "import click", "click only in the CLI"),
    ("core/ir.py", "from edac.io import files", "layers:"),
    ("core/resolve.py", "import os", "the core and the patterns engine are pure"),
    ("core/emit/terraform.py", "from edac.core import resolve", "emitters see only the IR"),
    ("io/files.py", "from edac import api", "layers:"),
])
def test_a_broken_rule_is_caught(tmp_path: Path, module: str, line: str, contract: str) -> None:
    """The contracts bite: the same package with one forbidden import planted fails."""
    copy = tmp_path / "compiler" / "edac"
    shutil.copytree(ROOT / "compiler" / "edac", copy, symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__", "_modules"))
    target = copy / module
    text = target.read_text()
    # inside a function, as the lazy imports of the package are
    target.write_text(text + f"\n\ndef _planted() -> None:\n    {line}  # noqa\n")
    proc = lint(tmp_path / "compiler")
    assert proc.returncode == 1, proc.stdout
    assert "0 broken" not in proc.stdout
    broken = proc.stdout.split("Broken contracts", 1)[1]
    assert contract in broken, broken
