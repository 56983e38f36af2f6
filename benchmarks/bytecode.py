"""edac's modules compiled to bytecode before measuring, as `pip install` does for a regular
(wheel) install. An editable install writes the bytecode at the first run instead, unless
PYTHONDONTWRITEBYTECODE is set (as on some CI machines): then every run would compile
edac's ~40 modules from source again (~0.1 s), which no installed copy pays."""

from __future__ import annotations

import compileall
import importlib.util
from pathlib import Path


def ensure_bytecode() -> str:
    spec = importlib.util.find_spec("edac")
    assert spec is not None and spec.submodule_search_locations, "edac is not installed"
    package = Path(next(iter(spec.submodule_search_locations)))
    ok = compileall.compile_dir(str(package), quiet=1)
    return f"edac bytecode compiled once before measuring ({'ok' if ok else 'failed'})"
