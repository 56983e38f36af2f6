"""Check Mermaid diagrams with the real Mermaid library (under Node), in every pinned version.

The Node side is ``tests/mermaid/`` (``package.json`` pins Mermaid 11.3.0, the version GitHub
renders with, as ``mermaid-gh`` and the latest release as ``mermaid-latest``; ``check.mjs`` does
the work). Install it once with ``npm ci --prefix tests/mermaid``.

Use from tests::

    from mermaid_harness import check_diagrams, require_mermaid

    def test_diagram_renders():
        require_mermaid()  # skip (or fail when EDAC_REQUIRE_TOOLS=1) without node + packages
        [result] = check_diagrams([text])
        assert all(r.ok for r in result.values()), result

Send every diagram of a test module in ONE call: each call starts one Node process (~1.4 s);
then a diagram costs, for both versions together, ~30-75 ms with ``render=False`` and ~0.4 s
(15 nodes) to ~1 s (90 nodes) rendered. Results are cached per text for the session.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, NoReturn

HARNESS_DIR = Path(__file__).resolve().parent / "mermaid"
CHECK_SCRIPT = HARNESS_DIR / "check.mjs"
INSTALL_HINT = "run `npm ci --prefix tests/mermaid`"
MIN_NODE_MAJOR = 20
# npm alias in tests/mermaid/package.json -> the role name used as a key in results.
PACKAGES = {"gh": "mermaid-gh", "latest": "mermaid-latest"}
REQUIRED_PACKAGES = (*PACKAGES.values(), "@happy-dom/global-registrator")

Stage = Literal["parse", "lint", "render"]


class MermaidHarnessError(RuntimeError):
    """The Node side could not run (not: a diagram is invalid; that is a Result)."""


@dataclass(frozen=True)
class Label:
    """A piece of text as the rendered diagram shows it (``<br>`` read as a newline)."""

    kind: Literal["node", "edge", "cluster"]
    id: str | None
    text: str


@dataclass(frozen=True)
class Result:
    """The verdict of one Mermaid version on one diagram.

    ``stage`` names the check that failed: ``parse`` (Mermaid's parser), ``lint`` (parses but
    draws wrong: a subgraph id reused as a node id), ``render`` (layout/drawing threw, or drew an
    error in place of text: "Unsupported markdown: ...", $$ math, the maxTextSize placeholder).
    ``labels`` is set when asked for with ``labels=True`` and the diagram rendered.
    """

    ok: bool
    error: str | None
    stage: Stage | None = None
    labels: tuple[Label, ...] | None = None

    def __str__(self) -> str:
        if self.ok:
            return "ok"
        return f"{self.stage} error: {self.error}"


def _node_binary() -> str | None:
    return os.environ.get("EDAC_NODE") or shutil.which("node")


def _pinned_versions() -> dict[str, str]:
    """The exact version of each npm alias, as package.json pins it ("npm:mermaid@11.3.0")."""
    manifest = json.loads((HARNESS_DIR / "package.json").read_text(encoding="utf-8"))
    deps: dict[str, str] = manifest["dependencies"]
    return {name: spec.rsplit("@", 1)[-1] for name, spec in deps.items()}


_availability: list[str | None] = []


def mermaid_available() -> str | None:
    """None when the harness can run, else why not (with the command that fixes it)."""
    if not _availability:
        _availability.append(_probe())
    return _availability[0]


def _probe() -> str | None:
    node = _node_binary()
    if node is None:
        return f"node is not installed (need Node >= {MIN_NODE_MAJOR} on PATH, then {INSTALL_HINT})"
    try:
        out = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        return f"cannot run `{node} --version`: {exc}"
    try:
        major = int(out.lstrip("v").split(".")[0])
    except ValueError:
        return f"cannot read the node version from {out!r}"
    if major < MIN_NODE_MAJOR:
        return f"node {out} is too old (need >= {MIN_NODE_MAJOR})"
    pinned = _pinned_versions()
    for name in REQUIRED_PACKAGES:
        installed = HARNESS_DIR / "node_modules" / name / "package.json"
        if not installed.is_file():
            return f"{name} is not installed in tests/mermaid/node_modules: {INSTALL_HINT}"
        version = json.loads(installed.read_text(encoding="utf-8"))["version"]
        if version != pinned[name]:
            return (
                f"tests/mermaid/node_modules has {name} {version}, package.json pins "
                f"{pinned[name]}: {INSTALL_HINT}"
            )
    return None


def require_mermaid() -> None:
    """In a test: skip it when the harness cannot run; fail instead when EDAC_REQUIRE_TOOLS=1."""
    reason = mermaid_available()
    if reason is None:
        return
    _skip_or_fail(f"mermaid harness unavailable: {reason}")


def _skip_or_fail(message: str) -> NoReturn:
    import pytest

    if os.environ.get("EDAC_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{message} (EDAC_REQUIRE_TOOLS=1 forbids skipping)", pytrace=False)
    pytest.skip(message)


_cache: dict[tuple[str, bool, bool], dict[str, Result]] = {}


def check_diagrams(
    texts: list[str], *, render: bool = True, labels: bool = False
) -> list[dict[str, Result]]:
    """Check every diagram in every pinned version, in one Node process.

    Returns, per diagram in order, ``{"gh": Result, "latest": Result}``. ``render=False`` only
    parses and lints (10-20x faster, but misses what only rendering finds: see Result).
    ``labels=True`` also returns the rendered text of every node, edge and subgraph label.
    Raises MermaidHarnessError when Node or the packages cannot run (call require_mermaid first).
    """
    todo = list(dict.fromkeys(t for t in texts if _cached(t, render, labels) is None))
    if todo:
        for text, result in zip(todo, _run(todo, render=render, labels=labels), strict=True):
            _cache[(text, render, labels)] = result
    return [_cached(t, render, labels) or {} for t in texts]


def _cached(text: str, render: bool, labels: bool) -> dict[str, Result] | None:
    hit = _cache.get((text, render, labels))
    if hit is None and not labels:  # a run with labels also answers a run without
        with_labels = _cache.get((text, render, True))
        if with_labels is not None:
            hit = {role: replace(r, labels=None) for role, r in with_labels.items()}
    return dict(hit) if hit is not None else None


def assert_diagrams_valid(texts: list[str], *, render: bool = True) -> None:
    """Fail with every problem listed when any diagram fails in any pinned version."""
    failures = []
    for index, (text, result) in enumerate(
        zip(texts, check_diagrams(texts, render=render), strict=True)
    ):
        for role, verdict in result.items():
            if not verdict.ok:
                failures.append(f"diagram {index} ({role}) {verdict}\n{_numbered(text)}")
    if failures:
        raise AssertionError("invalid Mermaid:\n\n" + "\n\n".join(failures))


def versions() -> dict[str, str]:
    """Role -> exact Mermaid version, as pinned in tests/mermaid/package.json."""
    pinned = _pinned_versions()
    return {role: pinned[package] for role, package in PACKAGES.items()}


def _numbered(text: str) -> str:
    return "\n".join(f"{n:4} | {line}" for n, line in enumerate(text.splitlines(), 1))


def _run(texts: list[str], *, render: bool, labels: bool) -> list[dict[str, Result]]:
    reason = mermaid_available()
    if reason is not None:
        raise MermaidHarnessError(reason)
    node = _node_binary()
    assert node is not None
    with tempfile.TemporaryDirectory(prefix="edac-mermaid-") as tmp:
        src, dst = Path(tmp) / "in.json", Path(tmp) / "out.json"
        src.write_text(json.dumps(texts), encoding="utf-8")
        cmd = [node, str(CHECK_SCRIPT), "--in", str(src), "--out", str(dst)]
        if not render:
            cmd.append("--parse-only")
        if labels:
            cmd.append("--labels")
        # Generous: a large diagram can take seconds to lay out on a loaded machine.
        timeout = 120 + 15 * len(texts)
        try:
            proc = subprocess.run(
                cmd, cwd=HARNESS_DIR, capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired as exc:
            raise MermaidHarnessError(
                f"check.mjs did not finish {len(texts)} diagram(s) in {timeout} s"
            ) from exc
        if proc.returncode != 0 or not dst.is_file():
            tail = "\n".join(proc.stderr.splitlines()[-30:])
            raise MermaidHarnessError(f"check.mjs exited with {proc.returncode}:\n{tail}")
        payload = json.loads(dst.read_text(encoding="utf-8"))
    results: list[dict[str, Result]] = []
    for entry in payload["results"]:
        results.append({role: _result(raw) for role, raw in entry.items()})
    if len(results) != len(texts):
        raise MermaidHarnessError(f"check.mjs returned {len(results)} results for {len(texts)}")
    return results


def _result(raw: dict[str, object]) -> Result:
    raw_labels = raw.get("labels")
    parsed = None
    if isinstance(raw_labels, list):
        parsed = tuple(Label(kind=x["kind"], id=x["id"], text=x["text"]) for x in raw_labels)
    return Result(
        ok=bool(raw["ok"]),
        error=raw.get("error"),  # type: ignore[arg-type]
        stage=raw.get("stage"),  # type: ignore[arg-type]
        labels=parsed,
    )
