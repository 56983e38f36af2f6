"""Running the real terraform in tests: through edac's own runner (`edac.io.terraform`: the
offline provider mirror, the shared plugin cache), and the skip-or-fail rule for a missing
tool (EDAC_REQUIRE_TOOLS=1 turns skips into failures)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from edac.core.diagnostics import Failure
from edac.io import terraform


def terraform_env() -> dict[str, str]:
    return terraform.environment()


def terraform_missing() -> str | None:
    """Why terraform cannot run here (None when it can)."""
    return terraform.missing()


def require_tool(reason: str | None) -> None:
    """Skip with `reason`, or fail when EDAC_REQUIRE_TOOLS=1 (CI)."""
    if reason is None:
        return
    if os.environ.get("EDAC_REQUIRE_TOOLS") == "1":
        pytest.fail(f"required tool missing: {reason}")
    pytest.skip(reason)


def require_terraform() -> None:
    require_tool(terraform_missing())


class TerraformError(AssertionError):
    pass


def run_terraform(args: list[str], cwd: Path, timeout: float = 900,
                  env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return terraform.run(args, cwd, env or terraform_env(), timeout=timeout)
    except Failure as exc:
        raise TerraformError(str(exc)) from exc
