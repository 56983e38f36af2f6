"""`--format sarif` as GitHub code scanning ingests it (issue 18): rules with a full
description and help, percent-encoded URIs relative to the repository root, `columnKind`,
`originalUriBaseIds`. Checked against the SARIF 2.1.0 schema (the copy the SARIF Multitool
ships) and by the SARIF Multitool itself with its GitHub and SARIF rules (pinned in
tests/sarif/package.json; `npm ci --prefix tests/sarif`)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT
from edac.core.diagnostics import uri_path
from test_environments import run
from tftools import require_tool

TOOL = ROOT / "tests" / "sarif" / "node_modules" / "@microsoft" / "sarif-multitool-linux"
ORDERS = ROOT / "examples" / "orders"


def multitool() -> Path:
    binary = TOOL / "Sarif.Multitool"
    if not binary.is_file():
        require_tool("the SARIF Multitool is not installed: run `npm ci --prefix tests/sarif`")
    # npm may skip the package's postinstall (the `chmod u+x` of its binary)
    if not os.access(binary, os.X_OK):
        binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    return binary


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository whose topology, in `teams dir/bestellungen-ä`, has an error and a
    warning; the working directory is a subdirectory of the repository."""
    repo = tmp_path / "repo"
    topo = repo / "teams dir" / "bestellungen-ä"
    shutil.copytree(ORDERS, topo)
    text = (topo / "topology.yaml").read_text(encoding="utf-8")
    (topo / "topology.yaml").write_text(
        text.replace("filter: {status: [confirmed]}", "filter: {stauts: [confirmed]}"),
        encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "sub").mkdir()
    monkeypatch.chdir(repo / "sub")
    return topo


def sarif(*args: str) -> dict[str, Any]:
    code, out, err = run("validate", "--format", "sarif", *args)
    assert code == 1, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def test_uris_are_encoded_and_relative_to_the_repository(broken: Path) -> None:
    doc = sarif("../teams dir/bestellungen-ä")
    run_ = doc["runs"][0]
    root = broken.parent.parent
    assert run_["originalUriBaseIds"]["SRCROOT"]["uri"] == "file://" + uri_path(f"{root}/")
    assert run_["columnKind"] == "unicodeCodePoints"
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"]
                 for r in run_["results"]]
    assert {"uri": "teams%20dir/bestellungen-%C3%A4/topology.yaml", "uriBaseId": "SRCROOT"} \
        in locations
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(r["id"] for r in rules)
    for rule in rules:
        assert rule["fullDescription"]["text"] and rule["help"]["text"]
        assert rule["help"]["markdown"].startswith(f"**{rule['id']}: ")
    for result in run_["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_a_file_outside_the_root_gets_an_absolute_uri(broken: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere dir"
    shutil.copytree(broken, outside)
    doc = sarif("--sarif-root", str(broken.parent.parent), str(outside))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in doc["runs"][0]["results"]}
    assert "file://" + uri_path(f"{outside}/topology.yaml") in uris


def test_the_sarif_passes_the_schema_and_githubs_rules(broken: Path, tmp_path: Path) -> None:
    import jsonschema

    binary = multitool()
    doc = sarif("../teams dir/bestellungen-ä")
    schema = json.loads((TOOL / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(doc)
    log = tmp_path / "edac.sarif"
    log.write_text(json.dumps(doc), encoding="utf-8")
    report = tmp_path / "validation.sarif"
    proc = subprocess.run([str(binary), "validate", "--rule-kind", "Gh;Sarif",
                           "--output", str(report), str(log)],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "DOTNET_CLI_TELEMETRY_OPTOUT": "1"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    found = json.loads(report.read_text(encoding="utf-8-sig"))["runs"][0]["results"]
    # SARIF2005 (a best practice, not one of GitHub's rules) asks for the tool's home page:
    # edac has no public one yet, and an invented URL would be worse than none
    problems = [f"{r['ruleId']} {r.get('level', 'warning')}: {r['message']}"
                for r in found if r.get("level", "warning") in ("error", "warning")
                and r["ruleId"] != "SARIF2005"]
    assert problems == [], "\n".join(problems)
    assert any(r["ruleId"] == "SARIF2005" for r in found), "the Multitool ran its rules"
