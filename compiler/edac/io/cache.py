"""A small cache of facts that are expensive to establish and depend only on content
(e.g. "this text is a valid JSON Schema"), kept across runs in the user's cache directory.

Entries are empty marker files named by a digest of what they vouch for (including the
versions of edac and of the library that checked it), so the cache can never answer for
different content. Any failure to read or write it is ignored: it only saves time.
`EDAC_CACHE_DIR` moves it; `EDAC_NO_CACHE=1` switches it off.

Nothing executable is ever kept or loaded here (the cache directory may be another branch's
CI cache, or shared): an entry only lets edac skip a check whose answer it recorded, for
exactly the content it recorded it for. Jinja's compiled templates were kept here once; they
are code, so they are compiled in each process instead (about 40 ms).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from functools import cache
from importlib import metadata
from pathlib import Path

from edac import __version__


@cache
def _directory() -> Path | None:
    if os.environ.get("EDAC_NO_CACHE"):
        return None
    base = os.environ.get("EDAC_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "edac" / "facts"


@cache
def _versions() -> str:
    try:
        jsonschema = metadata.version("jsonschema")
    except metadata.PackageNotFoundError:
        jsonschema = "?"
    return f"edac {__version__}; jsonschema {jsonschema}"


def digest(kind: str, text: str) -> str:
    h = hashlib.sha256()
    for part in (kind, _versions(), text):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def has(key: str) -> bool:
    directory = _directory()
    return directory is not None and (directory / key[:2] / key).exists()


def put(key: str) -> None:
    directory = _directory()
    if directory is None:
        return
    try:
        (directory / key[:2]).mkdir(parents=True, exist_ok=True)
        (directory / key[:2] / key).touch()
    except OSError:
        pass


# ---------------------------------------------------------------------------------------------
# facts kept: valid JSON Schemas

_SCHEMA = "json-schema"
_VALID_IN_THIS_PROCESS: set[str] = set()  # digests, so a library user's loop reads no disk


def trusted_schemas(texts: Iterable[str]) -> set[str]:
    """The schema texts already found to be valid JSON Schemas (by this edac and jsonschema)."""
    found = set()
    for text in texts:
        key = digest(_SCHEMA, text)
        if key in _VALID_IN_THIS_PROCESS or has(key):
            _VALID_IN_THIS_PROCESS.add(key)
            found.add(text)
    return found


def remember_schemas(texts: Iterable[str]) -> None:
    for text in texts:
        key = digest(_SCHEMA, text)
        _VALID_IN_THIS_PROCESS.add(key)
        put(key)
