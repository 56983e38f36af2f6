"""Nothing injected: arbitrary text in every free-text field and tag, and names at the edge of
every charset and length limit, is either rejected with a diagnostic or compiled into
Terraform whose value is exactly the input. 10,000 generated topologies are compiled; every
emitted literal of the compiled ones is then evaluated by terraform itself, in one run."""

from __future__ import annotations

import json
import string
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edac.api import compile_paths
from edac.core.emit import hcl
from tftools import require_terraform, run_terraform

TOPOLOGIES = 10_000
NAME_CHARS = string.ascii_letters + string.digits + "-_"
SPECIALS = ['"', "\\", "${x}", "${file(\"/etc/passwd\")}", "%{ if true }", "%{endif}", "\n",
            "\r\n", "$${", "%%{", "EOT", "\nEOT\n", "\u2028", "\u2029", "\t", "}", "{", "*/",
            "/*", "#", "//", "<<EOT", "é", "日本語", "🚀", "\x7f", "\x1b[31m", "\\u0041", "'", "`"]

# free text: anything at all, with the characters that matter to HCL and JSON made common
texts = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
    st.lists(st.sampled_from(SPECIALS), min_size=1, max_size=6).map("".join),
    st.builds(lambda a, b, c: a + b + c, st.text(max_size=5), st.sampled_from(SPECIALS),
              st.text(max_size=5)),
    st.integers(0, 600).map(lambda n: "x" * n),
)
# text that AWS accepts for detail-types and sources (printable), with HCL's specials
printable = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Co", "Cn", "Zl", "Zp", "Zs"),
                          whitelist_characters=" "), min_size=1,
            max_size=40).filter(lambda t: t.strip() and not t.startswith("aws.")),
    st.lists(st.sampled_from(['"', "\\", "${x}", "%{y}", "$${", "EOT", "é", "'", "}"]),
             min_size=1, max_size=5).map("".join),
)
tag_text = st.text(string.ascii_letters + string.digits + " _.:/=+-@", min_size=1,
                   max_size=20)
# names: mostly valid, sometimes at or over the length limits, sometimes with bad characters;
# values of any field, sometimes anything at all (then rejected with a diagnostic)
def mostly(common: st.SearchStrategy[str], rare: st.SearchStrategy[str],
           tenths: int = 9) -> st.SearchStrategy[str]:
    """`common` in `tenths` of the draws, `rare` in the others."""
    return st.integers(0, 9).flatmap(lambda i: common if i < tenths else rare)


names = mostly(
    st.text(NAME_CHARS, min_size=1, max_size=12),
    st.one_of(st.text(NAME_CHARS, min_size=40, max_size=70),
              st.text(NAME_CHARS + ".:/ é$\n", min_size=1, max_size=12)),
)
printable = mostly(printable, texts)
tag_text = mostly(tag_text, texts)


@st.composite
def topologies(draw: st.DrawFn) -> dict[str, Any]:
    producer, consumer, route = draw(names), draw(names), draw(names)
    detail_type = draw(printable)
    doc: dict[str, Any] = {
        "version": 1,
        "name": draw(st.one_of(st.just("lit"), names)),
        "producers": {producer: {"source": draw(printable), "description": draw(texts)}},
        "events": {detail_type: {"producer": producer, "description": draw(texts)}},
        "consumers": {consumer: {"container": {"role": "worker"}, "description": draw(texts)}},
        "routes": {route: {"events": [detail_type], "to": [consumer],
                           "description": draw(texts),
                           "filter": {draw(texts): [draw(texts), draw(texts)]}}},
    }
    if draw(st.booleans()):
        doc["tags"] = draw(st.dictionaries(tag_text, tag_text, max_size=3))
    if draw(st.booleans()):
        doc["environment"] = draw(names)
    return doc


class Seen:
    compiled = 0
    rejected = 0
    strings: ClassVar[list[str]] = []
    patterns: ClassVar[list[dict[str, Any]]] = []


@settings(max_examples=TOPOLOGIES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(topologies())
def test_generated_topologies(tmp_path_factory: pytest.TempPathFactory,
                              doc: dict[str, Any]) -> None:
    path = tmp_path_factory.getbasetemp() / "injection.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    result = compile_paths([str(path)])  # never raises
    if not result.result.ok:
        assert any(d.is_error for d in result.result.diagnostics)
        for diag in result.result.diagnostics:
            assert diag.message and diag.code
        Seen.rejected += 1
        return
    Seen.compiled += 1
    topo = result.result.topology
    assert topo is not None
    (route,) = topo.routes.values()
    # what the templates emit for these values, to be evaluated by terraform at the end
    Seen.strings += [s for s in (route.description, *topo.tags, *topo.tags.values()) if s]
    Seen.patterns.append(route.pattern)


def test_the_emitted_literals_are_read_by_terraform_as_written(tmp_path: Path) -> None:
    """One terraform run evaluates every string and pattern the 10,000 topologies emitted."""
    if Seen.compiled + Seen.rejected < TOPOLOGIES:
        pytest.skip("runs after test_generated_topologies")
    require_terraform()
    assert Seen.compiled > 3000 and Seen.rejected > 1000, (Seen.compiled, Seen.rejected)
    print(f"{Seen.compiled} compiled, {Seen.rejected} rejected with diagnostics; "
          f"{len(Seen.strings)} strings and {len(Seen.patterns)} patterns evaluated")
    lines = ["locals {"]
    lines += [f"  s{i} = {hcl.quote(text)}" for i, text in enumerate(Seen.strings)]
    lines += [f"  p{i} = {hcl.heredoc_json(p, 1)}" for i, p in enumerate(Seen.patterns)]
    lines += ["}", "", 'output "values" {', "  value = {"]
    lines.append("    strings = [" + ", ".join(f"local.s{i}" for i in range(len(Seen.strings)))
                 + "]")
    lines.append("    patterns = [" + ", ".join(f"jsondecode(local.p{i})"
                                               for i in range(len(Seen.patterns))) + "]")
    lines += ["  }", "}"]
    (tmp_path / "main.tf").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # no resources: apply only evaluates, and `output -json` prints the values exactly
    run_terraform(["init", "-backend=false", "-input=false", "-no-color"], tmp_path)
    run_terraform(["apply", "-auto-approve", "-input=false", "-no-color"], tmp_path)
    proc = run_terraform(["output", "-json", "values"], tmp_path)
    values = json.loads(proc.stdout)
    assert values["strings"] == Seen.strings
    assert values["patterns"] == Seen.patterns
