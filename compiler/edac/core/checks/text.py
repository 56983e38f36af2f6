"""Text that Terraform cannot carry as written.

Terraform normalizes every string to Unicode NFC (literals, escapes and `jsondecode` alike),
so text that is not in NFC would reach AWS changed: a detail-type or filter value would then
match other events than the YAML says. Such text is refused, at its place, with the NFC form.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

from edac.core.checks._util import diag
from edac.core.diagnostics import Diagnostic
from edac.core.ir import Origin, Topology


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _fields(topo: Topology) -> Iterator[tuple[Any, Origin | None, tuple[str | int, ...], bool]]:
    """(value, origin, sub-path, points at the key) for every text that reaches Terraform."""
    for key, value in topo.tags.items():
        yield [key, value], topo.tag_origins.get(key), (), True
    for t in topo.declared_teams.values():
        yield t.name, t.origin, (), True
        yield t.description, t.origin, ("description",), False
        yield [*t.email, *t.https, t.topic], t.origin, ("alerts",), False
    for p in topo.producers.values():
        yield p.name, p.origin, (), True
        yield p.source, p.origin, ("source",), False
        yield p.description, p.origin, ("description",), False
        yield list(p.principals), p.origin, ("principals",), False
    for e in topo.events.values():
        yield e.name, e.origin, (), True
        yield e.description, e.origin, ("description",), False
    for c in topo.consumers.values():
        yield c.name, c.origin, (), True
        yield c.description, c.origin, ("description",), False
        yield c.team, c.origin, ("team",), False
        if c.lambda_ is not None:
            yield [c.lambda_.function, c.lambda_.role], c.origin, ("lambda",), False
        if c.container is not None:
            yield c.container.role, c.origin, ("container",), False
        yield [c.queue.message_group, c.queue.kms_key, c.alarms.notify], c.origin, ("queue",), False
    for r in topo.routes.values():
        yield r.name, r.origin, (), True
        yield r.description, r.origin, ("description",), False
        if r.raw_pattern is not None:
            yield r.raw_pattern, r.origin, ("pattern",), False
        if r.filter is not None:
            yield r.filter, r.origin, ("filter",), False


def _codes(text: str) -> str:
    return " ".join(f"U+{ord(ch):04X}" for ch in text)


def _changes(text: str, normal: str) -> str:
    """What normalization changes, as code points: `U+0065 U+0301 -> U+00E9, ...`, one
    entry per changed character with its combining marks."""
    starts = [i for i, ch in enumerate(text) if i == 0 or not unicodedata.combining(ch)]
    pieces = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
    changed = [(p, unicodedata.normalize("NFC", p)) for p in pieces]
    changed = [(p, n) for p, n in changed if p != n]
    if not changed:  # composed across characters (e.g. Hangul jamo): show the whole text
        changed = [(text, normal)]
    return ", ".join(f"{_codes(p)} -> {_codes(n)}" for p, n in changed)


def nfc(topo: Topology) -> Iterator[Diagnostic]:
    for value, origin, sub, key in _fields(topo):
        for text in _strings(value):
            normal = unicodedata.normalize("NFC", text)
            if normal != text:
                yield diag(
                    topo, "E610",
                    f"`{text}` is not in Unicode NFC form: Terraform would turn it into "
                    f"`{normal}` ({_changes(text, normal)})",
                    origin, *sub, key=key, label="changed by Terraform",
                    help=f"write it in NFC: `{normal}` (most editors do; a decomposed or "
                    "compatibility character came in by copy and paste)",
                )
                break


CHECKS = (nfc,)
