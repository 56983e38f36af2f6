"""The checked-in JSON Schema is generated from the format models and accepts the examples."""

from __future__ import annotations

import json

import jsonschema
import yaml
from click.testing import CliRunner

from conftest import ROOT, example_dirs
from edac.cli import main

SCHEMA = ROOT / "schemas" / "topology.v1.schema.json"


def test_schema_file_is_in_sync_with_the_models() -> None:
    printed = CliRunner().invoke(main, ["schema"])
    assert printed.exit_code == 0
    assert json.loads(printed.output) == json.loads(SCHEMA.read_text(encoding="utf-8")), (
        "schemas/topology.v1.schema.json is stale: run `edac schema > "
        "schemas/topology.v1.schema.json`"
    )
    assert printed.output == SCHEMA.read_text(encoding="utf-8")


def test_schema_is_a_valid_json_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)


def test_every_example_file_conforms_to_the_schema() -> None:
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    files = [f for d in example_dirs() for f in sorted(d.glob("*.yaml"))]
    assert len(files) >= 2
    for path in files:
        errors = list(validator.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8"))))
        assert errors == [], (path, [e.message for e in errors])


def test_schema_rejects_what_the_compiler_rejects() -> None:
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    bad = [
        {"version": 2},
        {"version": 1, "consumers": {"a": {"lambda": {"function": "f"}, "queue": {"fifoo": 1}}}},
        {"version": 1, "consumers": {"a": {"queue": {"visibility_timeout": "5 minutes"}}}},
        {"version": 1, "routes": {"r": {"events": ["E"], "to": []}}},
        {"version": 1, "producers": {"p": {"team": "t"}}},
    ]
    for doc in bad:
        assert list(validator.iter_errors(doc)), doc
