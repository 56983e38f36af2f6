"""`edac examples`: per route, events that must match it and near misses that must not, for
both examples. Each file is checked independently of the generator: `edac route` (the CLI a
user runs) must say the route matches exactly the `match-*` files, and every matching event
must be valid under its event type's JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from conftest import ROOT
from edac.api import load_topology
from test_environments import run

EXAMPLES = ("orders", "marketplace")


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example_event_does_what_it_says(example: str, tmp_path: Path) -> None:
    topology = ROOT / "examples" / example
    out = tmp_path / "fixtures"
    code, _, err = run("examples", str(topology), "-o", str(out))
    assert code == 0, err
    index = json.loads((out / "index.json").read_text())
    topo = load_topology([str(topology)]).topology
    assert topo is not None
    routes_with_filters = {r.name for r in topo.routes.values() if r.raw_pattern is None}
    assert {e["route"] for e in index if e["matches"]} == routes_with_filters
    assert any(not e["matches"] for e in index)
    for entry in index:
        path = out / entry["file"]
        code, report, err = run("route", "--format", "json", str(path), str(topology))
        assert code == 0, err
        matched = {m["route"] for m in json.loads(report)["matched"]}
        assert (entry["route"] in matched) == entry["matches"], (entry, matched)
        if entry["matches"]:
            event = json.loads(path.read_text())
            schema = topo.events[event["detail-type"]].schema
            if schema is not None:
                jsonschema.validate(event["detail"], schema)


def test_one_route_and_an_unknown_route(tmp_path: Path) -> None:
    code, _, err = run("examples", str(ROOT / "examples" / "orders"), "-o", str(tmp_path / "o"),
                       "--route", "cancellations")
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "o").iterdir() if p.is_dir()) == ["cancellations"]
    code, _, err = run("examples", str(ROOT / "examples" / "orders"), "-o", str(tmp_path / "x"),
                       "--route", "cancelations")
    assert code == 2 and "E904" in err and "cancellations" in err
