"""Route filters checked against the JSON Schemas of their events (E404, E405, E406, W702)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from edac.api import load_topology
from edac.core.fields import alternatives

PLACED = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["confirmed", "pending"]},
        "total": {"type": "number"},
        "express": {"type": "boolean"},
        "customer": {"$ref": "#/$defs/customer"},
        "items": {"type": "array", "items": {"type": "object",
                                             "properties": {"sku": {"type": "string"}}}},
    },
    "$defs": {"customer": {"type": "object", "properties": {"tier": {"enum": ["std", "gold"]}}}},
}
REFUNDED = {"type": "object", "properties": {"amount": {"type": "number"},
                                             "reason": {"type": "string"}}}


def topology(tmp_path: Path, filter_: Any, events: list[str] | None = None,
             extra: str = "") -> list[tuple[str, str, int, int]]:
    (tmp_path / "placed.json").write_text(json.dumps(PLACED))
    (tmp_path / "refunded.json").write_text(json.dumps(REFUNDED))
    text = f"""\
version: 1
name: shop
producers:
  orders: {{source: com.shop.orders}}
events:
  OrderPlaced: {{producer: orders, schema: placed.json}}
  OrderRefunded: {{producer: orders, schema: refunded.json}}
  Untyped: {{producer: orders, unconsumed: true}}
{extra}consumers:
  c: {{container: {{role: worker}}}}
routes:
  r:
    events: {json.dumps(events or ["OrderPlaced"])}
    filter: {json.dumps(filter_)}
    to: [c]
teams:
  default: {{alerts: {{email: [oncall@shop.example]}}}}
"""
    (tmp_path / "t.yaml").write_text(text)
    result = load_topology([str(tmp_path / "t.yaml")])
    return [(d.code, d.message, d.span.line, d.span.col) for d in result.diagnostics
            if d.span is not None and d.code != "W702"]


def codes(found: list[tuple[str, str, int, int]]) -> list[str]:
    return [c for c, *_ in found]


def test_a_valid_filter_passes(tmp_path: Path) -> None:
    ok = {"status": ["confirmed"], "total": [{"numeric": [">", 10]}], "express": [True],
          "customer": {"tier": ["gold"]}, "items": {"sku": [{"prefix": "A"}]}}
    assert topology(tmp_path, ok) == []


def test_a_typo_in_a_field_is_an_error_with_did_you_mean(tmp_path: Path) -> None:
    found = topology(tmp_path, {"stauts": ["confirmed"]})
    assert codes(found) == ["E404"]
    assert "`detail.stauts`" in found[0][1]
    assert found[0][2:] == (14, 14)  # the key inside `filter: {...}`


def test_nested_and_dotted_fields_are_resolved(tmp_path: Path) -> None:
    assert topology(tmp_path, {"customer.tier": ["gold"]}) == []
    assert codes(topology(tmp_path, {"customer": {"teir": ["gold"]}})) == ["E404"]


@pytest.mark.parametrize(
    "filter_",
    [
        {"status": ["shipped"]},  # outside the enum
        {"status": [{"numeric": [">", 1]}]},  # a number operator on a string field
        {"express": ["yes"]},  # text on a boolean field
        {"total": [{"prefix": "1"}]},  # a text operator on a number
        {"status": [{"prefix": "x"}]},  # no enum value has this prefix
        {"customer": {"tier": [{"anything-but": ["std", "gold"]}]}},  # excludes the whole enum
    ],
)
def test_values_no_schema_admits_are_errors(tmp_path: Path, filter_: Any) -> None:
    assert codes(topology(tmp_path, filter_)) == ["E405"]


def test_one_good_value_among_bad_ones_still_reports_the_bad(tmp_path: Path) -> None:
    found = topology(tmp_path, {"status": ["confirmed", "confirmd"]})
    assert codes(found) == ["E405"]
    assert "did you mean" not in found[0][1]


def test_a_field_only_one_of_the_events_has_rules_the_others_out(tmp_path: Path) -> None:
    """The route is alive (OrderRefunded matches), but OrderPlaced, which has no `reason`,
    can never match: half of what the route says it takes is dead (E409 at that event)."""
    both = ["OrderPlaced", "OrderRefunded"]
    found = topology(tmp_path, {"reason": [{"exists": True}]}, both)
    assert codes(found) == ["E409"]
    assert "can never match `OrderPlaced`" in found[0][1]
    (tmp_path / "alone").mkdir()
    assert topology(tmp_path / "alone", {"reason": [{"exists": True}]}, ["OrderRefunded"]) == []


def test_a_dead_or_branch(tmp_path: Path) -> None:
    both = ["OrderPlaced", "OrderRefunded"]
    fragment = {"$or": [{"status": ["confirmed"]}, {"reason": [{"exists": True}]},
                        {"status": ["confirmed"], "reason": [{"exists": True}]}]}
    found = topology(tmp_path, fragment, both)
    assert codes(found) == ["E410"]
    assert "branch 3" in found[0][1]


def test_a_filter_that_no_single_event_satisfies_is_a_dead_route(tmp_path: Path) -> None:
    both = ["OrderPlaced", "OrderRefunded"]
    found = topology(tmp_path, {"status": ["confirmed"], "amount": [{"numeric": [">", 0]}]}, both)
    assert codes(found) == ["E406"]
    assert "can never match" in found[0][1]


def test_or_branches_each_fit_an_event(tmp_path: Path) -> None:
    both = ["OrderPlaced", "OrderRefunded"]
    fine = {"$or": [{"status": ["confirmed"]}, {"amount": [{"numeric": [">", 0]}]}]}
    assert topology(tmp_path, fine, both) == []


def test_events_without_schemas_are_not_judged(tmp_path: Path) -> None:
    assert topology(tmp_path, {"anything": ["x"]}, ["Untyped"]) == []


def test_exists_false_on_an_unknown_field_is_fine(tmp_path: Path) -> None:
    assert topology(tmp_path, {"nothere": [{"exists": False}]}) == []


def test_alternatives_expand_or() -> None:
    alts = alternatives({"a": [1], "$or": [{"b": [2]}, {"c.d": [3]}]})
    assert alts is not None
    assert [[c.field for c in alt] for alt in alts] == [[("a",), ("b",)], [("a",), ("c", "d")]]


def test_orders_example_schema_is_used() -> None:
    from conftest import ROOT

    result = load_topology([str(ROOT / "examples" / "orders")])
    assert result.ok
    assert result.topology is not None
    assert result.topology.events["OrderPlaced"].schema is not None


def test_unconsumed_event_warning_respects_raw_patterns(tmp_path: Path) -> None:
    text = """\
