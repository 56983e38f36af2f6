"""Running terraform: one runner for the sandbox, the tests and the scripts.

- `environment()`: terraform's environment for unattended runs (no checkpoint calls, no
  prompts) with a CLI config: the user's own when it exists, else edac's, which keeps the
  ~700 MB AWS provider in one shared plugin cache and, on a machine without registry access,
  installs it from a local provider mirror (a folder holding
  `registry.terraform.io/hashicorp/aws`, found by `provider_mirror`).
- `run()`: run a terraform command; a failure is a Failure (E909) with terraform's output.
- `python -m edac.io.terraform env`: the same environment as shell `export` lines, which
  scripts/tf-env.sh evaluates.

Every HCL text here is written by `edac.core.emit.hcl`, as in the compiled output.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from edac.core.diagnostics import failure
from edac.core.emit import hcl
from edac.core.text import shell

INSTALL = "https://developer.hashicorp.com/terraform/install"
MIRROR_CANDIDATES = ("/opt/tf-plugins", "/usr/share/terraform/plugins")
_SEARCH_ROOTS = ("/opt", "/usr/local/share", "/usr/share", "/srv")
_SKIP_DIRS = {".terraform", "proc", "sys", "dev", "node_modules", ".git", "__pycache__",
              "site-packages", "terraform-plugins"}  # the last: plugin caches, edac's included
_UNATTENDED = {"CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}


def missing() -> str | None:
    """Why terraform cannot run here (None when it can)."""
    if shutil.which("terraform") is None:
        return f"terraform is not on the PATH; install it: {INSTALL}"
    return None


def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "edac"


def _is_mirror(path: Path) -> bool:
    return (path / "registry.terraform.io" / "hashicorp" / "aws").is_dir()


def provider_mirror(env: Mapping[str, str] | None = None, max_depth: int = 6) -> Path | None:
    """A local provider mirror: `EDAC_TF_MIRROR`, the usual places, or a bounded search of
    the folders such mirrors are installed in (None when the machine has none)."""
    env = os.environ if env is None else env
    configured = env.get("EDAC_TF_MIRROR")
    candidates = [configured] if configured else []
    candidates += [*MIRROR_CANDIDATES, str(Path.home() / ".terraform.d" / "plugins")]
    for candidate in candidates:
        if candidate and _is_mirror(Path(candidate)):
            return Path(candidate)
    for root in _SEARCH_ROOTS:
        base = Path(root)
        if not base.is_dir():
            continue
        for dirpath, dirnames, _ in os.walk(base):
            if "registry.terraform.io" in dirnames and _is_mirror(Path(dirpath)):
                return Path(dirpath)
            if len(Path(dirpath).relative_to(base).parts) >= max_depth:
                dirnames[:] = []
            else:
                dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS]
    return None


def cli_config(plugin_cache: Path, mirror: Path | None) -> str:
    """A terraform CLI config: the mirror for hashicorp's providers when there is one, else
    the plugin cache. From an unpacked mirror, init links the provider (a symlink, ~1 s);
    a plugin cache adds nothing there but a race: terraform says the cache is not safe for
    concurrent inits, and one init rewriting the cached provider broke another run's link
    to it ("fork/exec ... no such file or directory", seen in a CI dry run)."""
    if mirror is None:
        return hcl.attributes({"plugin_cache_dir": str(plugin_cache)}, 0) + "\n"
    hashicorp = ["registry.terraform.io/hashicorp/*"]
    return hcl.block("provider_installation", (), {}, [
        hcl.block("filesystem_mirror", (), {"path": str(mirror), "include": hashicorp},
                  indent=1),
        hcl.block("direct", (), {"exclude": hashicorp}, indent=1),
    ])


def environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """terraform's environment: `base` (default: this process's) for unattended runs, with
    the user's CLI config when its file exists, else edac's (written to edac's cache)."""
    env = dict(os.environ if base is None else base)
    env.update(_UNATTENDED)
    configured = env.get("TF_CLI_CONFIG_FILE") or ""
    if configured and Path(configured).is_file():
        text = Path(configured).read_text(errors="replace")
        # a config that installs from a filesystem mirror (edac's own among them) links the
        # providers from it: no cache to add (see cli_config)
        if "TF_PLUGIN_CACHE_DIR" not in env and "plugin_cache_dir" not in text and \
                "filesystem_mirror" not in text:
            plugins = cache_dir(env) / "terraform-plugins"
            plugins.mkdir(parents=True, exist_ok=True)
            env["TF_PLUGIN_CACHE_DIR"] = str(plugins)
        return env
    root = cache_dir(env)
    plugins = root / "terraform-plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    mirror = provider_mirror(env)
    text = cli_config(plugins, mirror)
    path = root / "terraformrc"
    if not path.is_file() or path.read_text(errors="replace") != text:
        tmp = path.with_name(f".terraformrc.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    env["TF_CLI_CONFIG_FILE"] = str(path)
    if mirror is not None:
        env["EDAC_TF_MIRROR"] = str(mirror)
    return env


def run(args: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None,
        echo: Callable[[str], None] | None = None,
        timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    """Run terraform in `cwd`; Failure (E909) with its output when it fails. `echo` receives
    each line of output as it comes (for progress)."""
    command = ["terraform", *args]
    env = dict(environment() if env is None else env)
    if echo is None:
        proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=timeout)
    else:
        lines: list[str] = []
        with subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) as popen:
            assert popen.stdout is not None
            for line in popen.stdout:
                lines.append(line)
                echo(line.rstrip("\n"))
            popen.wait(timeout)
        proc = subprocess.CompletedProcess(command, popen.returncode, "".join(lines), "")
    if proc.returncode != 0:
        raise failure(
            "E909",
            f"terraform {' '.join(args)} failed (exit {proc.returncode}) in {cwd}:\n"
            f"{(proc.stdout or '')[-6000:]}{(proc.stderr or '')[-6000:]}")
    return proc


def _shell_exports(env: Mapping[str, str], names: Sequence[str]) -> str:
    """`export NAME=value` lines, each value quoted by `edac.core.text.shell` (the one shell quoting
    function)."""
    return "".join(f"export {name}={shell(env[name])}\n" for name in names if name in env)


def main(argv: Sequence[str]) -> int:
    if list(argv) != ["env"]:
        print("usage: python -m edac.io.terraform env", file=sys.stderr)
        return 2
    env = environment()
    names = [*_UNATTENDED, "TF_CLI_CONFIG_FILE", "TF_PLUGIN_CACHE_DIR", "EDAC_TF_MIRROR"]
    sys.stdout.write(_shell_exports(env, names))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
