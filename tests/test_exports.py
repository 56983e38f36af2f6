"""`edac export asyncapi|eventcatalog|backstage` (issue 18), checked by the real tools, pinned in
tests/exports/package.json (`npm ci --prefix tests/exports`):

- AsyncAPI: the official parser (`@asyncapi/parser` 3.6.6) reports no error and no warning,
  and the payloads as it reads them ($refs resolved) accept edac's example events of every
  route (`edac examples`) and refuse them with another detail-type or source;
- EventCatalog: the SDK (`@eventcatalog/sdk` 2.27.1) builds its index of the directory,
  parses it with its index schema and resolves it with no external (dangling) reference, no
  conflict and every edge resolved; reads every resource back; MDX bodies compile with
  `@mdx-js/mdx` 3.1.1 and use no JSX but EventCatalog's own components;
- Backstage: `@backstage/catalog-model` 1.10.3's entity policies and kind validators accept
  every entity, and every relation resolves among them (owners are groups of the teams).

Each validator is also shown to catch a planted defect, so that a pass means something.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from conftest import ROOT
from edac.api import _loaded
from edac.core import ir
from edac.core.emit.exports.backstage import NAME, NAME_MAX
from edac.core.emit.exports.draft7 import downlevel, nest
from edac.core.examples import examples
from edac.core.reach import route_events
from test_environments import run
from tftools import require_tool

TOOLS = ROOT / "tests" / "exports"
ORDERS = ROOT / "examples" / "orders"
MARKET = ROOT / "examples" / "marketplace"
HOSTILE_TOPOLOGY = """\
version: 1
name: shop
teams:
  warehouse:
    description: "Ships {orders} <script>alert(1)</script> & *more* [x](javascript:1)"
    alerts: {email: [wh@shop.example]}
producers:
  orders:
    source: com.shop.orders
    team: warehouse
    description: "# not a heading {props.x} <Foo/>"
events:
  "Order Placed/v2 — ä {x}":
    producer: orders
    schema: schemas/placed.json
    description: "1. not a list <img src=x onerror=alert(1)>"
consumers:
  a-very-long-consumer-name-that-goes-on-and-on-for-sixty-chars:
    team: warehouse
    description: "- dash {x} `code` | pipe"
    lambda: {function: fn, timeout: 10s}
    queue: {visibility_timeout: 2m}
  orders:
    team: warehouse
    description: "import orders from the ERP"
    container: {role: orders-worker}
routes:
  big:
    description: "export const a = 1; Route <b>{x}</b>"
    events: ["Order Placed/v2 — ä {x}"]
    filter: {kind: [{prefix: "<x>"}]}
    to: [a-very-long-consumer-name-that-goes-on-and-on-for-sixty-chars, orders]
