"""`edac diagram`: golden Mermaid for every example and compile case, escaping that survives any
name (checked with the real Mermaid, both pinned versions), determinism and size limits.

Every diagram this module checks with Mermaid is collected first and sent in one batch (one Node
process): see `verdicts`.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import random
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT, check_golden, example_dirs, generate_topology
from edac.api import compile_paths, load_topology
from edac.cli import main
from edac.core import ir
from edac.core.emit import mermaid
from edac.core.emit.mermaid import Edge, Graph, Node, Selection
from edac.core.emit.mermaid.graph import team_of
from edac.io.write import HEADER_MARK
from edac.patterns.summary import pattern_clauses
from mermaid_harness import Result, check_diagrams, require_mermaid

GOLDEN = ROOT / "tests" / "golden" / "diagrams"
CASES = ROOT / "tests" / "cases" / "compile"
BLESS = "python -m pytest tests/test_diagram.py --update-golden"
RESERVED = {"end", "graph", "flowchart", "subgraph", "class", "classDef", "style", "linkStyle",
            "interpolate", "click", "call", "href", "default"}


def inputs() -> list[tuple[str, Path]]:
    found = [(f"examples/{p.name}", p) for p in example_dirs()]
    found += [(f"cases/{p.name}", p / "input") for p in sorted(CASES.iterdir()) if p.is_dir()]
    return found


INPUTS = inputs()


def topology(*paths: Path | str) -> ir.Topology:
    result = load_topology([str(p) for p in paths])
    assert result.ok, [d.message for d in result.diagnostics]
    assert result.topology is not None
    return result.topology


# ---------------------------------------------------------------------------------------------
# a topology full of awkward names


AWKWARD_EVENTS = [
    'say "hi"', "C# #35; &amp; &lt;", "<script>alert(1)</script>", "1. x", "**bold** _it_",
    "$$x^2$$", "`code` ``two``", "a|b;c", "end", "class", "o-ring", "x-ray", "naïve 日本 🙂",
    "- item", "# heading", "> quote", "~~strike~~", "<b>bold</b> <br> #quot;", "fa:fa-car",
    "{curly} [sq] (paren)", "%% comment", "double  and   spaces ", "E" * 128,
]
LONG = "very-long-consumer-name-that-goes-on-and-on-and-on-forever-x"


def awkward_document() -> dict[str, object]:
    consumers = ["end", "class", "o", "x", "default", "style", "graph", "a-b", "a_b", "1", LONG]
    teams = ["subgraph", "end", "class", "o", "x"]
    return {
        "version": 1,
        "name": "awk",
        "bus": {"archive_days": 0},
        "producers": {
            "end": {"source": 'com.x."quoted" <b>#1</b>', "team": "subgraph",
                    "description": "`ticks` **bold** <script>"},
            "o": {"source": "o.x", "team": "class"},
            "x": {"source": "$$ 1. x", "team": "end"},
        },
        "events": {
            name: {"producer": ["end", "o", "x"][i % 3], "unconsumed": True,
                   "description": f"{name} | described"}
            for i, name in enumerate(AWKWARD_EVENTS)
        },
        "consumers": {
            name: {
                "team": teams[i % len(teams)],
                "description": f'"{name}" <i>consumer</i>',
                **({"lambda": {"function": "end" if i % 4 == 0 else "o-x", "timeout": "3s"}}
                   if i % 2 == 0 else {"container": {"role": "a+b=c,d.e@f-g"}}),
                **({"queue": {"fifo": True}} if name == "x" else {}),
            }
            for i, name in enumerate(consumers)
        },
        "routes": {
            "end": {
                "description": 'the "end" route <b>',
                "events": ['say "hi"', "1. x"],
                "filter": {"status": ["<b>x</b>", "#35;", "a|b"],
                           "n": [{"numeric": [">", 0, "<=", 5]}]},
                "to": ["end", "class"],
            },
            "o.x": {"events": AWKWARD_EVENTS[2:9], "to": ["o", "x", "default", "style", "graph",
                                                          "a-b"]},
            "x--y": {"pattern": {"source": [{"prefix": "$$"}],
                                 "detail": {"k": [{"anything-but": ["`x`", "end"]}],
                                            "$or": [{"a": [{"exists": True}]},
                                                    {"b": ["|"]}]}},
                     "to": ["a_b", "1", LONG]},
        },
    }


@pytest.fixture(scope="module")
def awkward_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("awkward")
    # YAML is a superset of JSON: the awkward strings need no YAML quoting of our own
    (path / "topology.yaml").write_text(json.dumps(awkward_document(), ensure_ascii=False),
                                        encoding="utf-8")
    return path


CRAZY = ['"quoted" end', "<script>alert(1)</script>", "o", "x", "a  b\tc", "end", "#35;",
         "日本 🙂", "-->|x|", "1. x", "**b**", "$$m$$", "`t`", "a-b", "a_b", "", " ", "class"]


def renamed_everything(topo: ir.Topology) -> ir.Topology:
    """The topology with every name replaced by text the checks would refuse (the emitter must
    stay safe anyway): quotes, markup, keywords, arrows, blanks."""
    pool = itertools.cycle(CRAZY)
    names: dict[tuple[str, str], str] = {}

    def rename(kind: str, name: str) -> str:
        if (kind, name) not in names:
            names[(kind, name)] = f"{next(pool)}{len(names)}"
        return names[(kind, name)]

    teams = {t: rename("team", t) for t in topo.teams}
    producers = {rename("p", p.name): dataclasses.replace(
        p, name=rename("p", p.name), team=teams.get(p.team or "")) for p in topo.producers.values()}
    events = {n: dataclasses.replace(e, producer=rename("p", e.producer))
              for n, e in topo.events.items()}
    consumers = {rename("c", c.name): dataclasses.replace(c, name=rename("c", c.name),
                                                          team=teams[c.team])
                 for c in topo.consumers.values()}
    routes = {}
    for r in topo.routes.values():
        to = tuple(rename("c", t) for t in r.to)
        rules = tuple(dataclasses.replace(rule, targets=tuple(rename("c", t) for t in rule.targets))
                      for rule in r.rules)
        routes[rename("r", r.name)] = dataclasses.replace(r, name=rename("r", r.name), to=to,
                                                          rules=rules)
    return dataclasses.replace(topo, producers=producers, events=events, consumers=consumers,
                               routes=routes)


# ---------------------------------------------------------------------------------------------
# labels that break Mermaid when written as they are


BROKEN_LABELS = [
    'say "hi"', "C# #35; &amp; &lt;", "<script>alert(1)</script>", "1. x", "**bold** _it_",
    "$$x^2$$", "`code`", "- item", "# heading", "> quote", "~~strike~~", "<b>bold</b>", "<br>",
    "#quot;", "fa:fa-car",
]


# escaped text after a `<br>` is read as markdown again (11.x) or math (both)
BR_BREAKS = ["$$x^2$$", "`code`", "**bold**", "~~strike~~"]


def raw_diagram(text: str) -> str:
    return f'flowchart LR\n  n1["{text}"] --> n2\n'


def escaped_diagram(texts: list[str]) -> str:
    """Each text alone (`n0`...) and as the second line of a label (`m0`...)."""
    lines = ["flowchart LR"]
    lines += [f'  n{i}["{mermaid.label([t])}"]' for i, t in enumerate(texts)]
    lines += [f'  m{i}["{mermaid.label(["top", t])}"]' for i, t in enumerate(texts)]
    return "\n".join(lines) + "\n"


def br_diagram(text: str) -> str:
    """Escaped, but with the lines joined by `<br>`."""
    return f'flowchart LR\n  n1["top<br>{mermaid.escape(text)}"]\n'


def random_graph(seed: int, size: int = 30) -> Graph:
    """Nodes of every shape, edges and subgraphs labelled with random text: all of printable
    ASCII, whitespace and some non-ASCII."""
    rng = random.Random(seed)
    alphabet = [chr(c) for c in range(32, 127)] + list("\t\n\u00a0éß日本🙂Ω\u200b")

    def text() -> str:
        while True:
            s = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24)))
            if s.split():
                return s

    shapes: list[mermaid.Shape] = ["producer", "bus", "route", "queue", "consumer"]
    teams = [text() for _ in range(3)]
    nodes = {}
    for i in range(size):
        nid = f"n{i}"
        lines = tuple(text() for _ in range(rng.randint(1, 3)))
        nodes[nid] = Node(nid, shapes[i % 5], lines, rng.choice([None, *teams]), (i, "", 0))
    edges = {}
    for i in range(1, size):
        src = f"n{rng.randrange(i)}"
        edges[(src, f"n{i}")] = Edge(src, f"n{i}", (text(),) if i % 2 else (),
                                     dotted=i % 3 == 0)
    return Graph(nodes, edges, {t: f"sg_{k}" for k, t in enumerate(teams)})


def shown(lines: tuple[str, ...]) -> str:
    """What a label should show: each line with whitespace collapsed, blank lines dropped."""
    return "\n".join(n for n in (" ".join(line.split()) for line in lines) if n)


# ---------------------------------------------------------------------------------------------
# the batch


@pytest.fixture(scope="module")
def verdicts(awkward_dir: Path, team_diagrams: dict[str, str]) -> dict[str, dict[str, Result]]:
    """Every diagram of this module, checked in one Node process: rendered with labels (the
    examples, cases, awkward names, escaping), or parsed only (the bulk of team diagrams)."""
    require_mermaid()
    rendered: dict[str, str] = {name: mermaid.flowchart(topology(path)) for name, path in INPUTS}
    awkward = topology(awkward_dir)
    rendered["awkward"] = mermaid.flowchart(awkward)
    rendered["renamed"] = mermaid.flowchart(renamed_everything(awkward))
    rendered["escaped"] = escaped_diagram(BROKEN_LABELS)
    rendered |= {f"raw {t}": raw_diagram(t) for t in BROKEN_LABELS}
    rendered |= {f"br {t}": br_diagram(t) for t in BR_BREAKS}
    rendered["random"] = mermaid.render(random_graph(1))
    results = dict(zip(rendered, check_diagrams(list(rendered.values()), labels=True),
                       strict=True))
    parsed = {f"team {t}": text for t, text in team_diagrams.items()}
    results |= dict(zip(parsed, check_diagrams(list(parsed.values()), render=False),
                        strict=True))
    return results


def assert_ok(result: dict[str, Result], what: str) -> None:
    for role, verdict in result.items():
        assert verdict.ok, f"{what} ({role}): {verdict}"


def labels(result: Result, kind: str) -> dict[str | None, str]:
    assert result.labels is not None
    return {label.id: label.text for label in result.labels if label.kind == kind}


def assert_labels_show(graph: Graph, result: dict[str, Result]) -> None:
    """Every node, subgraph and edge label shows exactly the text it was given."""
    expected_edges = sorted(shown(e.lines) for e in graph.edges.values() if shown(e.lines))
    for role, verdict in result.items():
        assert verdict.ok, f"{role}: {verdict}"
        nodes = labels(verdict, "node")
        for nid, node in graph.nodes.items():
            assert nodes[nid] == (shown(node.lines) or nid), (role, nid)
        clusters = labels(verdict, "cluster")
        for team, sgid in graph.groups.items():
            if any(n.group == team for n in graph.nodes.values()):
                assert clusters[sgid] == shown(("team " + team_of(team),)), (role, team)
        for where, sid in graph.accounts.items():  # several accounts: one subgraph each
            assert clusters[sid] == shown((where,)), (role, where)
        assert verdict.labels is not None
        edges = sorted(x.text for x in verdict.labels if x.kind == "edge")
        assert edges == expected_edges, role


# ---------------------------------------------------------------------------------------------
# golden diagrams, rendered


@pytest.mark.parametrize(("name", "path"), INPUTS, ids=[n for n, _ in INPUTS])
def test_golden_diagram(name: str, path: Path, update_golden: bool) -> None:
    check_golden(GOLDEN / f"{name}.mmd", mermaid.flowchart(topology(path)), update_golden, BLESS)


@pytest.mark.mermaid
@pytest.mark.parametrize(("name", "path"), INPUTS, ids=[n for n, _ in INPUTS])
def test_diagram_renders_with_its_labels(name: str, path: Path,
                                         verdicts: dict[str, dict[str, Result]]) -> None:
    assert_labels_show(mermaid.build(topology(path)), verdicts[name])


def test_orders_diagram_shows_the_flow() -> None:
    graph = mermaid.build(topology(ROOT / "examples" / "orders"))
    assert set(graph.edges) >= {
        ("p_orders", "bus"), ("bus", "r_confirmed_orders"), ("bus", "r_cancellations"),
        ("r_confirmed_orders", "q_fulfillment"), ("r_confirmed_orders", "q_analytics"),
        ("r_confirmed_orders", "q_email"), ("r_cancellations", "q_email"),
        ("q_email", "d_email"), ("q_email", "c_email"),
    }
    assert graph.nodes["r_confirmed_orders"].lines[:3] == (
        "confirmed-orders", "OrderPlaced", "status: confirmed")
    assert graph.nodes["q_email"].group == "growth"
    assert graph.nodes["c_fulfillment"].lines == ("fulfillment", "lambda fulfil-order")


def test_pattern_summaries() -> None:
    topo = topology(ROOT / "examples" / "marketplace")
    summary = {name: mermaid.route_summary(r) for name, r in topo.routes.items()}
    assert summary["orders-to-shipping"] == ["OrderPlaced",
                                             "(total: >= 50) or (delivery: express)"]
    assert summary["audit-everything"] == ["source: prefix com.market."]
    assert summary["failed-payments"] == ["PaymentFailed", "amount: > 0"]
    assert summary["customer-notifications"] == [
        "OrderPlaced, OrderCancelled, PaymentFailed +1 more"]
    clauses = pattern_clauses({"a": [{"anything-but": ["x", "y"]}, {"exists": False}],
                                       "b": {"c": [{"numeric": [">", 0, "<=", 5]}, None]}})
    assert clauses == ["a: not x or y or missing", "b.c: > 0 <= 5 or null"]


# ---------------------------------------------------------------------------------------------
# names and labels: escaping


@pytest.mark.mermaid
def test_unescaped_labels_break_and_escaped_ones_show_their_text(
        verdicts: dict[str, dict[str, Result]]) -> None:
    for text in BROKEN_LABELS:
        raw = verdicts[f"raw {text}"]
        wrong = [role for role, v in raw.items()
                 if not v.ok or labels(v, "node").get("n1") != text]
        assert wrong, f"{text!r} shows right without escaping: not a test of escaping"
    escaped = verdicts["escaped"]
    for role, verdict in escaped.items():
        assert verdict.ok, f"{role}: {verdict}"
        nodes = labels(verdict, "node")
        assert [nodes[f"n{i}"] for i in range(len(BROKEN_LABELS))] == BROKEN_LABELS, role
        assert [nodes[f"m{i}"] for i in range(len(BROKEN_LABELS))] == [
            f"top\n{t}" for t in BROKEN_LABELS], role


@pytest.mark.mermaid
def test_lines_are_not_joined_with_br(verdicts: dict[str, dict[str, Result]]) -> None:
    for text in BR_BREAKS:
        result = verdicts[f"br {text}"]
        assert any(not v.ok or labels(v, "node")["n1"] != f"top\n{text}"
                   for v in result.values()), text


@pytest.mark.mermaid
def test_awkward_names_render_as_written(awkward_dir: Path,
                                         verdicts: dict[str, dict[str, Result]]) -> None:
    awkward = topology(awkward_dir)
    assert_labels_show(mermaid.build(awkward), verdicts["awkward"])
    assert_labels_show(mermaid.build(renamed_everything(awkward)), verdicts["renamed"])


@pytest.mark.mermaid
def test_random_labels_render_as_written(verdicts: dict[str, dict[str, Result]]) -> None:
    # rendered, not only parsed: what a label shows is the property under test
    assert_labels_show(random_graph(1), verdicts["random"])


def test_escape_leaves_no_mermaid_syntax() -> None:
    every_ascii = "".join(chr(c) for c in range(128))
    escaped = mermaid.escape(every_ascii + "é日🙂")
    assert re.fullmatch(r"[A-Za-z0-9 #;]*é日🙂", escaped)
    assert mermaid.escape('a "b"') == "a #34;b#34;"
    assert mermaid.escape("  a \t\n b  ") == "a b"
    assert mermaid.label(["x", "", "  ", "y"]) == "x\ny"
    assert mermaid.label(["", " "]) == ""


def test_ids_are_safe_unique_and_stable(awkward_dir: Path) -> None:
    for topo in (topology(awkward_dir), renamed_everything(topology(awkward_dir))):
        text = mermaid.flowchart(topo)
        graph = mermaid.build(topo)
        ids = [*graph.nodes, *graph.groups.values()]
        assert len(ids) == len(set(ids))
        for nid in ids:
            assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", nid), nid
            assert nid not in RESERVED and nid[0] not in "ox", nid
        # arrows always have spaces around them
        for line in text.splitlines():
            for arrow in re.findall(r"\S*(?:-->|-\.->|==>)\S*", line):
                assert arrow in ("-->", "-.->", "==>") or arrow.startswith(("-->|", "-.->|",
                                                                            "==>|")), line
    # names that reduce to the same id get a hash each; other ids stay readable
    ids = mermaid.Ids([("consumer", "a-b"), ("consumer", "a_b"), ("consumer", "email")])
    assert ids.get("consumer", "email") == "email"
    assert re.fullmatch(r"a_b_[0-9a-f]{6}", ids.get("consumer", "a-b"))
    assert ids.get("consumer", "a-b") != ids.get("consumer", "a_b")
    again = mermaid.Ids([("consumer", "a_b"), ("consumer", "email"), ("consumer", "a-b")])
    assert again.get("consumer", "a-b") == ids.get("consumer", "a-b")


# ---------------------------------------------------------------------------------------------
# determinism


def test_same_topology_same_text(tmp_path: Path) -> None:
    path = ROOT / "examples" / "marketplace"
    first = mermaid.flowchart(topology(path))
    assert mermaid.flowchart(topology(path)) == first
    copy = tmp_path / "copy"
    shutil.copytree(path, copy)
    files = sorted(copy.glob("*.yaml"), reverse=True)
    assert mermaid.flowchart(topology(*files)) == first


# ---------------------------------------------------------------------------------------------
# compile writes topology.md


@pytest.mark.parametrize(("name", "path"), INPUTS, ids=[n for n, _ in INPUTS])
def test_compile_writes_the_diagram(name: str, path: Path) -> None:
    compiled = compile_paths([str(path)])
    page = compiled.files["topology.md"]
    assert HEADER_MARK in page.splitlines()[0]
    assert mermaid.fenced(mermaid.flowchart(topology(path))) in page


# ---------------------------------------------------------------------------------------------
# size limits and filters


BIG_ROUTES = 300


@pytest.fixture(scope="module")
def big_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big")
    generate_topology(BIG_ROUTES, path)
    return path


@pytest.fixture(scope="module")
def team_diagrams(big_dir: Path) -> dict[str, str]:
    """Team -> its diagram (`--team`), for every team of the 300-route topology."""
    topo = topology(big_dir)
    return {t: mermaid.flowchart(topo, Selection(teams=frozenset([t]))) for t in topo.teams}


def test_a_large_topology_is_refused_whole_with_a_hint(big_dir: Path) -> None:
    with pytest.raises(mermaid.DiagramTooLarge) as caught:
        mermaid.flowchart(topology(big_dir))
    assert caught.value.edges > mermaid.MAX_EDGES
    result = CliRunner().invoke(main, ["diagram", str(big_dir)])
    assert result.exit_code == 2
    assert "Mermaid draws at most 500" in result.stderr
    assert "--team" in result.stderr


def test_every_team_diagram_is_under_the_limits(team_diagrams: dict[str, str]) -> None:
    for text in team_diagrams.values():
        assert len(text) <= mermaid.MAX_CHARS
        assert len(re.findall(r" (?:-->|-\.->|==>)[ |]", text)) <= mermaid.MAX_EDGES


def test_a_large_topology_gets_a_page_of_team_diagrams(big_dir: Path,
                                                      team_diagrams: dict[str, str]) -> None:
    topo = topology(big_dir)
    assert mermaid.edge_count(topo) > mermaid.MAX_EDGES
    page = mermaid.markdown(topo)
    drawn = dict(re.findall(r"## Team `([^`]+)`\n\n```mermaid\n(.*?)```", page, re.S))
    assert drawn == {t: team_diagrams[t] for t in drawn}
    assert sum(map(len, drawn.values())) <= mermaid.PAGE_BUDGET + mermaid.MAX_CHARS
    others = re.search(r"## Other teams\n\nNot drawn here, to keep this page short: (.*)\.\n",
                       page)
    assert others is not None
    assert [*drawn, *re.findall(r"`([^`]+)`", others.group(1))] == topo.teams


def test_edge_count_matches_the_drawing() -> None:
    for _, path in INPUTS:
        topo = topology(path)
        assert mermaid.edge_count(topo) == len(mermaid.build(topo).edges)


@pytest.mark.mermaid
def test_team_diagrams_parse(team_diagrams: dict[str, str],
                             verdicts: dict[str, dict[str, Result]]) -> None:
    for team in team_diagrams:
        assert_ok(verdicts[f"team {team}"], team)


def test_filters_select_what_they_name(big_dir: Path) -> None:
    topo = topology(big_dir)
    ids = mermaid.Ids.of(topo)

    def drawn(selection: Selection, prefix: str) -> set[str]:
        graph = mermaid.build(topo, selection=selection)
        return {n for n in graph.nodes if n.startswith(prefix)}

    def routes(*names: str) -> set[str]:
        return {"r_" + ids.get("route", n) for n in names}

    def queues(*names: str) -> set[str]:
        return {"q_" + ids.get("consumer", n) for n in names}

    team = "team0003"
    selection = Selection(teams=frozenset([team]))
    reaching = [r.name for r in topo.routes.values()
                if any(topo.consumers[t].team == team for t in r.to)
                or any(topo.events[e].producer == f"{team}-svc" for e in r.events)]
    assert drawn(selection, "r_") == routes(*reaching)
    # fan-out stays visible: every consumer of a drawn route is drawn
    assert drawn(selection, "q_") == queues(*{t for r in reaching for t in topo.routes[r].to})

    selection = Selection(consumers=frozenset(["team0004-c1"]))
    assert drawn(selection, "r_") == routes(*[r.name for r in topo.routes.values()
                                              if "team0004-c1" in r.to])

    selection = Selection(events=frozenset(["team0002.Event1"]))
    assert drawn(selection, "r_") == routes(*[r.name for r in topo.routes.values()
                                              if "team0002.Event1" in r.events])
    assert "p_" + ids.get("producer", "team0002-svc") in drawn(selection, "p_")


def test_event_filter_finds_raw_pattern_routes() -> None:
    topo = topology(ROOT / "examples" / "marketplace")
    graph = mermaid.build(topo, selection=Selection(events=frozenset(["PaymentFailed"])))
    routes = sorted(n for n in graph.nodes if n.startswith("r_"))
    assert routes == ["r_audit_everything", "r_customer_notifications", "r_failed_payments"]


# ---------------------------------------------------------------------------------------------
# the command


ORDERS = ROOT / "examples" / "orders"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_prints_the_diagram() -> None:
    code, out, _ = invoke("diagram", str(ORDERS))
    assert code == 0
    assert out == (GOLDEN / "examples" / "orders.mmd").read_text(encoding="utf-8")


def test_cli_markdown_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "diagram.md"
    code, out, _ = invoke("diagram", str(ORDERS), "--format", "markdown", "-o", str(target))
    assert code == 0 and out == ""
    page = target.read_text(encoding="utf-8")
    assert page.startswith(mermaid.HEADER + "\n")
    assert "```mermaid\nflowchart LR\n" in page and page.endswith("```\n")


def test_cli_filter_and_unknown_names() -> None:
    code, out, _ = invoke("diagram", str(ROOT / "examples" / "marketplace"), "--consumer",
                          "fraud")
    assert code == 0
    assert "r_failed_payments" in out and "r_money_movements" not in out
    code, _, err = invoke("diagram", str(ORDERS), "--team", "nobody", "--event", "Nope")
    assert code == 2
    assert "unknown team `nobody`" in err and "unknown event type `Nope`" in err


def test_cli_reports_topology_errors(tmp_path: Path) -> None:
    broken = tmp_path / "t.yaml"
    broken.write_text("version: 1\nname: x\nroutes:\n  r: {events: [Nope], to: [nobody]}\n")
    code, out, err = invoke("diagram", str(broken))
    assert code == 1 and out == ""
    assert "error[E2" in err


def test_edges_are_counted_like_mermaid() -> None:
    graph = mermaid.build(topology(ROOT / "examples" / "marketplace"))
    text = mermaid.render(graph)
    arrows = Counter(re.findall(r" (-->|-\.->|==>)[ |]", text))
    assert sum(arrows.values()) == len(graph.edges)
