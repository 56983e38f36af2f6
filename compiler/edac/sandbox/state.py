"""The sandbox's state directory: what `up` recorded (emulator, topology, outputs), the
compiled output, the emulator's log."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edac.core.diagnostics import failure
from edac.io.write import SANDBOX_KIND, SANDBOX_STATE, sandbox_state
from edac.sandbox.emulator import Endpoint, is_our_server

STATE_DIR = ".edac-sandbox"
STATE_FILE = SANDBOX_STATE
BUILD_DIR = "build"
KIND = SANDBOX_KIND  # in the state file: this directory is a sandbox's
# what the sandbox makes in its directory, and so what `remove` may remove
_OWN = (STATE_FILE, BUILD_DIR, f"{BUILD_DIR}.edac.lock", "emulator.log", "emulator.log.port")


@dataclass
class Sandbox:
    root: Path

    @property
    def build(self) -> Path:
        return self.root / BUILD_DIR

    @property
    def log(self) -> Path:
        return self.root / "emulator.log"

    def state(self) -> dict[str, Any]:
        """What the sandbox recorded ({} when the directory holds no sandbox)."""
        return sandbox_state(self.root)

    def claim(self) -> None:
        """Make the directory a sandbox's, or Failure (E908) when it already holds files
        that are not a sandbox's (a project, a home directory): the sandbox never writes into
        or removes from a directory it did not make."""
        if self.root.is_symlink() or (self.root.exists() and not self.root.is_dir()):
            raise failure("E908", f"`{self.root}` is not a directory the sandbox can use",
                          help="give --dir a new or empty directory", exit_code=2)
        if self.state():
            return
        if self.root.exists() and any(self.root.iterdir()):
            raise failure("E908", f"`{self.root}` holds files and no sandbox: the sandbox "
                          "keeps its state in a directory of its own",
                          help="give --dir a new or empty directory (the default is "
                          f"`{STATE_DIR}`)", exit_code=2)
        self.save({})

    def save(self, state: dict[str, Any]) -> None:
        """Record `state` (atomically: a new file renamed over the old one; a link or file
        planted at the temporary name is not followed)."""
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{STATE_FILE}.{os.getpid()}.tmp"
        tmp.unlink(missing_ok=True)
        text = json.dumps({**state, "kind": KIND}, indent=2, sort_keys=True) + "\n"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        tmp.replace(self.root / STATE_FILE)

    def forget_build(self) -> None:
        """Remove the compiled output and its terraform state (a new emulator holds none of
        what they describe). Only in a directory that is a sandbox's."""
        if self.state() and self.build.is_dir() and not self.build.is_symlink():
            shutil.rmtree(self.build)
        if self.state():
            (self.root / f"{BUILD_DIR}.edac.lock").unlink(missing_ok=True)

    def remove(self) -> list[str]:
        """Remove what the sandbox made here (state, build, log), then the directory when
        nothing else is left. Returns the names of what was left (the user's)."""
        if not self.state():
            return []
        for name in _OWN:
            path = self.root / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
        left = sorted(entry.name for entry in self.root.iterdir())
        if not left:
            self.root.rmdir()
        return left

    def endpoint(self) -> Endpoint | None:
        """The recorded emulator when it still answers."""
        state = self.state()
        url, pid = state.get("endpoint"), state.get("pid")
        if not isinstance(url, str):
            return None
        if not isinstance(pid, int) or isinstance(pid, bool) or not is_our_server(pid):
            return None  # only the emulator this sandbox started, still running
        endpoint = Endpoint(url, pid)
        return endpoint if endpoint.alive() else None

    def applied_here(self, override: str, root: Path | None = None) -> bool:
        """Whether `build/` (or `root`, a root of another account under it) holds what the
        sandbox applied: its own override (pointing the provider at the emulator) and a
        terraform state, both plain files. `down` destroys nothing otherwise."""
        root = self.build if root is None else root
        return all((root / name).is_file() and not (root / name).is_symlink()
                   for name in (override, "terraform.tfstate")) \
            and root.is_dir() and not root.is_symlink()