version: 1
name: shop
producers:
  a: {source: com.shop.a}
  b: {source: org.other.b}
events:
  A: {producer: a}
  B: {producer: b}
consumers:
  c: {container: {role: worker}}
routes:
  audit:
    pattern: {source: [{prefix: com.shop.}]}
    to: [c]
teams:
  default: {alerts: {email: [oncall@shop.example]}}
"""
    (tmp_path / "t.yaml").write_text(text)
    result = load_topology([str(tmp_path / "t.yaml")])
    assert [(d.code, d.message) for d in result.diagnostics] == [
        ("W702", "no route takes event type `B`")
    ]


# -- the fast meta-schema check -------------------------------------------------------------

def _verdict(cls: Any, schema: Any) -> bool:
    import jsonschema

    try:
        cls.check_schema(schema)
    except jsonschema.exceptions.SchemaError:
        return False
    return True


def _schemas() -> Any:
    """Schemas built from the keywords both drafts share, with values of every shape (right
    and wrong), plus now and then a keyword or shape that draft 7 reads differently."""
    from hypothesis import strategies as st

    from edac.core.schemas import _SAME_IN_DRAFT7

    anything = st.recursive(
        st.none() | st.booleans() | st.integers(-3, 3) | st.floats(-2, 2, allow_nan=False)
        | st.sampled_from(["", "string", "object", "number", "integer", "array", "boolean",
                           "null", "strin", "a", "(", "[a-z]+", "^x$", "uri", "date-time",
                           "https://json-schema.org/draft/2020-12/schema"]),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
            st.sampled_from(["a", "b", "type"]), inner, max_size=2),
        max_leaves=6)
    keys = st.sampled_from(sorted(_SAME_IN_DRAFT7) + ["$ref", "$defs", "$id", "prefixItems",
                                                      "dependentRequired", "definitions"])

    def extend(inner: Any) -> Any:
        value = (anything | inner | st.lists(inner, max_size=3)
                 | st.dictionaries(st.sampled_from(["a", "b", "^c"]), inner, max_size=3))
        return st.dictionaries(keys, value, max_size=4)

    return st.recursive(st.booleans() | st.dictionaries(keys, anything, max_size=3), extend,
                        max_leaves=12)


def test_the_fast_meta_schema_check_gives_the_2020_12_verdict() -> None:
    """Where edac checks a 2020-12 schema against draft 7's meta-schema (faster), the verdict
    is the one 2020-12's meta-schema gives, on generated schemas both valid and invalid."""
    import jsonschema
    from hypothesis import HealthCheck, given, settings

    from edac.core.schemas import reads_the_same_in_draft7

    seen = {"fast valid": 0, "fast invalid": 0, "full": 0}

    @settings(max_examples=2500, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(_schemas())
    def compare(schema: Any) -> None:
        if not reads_the_same_in_draft7(schema):
            seen["full"] += 1
            return
        full = _verdict(jsonschema.Draft202012Validator, schema)
        assert _verdict(jsonschema.Draft7Validator, schema) == full, schema
        seen["fast valid" if full else "fast invalid"] += 1

    compare()
    # the comparison is not vacuous: both verdicts, and schemas left to the full check
    assert min(seen.values()) >= 100, seen


def test_event_schemas_take_the_fast_check() -> None:
    from conftest import ROOT
    from edac.core.schemas import reads_the_same_in_draft7

    paths = sorted((ROOT / "examples").rglob("schemas/*.json"))
    assert paths
    for path in paths:
        assert reads_the_same_in_draft7(json.loads(path.read_text())), path


def test_a_yaml_schema_is_read_and_is_no_topology_file(tmp_path: Path) -> None:
    """`schema: schemas/placed.yaml` inside the topology directory: read as the JSON Schema it
    stands for (the filter is checked against it), and not as a topology file (which gave
    five misleading errors, "did you mean `producers`?" for `properties`)."""
    import shutil

    import yaml

    from conftest import ROOT
    from test_environments import run

    topo = tmp_path / "topo"
    shutil.copytree(ROOT / "examples" / "orders", topo)
    (topo / "edac.lock").unlink()
    placed = json.loads((topo / "schemas" / "order-placed.json").read_text())
    (topo / "schemas" / "order-placed.json").unlink()
    (topo / "schemas" / "order-placed.yaml").write_text(yaml.safe_dump(placed))
    text = (topo / "topology.yaml").read_text()
    (topo / "topology.yaml").write_text(text.replace("schemas/order-placed.json",
                                                     "schemas/order-placed.yaml"))
    code, out, err = run("validate", str(topo))
    assert code == 0, out + err
    (topo / "topology.yaml").write_text(text.replace("schemas/order-placed.json",
                                                     "schemas/order-placed.yaml")
                                        .replace("status: [confirmed]", "status: [shipped]"))
    code, out, err = run("validate", "--format", "short", str(topo))
    assert code == 1 and "E405" in err and "not one of `confirmed`" in err, err
    assert "E101" not in err
    (topo / "schemas" / "order-placed.yaml").write_text("type: object\nproperties: [\n")
    code, out, err = run("validate", "--format", "short", str(topo))
    # broken YAML is reported where it breaks (the file is read with the topology's files)
    assert code == 1 and "order-placed.yaml:3:1: error[E001]: invalid YAML" in err, err


def test_a_topology_file_named_as_a_schema_stays_a_topology_file(tmp_path: Path) -> None:
    """(found by hypothesis) `schema: topology.yaml` names the topology itself: it keeps its
    `version:`, so it is still read as the topology, and the run says something."""
    from test_environments import run

    (tmp_path / "topology.yaml").write_text(
        "version: 1\nname: orders\nproducers: {}\n"
        "events: {OrderPlaced: {producer: orders, schema: topology.yaml}}\n")
    code, out, err = run("validate", "--format", "short", str(tmp_path))
    assert code == 1 and "error[" in err, out + err