"""
HOSTILE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
    "$defs": {"money": {"type": "number", "minimum": 0}},
    "required": ["kind", "total"],
    "properties": {"kind": {"type": "string"},
                   "total": {"$ref": "#/$defs/money", "description": "the total"},
                   "lines": {"type": "array", "prefixItems": [{"type": "string"}],
                             "items": {"type": "integer"}}},
    "unevaluatedProperties": False,
}


def node(script: str, *args: str) -> list[dict[str, Any]]:
    """The JSON lines one of tests/exports/*.mjs prints."""
    if shutil.which("node") is None:
        require_tool("node is not installed (Node 20)")
    if not (TOOLS / "node_modules" / "@asyncapi" / "parser").is_dir():
        require_tool("the export validators are not installed: run "
                     "`npm ci --prefix tests/exports`")
    proc = subprocess.run(["node", str(TOOLS / script), *args], capture_output=True,
                          text=True, timeout=300, cwd=TOOLS)
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def export(kind: str, topology: Path, out: Path, *extra: str) -> Path:
    code, _, err = run("export", kind, str(topology), "-o", str(out), *extra)
    assert code == 0, err
    return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Descriptions full of markdown, MDX and HTML; a detail-type with `/`, spaces, a dash
    and `ä`; a consumer name whose queues are longer than Backstage's 63 characters; a
    schema with `$defs`, a `$ref` beside a keyword, `prefixItems` and
    `unevaluatedProperties`."""
    root = tmp_path_factory.mktemp("hostile") / "topology"
    (root / "schemas").mkdir(parents=True)
    (root / "topology.yaml").write_text(HOSTILE_TOPOLOGY, encoding="utf-8")
    (root / "schemas" / "placed.json").write_text(json.dumps(HOSTILE_SCHEMA),
                                                  encoding="utf-8")
    return root


TOPOLOGIES = {"orders": (ORDERS, ()), "marketplace": (MARKET, ()),
              "marketplace-prod": (MARKET, ("-e", "prod"))}


def exported(kind: str, name: str, hostile: Path, out: Path,
             *more: str) -> tuple[Path, ir.Topology]:
    """The export of one of CASES into `out`, and the topology it was made from."""
    path, extra = (hostile, ()) if name == "hostile" else TOPOLOGIES[name]
    return (export(kind, path, out, *more, *extra),
            _loaded([str(path)], environment=extra[1] if extra else None))


CASES = [*TOPOLOGIES, "hostile"]


# ---------------------------------------------------------------------------------------------
# AsyncAPI


@pytest.mark.parametrize("name", CASES)
def test_asyncapi_documents_pass_the_official_parser(name: str, hostile: Path,
                                                     tmp_path: Path) -> None:
    out, topo = exported("asyncapi", name, hostile, tmp_path / "asyncapi")
    files = sorted(out.glob("*.asyncapi.yaml"))
    services = {*topo.producers, *topo.consumers}  # a producer and a consumer may share one
    assert len(files) == len(services)
    reports = {Path(r["file"]).name: r for r in node("check-asyncapi.mjs", *map(str, files))}
    assert {f: (r["errors"], r["warnings"]) for f, r in reports.items()} == \
        {f.name: ([], []) for f in files}

    for consumer in topo.consumers.values():
        report = reports[f"{consumer.name}.asyncapi.yaml"]
        routes = [r for r in topo.routes.values() if consumer.name in r.to]
        receives = [op for op in report["operations"] if op[1] == "receive"]
        assert sorted(op[0] for op in receives) == sorted(f"receive-{r.name}" for r in routes)
        doc = yaml.safe_load((out / f"{consumer.name}.asyncapi.yaml").read_text("utf-8"))
        sqs = doc["channels"]["queue"]["bindings"]["sqs"]
        assert sqs["bindingVersion"] == "0.2.0"
        assert sqs["queue"]["name"] == consumer.queues.main
        assert sqs["queue"]["fifoQueue"] == consumer.queue.fifo
        assert sqs["queue"]["redrivePolicy"] == {
            "deadLetterQueue": {"name": consumer.queues.dlq},
            "maxReceiveCount": consumer.queue.max_receive_count}
        assert sqs["deadLetterQueue"]["name"] == consumer.queues.dlq
    for producer in topo.producers.values():
        report = reports[f"{producer.name}.asyncapi.yaml"]
        sent = sorted(e.name for e in topo.events.values() if e.producer == producer.name)
        sends = [op for op in report["operations"] if op[1] == "send"]
        assert sorted(m for op in sends for m in op[2]) == sent

    # the payloads as the parser reads them accept the events the routes match
    payloads: dict[str, Any] = {}
    for report in reports.values():
        for event, payload in report["payloads"].items():
            payloads[event] = payload["schema"]
    found = [e for e in examples(topo) if e.matches]
    assert found or name == "hostile"
    for example in found:
        schema = payloads[example.event["detail-type"]]
        validator = jsonschema.Draft7Validator(schema)
        assert list(validator.iter_errors(example.event)) == [], example.name
        for field, value in (("detail-type", "Something Else"), ("source", "com.elsewhere")):
            assert not validator.is_valid({**example.event, field: value})


def test_the_parser_catches_a_binding_it_does_not_take(tmp_path: Path) -> None:
    out = export("asyncapi", ORDERS, tmp_path / "asyncapi")
    broken = tmp_path / "broken.yaml"
    broken.write_text((out / "email.asyncapi.yaml").read_text("utf-8").replace(
        "bindingVersion: 0.2.0", "bindingVersion: 0.3.0"), encoding="utf-8")
    [report] = node("check-asyncapi.mjs", str(broken))
    assert any("bindingVersion" in e for e in report["errors"]), report


def test_a_payload_refers_to_its_definitions_in_the_document(hostile: Path,
                                                             tmp_path: Path) -> None:
    out = export("asyncapi", hostile, tmp_path / "asyncapi")
    [report] = node("check-asyncapi.mjs", str(out / "orders.asyncapi.yaml"))
    payload = report["payloads"]["Order Placed/v2 — ä {x}"]["schema"]
    total = payload["properties"]["detail"]["properties"]["total"]
    assert total["allOf"][0]["type"] == "number"  # the $ref to $defs, resolved by the parser
    assert total["description"] == "the total"
    lines = payload["properties"]["detail"]["properties"]["lines"]
    assert lines["items"][0]["type"] == "string" and lines["additionalItems"]["type"] == \
        "integer"


def test_draft7_says_what_2020_12_says() -> None:
    converted = downlevel(HOSTILE_SCHEMA)
    assert converted.dropped == ["`unevaluatedProperties` at /"]
    schema = converted.schema
    jsonschema.Draft7Validator.check_schema(schema)
    old = jsonschema.Draft202012Validator(HOSTILE_SCHEMA)
    new = jsonschema.Draft7Validator(schema)
    instances = [
        {"kind": "a", "total": 1}, {"kind": "a", "total": -1}, {"kind": "a"},
        {"kind": "a", "total": 1, "lines": ["x", 1, 2]}, {"kind": "a", "total": 1,
                                                          "lines": [1]},
        {"kind": "a", "total": 1, "lines": ["x", "y"]}, {"kind": 3, "total": 1},
    ]
    for instance in instances:
        assert old.is_valid(instance) == new.is_valid(instance), instance
    # left out, so the draft-07 form accepts more, never less
    assert not old.is_valid({"kind": "a", "total": 1, "extra": 1})
    assert new.is_valid({"kind": "a", "total": 1, "extra": 1})

    deps = downlevel({"dependentRequired": {"a": ["b"]},
                      "dependentSchemas": {"c": {"required": ["d"]}},
                      "properties": {"p": {"$anchor": "here"}, "q": {"$ref": "#here"}}})
    assert deps.schema["dependencies"] == {"a": ["b"], "c": {"required": ["d"]}}
    assert deps.schema["properties"]["p"] == {"$id": "#here"}
    v = jsonschema.Draft7Validator(deps.schema)
    assert not v.is_valid({"a": 1}) and v.is_valid({"a": 1, "b": 2})
    assert not v.is_valid({"c": 1}) and v.is_valid({"c": 1, "d": 2})

    body = nest(schema, ("properties", "detail"), "/doc")
    assert body["definitions"] == {"money": {"type": "number", "minimum": 0}}
    assert body["properties"]["total"]["allOf"][0]["$ref"] == \
        "#/doc/properties/detail/definitions/money"
    assert "$schema" not in body


# ---------------------------------------------------------------------------------------------
# EventCatalog


@pytest.mark.parametrize("name", CASES)
def test_eventcatalog_resolves_with_no_dangling_reference(name: str, hostile: Path,
                                                          tmp_path: Path) -> None:
    out, topo = exported("eventcatalog", name, hostile, tmp_path / "catalog")
    [report] = node("check-eventcatalog.mjs", str(out))
    assert (report["externals"], report["conflicts"], report["warnings"],
            report["unresolved"]) == ([], [], [], [])
    types: dict[str, int] = {}
    for kind, _, _ in report["resources"]:
        types[kind] = types.get(kind, 0) + 1
    teams = {c.team for c in topo.consumers.values()} | \
        {p.team for p in topo.producers.values() if p.team}
    assert types == {"event": len(topo.events),
                     "service": len({*topo.producers, *topo.consumers}),
                     "channel": 1 + len(topo.consumers), "domain": len(teams),
                     "team": len(set(topo.teams) | set(topo.declared_teams))}
    # every service reads as the topology says, and carries its AsyncAPI document
    services = {s[0]: s for s in report["services"]}
    for producer in topo.producers.values():
        sent = sorted(e.name for e in topo.events.values() if e.producer == producer.name)
        assert len(services[producer.name][1]) == len(sent)
    taken = route_events(topo)  # raw patterns too
    for consumer in topo.consumers.values():
        assert len(services[consumer.name][2]) == len({
            e for r in topo.routes.values() if consumer.name in r.to
            for e in taken[r.name] if e in topo.events})
    for consumer in topo.consumers.values():
        assert services[consumer.name][3] == ["asyncapi.yaml"]
    edges = {tuple(e) for e in report["edges"]}
    for consumer in topo.consumers.values():
        assert (consumer.name, "receives", consumer.queues.main, "receives.from") in edges
    with_schema = [e for e in report["events"] if e[2] > 0]
    assert len(with_schema) == sum(1 for e in topo.events.values() if e.schema is not None)

    pages = sorted(str(p) for p in out.rglob("*.mdx"))
    for page in node("check-mdx.mjs", *pages):
        assert page["error"] is None, page
        assert set(page["elements"]) <= {"NodeGraph", "SchemaViewer"}, page


def test_user_text_is_text_in_the_catalog(hostile: Path, tmp_path: Path) -> None:
    out = export("eventcatalog", hostile, tmp_path / "catalog")
    texts = [t for page in node("check-mdx.mjs", *map(str, out.rglob("*.mdx")))
             for t in page["texts"]]
    for written in ("Ships {orders} <script>alert(1)</script> & *more* [x](javascript:1)",
                    "# not a heading {props.x} <Foo/>",
                    "1. not a list <img src=x onerror=alert(1)>", "- dash {x} `code` | pipe",
                    "import orders from the ERP"):
        assert written in texts


def test_the_sdk_catches_a_dangling_reference(tmp_path: Path) -> None:
    out = export("eventcatalog", ORDERS, tmp_path / "catalog")
    page = next(out.rglob("services/email/index.mdx"))
    page.write_text(page.read_text("utf-8").replace("id: OrderCancelled", "id: OrderVoided"),
                    encoding="utf-8")
    [report] = node("check-eventcatalog.mjs", str(out))
    assert [e["id"] for e in report["externals"]] == ["OrderVoided"]


# ---------------------------------------------------------------------------------------------
# Backstage


@pytest.mark.parametrize("name", CASES)
def test_backstage_entities_pass_the_catalog_model(name: str, hostile: Path,
                                                    tmp_path: Path) -> None:
    out, topo = exported("backstage", name, hostile, tmp_path / "backstage", "--owner",
                         "platform")
    [report] = node("check-backstage.mjs", str(out / "catalog-info.yaml"))
    assert report["errors"] == [] and report["unresolved"] == []
    kinds: dict[str, int] = {}
    for ref in report["entities"]:
        kinds[ref.split(":")[0]] = kinds.get(ref.split(":")[0], 0) + 1
    assert len(set(report["entities"])) == len(report["entities"])  # no entity twice
    assert kinds == {"system": 1, "component": len({*topo.producers, *topo.consumers}),
                     "api": len(topo.events), "resource": 1 + 3 * len(topo.consumers)}
    owners = {to for _, field, to in report["refs"] if field == "owner"}
    assert owners <= {f"group:default/{t}" for t in [*topo.teams, "platform"]}
    docs = list(yaml.safe_load_all((out / "catalog-info.yaml").read_text("utf-8")))
    for doc in docs:
        assert len(doc["metadata"]["name"]) <= NAME_MAX
        assert re.fullmatch(NAME, doc["metadata"]["name"])
    # each API's definition is an AsyncAPI document the parser takes
    definitions = []
    for doc in docs:
        if doc["kind"] == "API":
            file = tmp_path / f"{doc['metadata']['name']}.yaml"
            file.write_text(doc["spec"]["definition"], encoding="utf-8")
            definitions.append(str(file))
    for r in node("check-asyncapi.mjs", *definitions):
        assert (r["errors"], r["warnings"]) == ([], []), r


def test_the_catalog_model_catches_a_bad_entity(tmp_path: Path) -> None:
    out = export("backstage", ORDERS, tmp_path / "backstage")  # the owner tag: platform
    docs = list(yaml.safe_load_all((out / "catalog-info.yaml").read_text("utf-8")))
    bad = copy.deepcopy(docs)
    bad[1]["metadata"]["name"] = "x" * 64
    del bad[2]["spec"]["owner"]
    file = tmp_path / "bad.yaml"
    file.write_text(yaml.safe_dump_all(bad), encoding="utf-8")
    [report] = node("check-backstage.mjs", str(file))
    assert len(report["errors"]) == 2, report


# ---------------------------------------------------------------------------------------------
# the command


def test_export_is_deterministic_and_replaces_its_own_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for kind in ("asyncapi", "eventcatalog", "backstage"):
        first = export(kind, MARKET, out / kind, "--owner", "platform")
        before = {p: p.read_bytes() for p in first.rglob("*") if p.is_file()}
        export(kind, MARKET, out / kind, "--owner", "platform")
        assert {p: p.read_bytes() for p in first.rglob("*") if p.is_file()} == before
    staging = {p.name: p.read_text("utf-8") for p in (out / "asyncapi").glob("*.yaml")}
    export("asyncapi", MARKET, out / "asyncapi", "-e", "prod")
    prod = {p.name: p.read_text("utf-8") for p in (out / "asyncapi").glob("*.yaml")}
    assert prod.keys() == staging.keys()
    assert "market-prod-" in prod["ledger.asyncapi.yaml"]
    assert "market-staging-" not in prod["ledger.asyncapi.yaml"]


def test_export_failures_are_diagnostics(tmp_path: Path) -> None:
    code, _, err = run("export", "backstage", str(MARKET), "-o", str(tmp_path / "b"))
    assert code == 2 and "error[E912]" in err and not (tmp_path / "b").exists()
    code, _, err = run("export", "openapi", str(ORDERS), "-o", str(tmp_path / "c"))
    assert code == 2 and not (tmp_path / "c").exists()
    broken = tmp_path / "broken"
    shutil.copytree(ORDERS, broken)
    topology = broken / "topology.yaml"
    topology.write_text(topology.read_text("utf-8").replace("to: [email]", "to: [mail]"),
                        encoding="utf-8")
    for fmt in ("asyncapi", "eventcatalog"):
        code, _, err = run("export", fmt, str(broken), "-o", str(tmp_path / fmt))
        assert code == 1 and "error[E201]" in err and "topology.yaml:" in err
        assert not (tmp_path / fmt).exists()
    code, _, err = run("export", "asyncapi", str(ORDERS), "-o", str(tmp_path / "x"),
                       "-e", "nowhere")
    assert code == 2 and "error[E904]" in err


def test_a_schema_draft7_cannot_say_is_a_warning(hostile: Path, tmp_path: Path) -> None:
    code, _, err = run("export", "asyncapi", str(hostile), "-o", str(tmp_path / "a"))
    assert code == 0
    assert "warning: event type `Order Placed/v2 — ä {x}`: `unevaluatedProperties` at / " \
        "has no JSON Schema draft-07 form" in err


# schemas whose draft-07 forms once refused what they accept (the review of the exports),
# each with instances: the draft-07 form, alone and inside the envelope, must accept every
# instance the schema accepts, and judge like it when nothing was left out
DRAFT7_CASES = [
    ({"prefixItems": [{"type": "integer"}], "additionalItems": False}, [[1, "x"], ["x"]]),
    ({"dependencies": {"a": ["b"]}}, [{"a": 1}]),
    ({"contains": {"type": "string"}, "minContains": 0}, [[1], [], ["s"]]),
    ({"not": {"type": "object", "unevaluatedProperties": False}}, [{"a": 1}, 3]),
    ({"oneOf": [{"type": "object", "unevaluatedProperties": False}, {"required": ["a"]}]},
     [{"a": 1}, {}, 3]),
    ({"if": {"maxContains": 1, "contains": {}}, "then": {"minItems": 5}}, [[1, 2], [1]]),
    ({"$defs": {"i": {"type": "integer"}},
      "properties": {"a": {"$ref": "#/$defs/i", "allOf": [{"type": "string"}]},
                     "b": {"$ref": "#/properties/a/allOf/0"}}}, [{"b": "x"}, {"b": 1}]),
    ({"$defs": {"x": {"type": "string"}}, "definitions": {"x": {"type": "integer"}},
      "properties": {"a": {"$ref": "#/definitions/x"}, "s": {"$ref": "#/$defs/x"}}},
     [{"a": 1, "s": "t"}, {"a": "t"}]),
    ({"$defs": {"s": {"$anchor": "str", "type": "string"}},
      "properties": {"a": {"$ref": "#str"}}}, [{"a": "x"}, {"a": 1}]),
    ({"$schema": "http://json-schema.org/draft-07/schema#", "definitions": {"any": {}},
      "properties": {"a": {"$ref": "#/definitions/any", "type": "string"}}}, [{"a": 5}]),
    ({"$schema": "http://json-schema.org/draft-04/schema#",
      "properties": {"n": {"type": "number", "minimum": 0, "exclusiveMinimum": True}}},
     [{"n": 1}, {"n": 0}]),
    ({"properties": {"link": {"const": {"$ref": "#/x"}}}}, [{"link": {"$ref": "#/x"}}]),
    ({"not": {"dependentRequired": {"a": ["b"]}, "dependentSchemas": {"a": {"required": ["c"]}}}},
     [{"a": 1, "c": 1}, {"a": 1, "b": 1, "c": 1}]),
    ({"properties": {"x": {"$defs": {"y": {"type": "string"}},
                           "properties": {"z": {"$ref": "#/properties/x/$defs/y"}}}}},
     [{"x": {"z": "s"}}, {"x": {"z": 1}}]),
    ({"properties": {"child": {"$ref": "#"}}, "required": ["id"]},
     [{"id": 1, "child": {"id": 2}}, {"id": 1, "child": {}}]),
    ({"$schema": "https://json-schema.org/draft/2019-09/schema",
      "$defs": {"s": {"type": "string"}}, "items": [{"$ref": "#/$defs/s"}]}, [["x"], [1]]),
    ({"properties": {"t": {"prefixItems": [{"type": "string"}], "items": {"type": "integer"}},
                     "u": {"$ref": "#/properties/t/prefixItems/0"},
                     "v": {"$ref": "#/properties/t/items"}}},
     [{"t": ["a", 1], "u": "s", "v": 2}, {"t": ["a", "b"]}, {"v": "n"}]),
    ({"$dynamicAnchor": "m", "properties": {"c": {"$dynamicRef": "#m"}}}, [{"c": {}}]),
]


@pytest.mark.parametrize(("schema", "instances"), DRAFT7_CASES,
                         ids=[str(i) for i in range(len(DRAFT7_CASES))])
def test_the_draft7_form_never_refuses_what_the_schema_accepts(schema: dict[str, Any],
                                                               instances: list[Any]) -> None:
    from jsonschema.validators import validator_for

    original = validator_for(schema, default=jsonschema.Draft202012Validator)(schema)
    converted = downlevel(schema)
    jsonschema.Draft7Validator.check_schema(converted.schema)
    alone = jsonschema.Draft7Validator(converted.schema)
    envelope = jsonschema.Draft7Validator({
        "$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
        "properties": {"detail": nest(converted.schema, ("properties", "detail"))}})
    for instance in instances:
        verdict = original.is_valid(instance)
        if verdict:
            assert alone.is_valid(instance), (instance, converted.schema)
            assert envelope.is_valid({"detail": instance}), instance
        if not converted.dropped:
            assert alone.is_valid(instance) == verdict, (instance, converted.schema)
            assert envelope.is_valid({"detail": instance}) == verdict, instance
