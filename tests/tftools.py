"""Running the real terraform in tests: offline provider mirror, shared plugin cache, and the
skip-or-fail rule for a missing tool (EDAC_REQUIRE_TOOLS=1 turns skips into failures)."""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

MIRROR_CANDIDATES = ("/opt/tf-plugins", "/usr/share/terraform/plugins")


def cache_dir() -> Path:
    base = os.environ.get("EDAC_TF_CACHE")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "edac-tests"


@cache
def provider_mirror() -> Path | None:
    """A folder holding registry.terraform.io/hashicorp/aws, when the machine has one."""
    configured = os.environ.get("EDAC_TF_MIRROR")
    candidates = [configured] if configured else []
    candidates += list(MIRROR_CANDIDATES)
    candidates.append(str(Path.home() / ".terraform.d" / "plugins"))
    for candidate in candidates:
        if candidate and (Path(candidate) / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
            return Path(candidate)
    return _search_mirror()


SEARCH_ROOTS = ("/opt", "/usr/local/share", "/usr/share", "/srv", str(Path.home()))
SKIP_DIRS = {".terraform", "proc", "sys", "dev", "node_modules", ".git", "__pycache__",
             "site-packages", "terraform-plugins"}  # the last: plugin caches, ours included


def _search_mirror(max_depth: int = 6) -> Path | None:
    """A `find`-like search of the usual places for a folder holding
    registry.terraform.io/hashicorp/aws (bounded depth; caches and .terraform skipped)."""
    for root in SEARCH_ROOTS:
        base = Path(root)
        if not base.is_dir():
            continue
        for dirpath, dirnames, _ in os.walk(base):
            depth = len(Path(dirpath).relative_to(base).parts)
            if "registry.terraform.io" in dirnames and \
                    (Path(dirpath) / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
                return Path(dirpath)
            if depth >= max_depth:
                dirnames[:] = []
            else:
                dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
    return None


@cache
def cli_config() -> Path:
    """A terraform CLI config: the shared plugin cache, and the mirror when there is one."""
    root = cache_dir()
    plugins = root / "terraform-plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    text = f'plugin_cache_dir = "{plugins}"\n'
    mirror = provider_mirror()
    if mirror is not None:
        text += (
            "provider_installation {\n"
            f'  filesystem_mirror {{\n    path    = "{mirror}"\n'
            '    include = ["registry.terraform.io/hashicorp/*"]\n  }\n'
            '  direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n'
        )
    path = root / "terraformrc"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


def terraform_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TF_CLI_CONFIG_FILE=str(cli_config()),
        CHECKPOINT_DISABLE="1",
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
    )
    return env


def terraform_missing() -> str | None:
    """Why terraform cannot run here (None when it can)."""
    if shutil.which("terraform") is None:
        return "terraform is not installed (https://developer.hashicorp.com/terraform/install)"
    return None


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
    proc = subprocess.run(
        ["terraform", *args], cwd=cwd, env=env or terraform_env(), capture_output=True,
        text=True, timeout=timeout,
    )
    if proc.returncode != 0:
        raise TerraformError(
            f"terraform {' '.join(args)} failed ({proc.returncode}) in {cwd}:\n"
            f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    return proc
