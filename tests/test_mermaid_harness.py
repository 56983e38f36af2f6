"""The Mermaid harness passes good diagrams and fails broken ones, in both pinned versions."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

import mermaid_harness as mh
from mermaid_harness import Label, check_diagrams, require_mermaid

VALID = """\
flowchart LR
  subgraph sg_orders["orders #40;bus#41;"]
    r_paid["rule: paid #38;#38; #quot;EU#quot;"]
  end
  p_shop(["shop #35;1"]) -->|"orders#46;created"| r_paid
  r_paid --> q_billing[("billing #lt;fifo#gt;")]
"""

# name -> (diagram, {version: (failing stage, error excerpt) or None when it must pass})
BROKEN: dict[str, tuple[str, dict[str, tuple[str, str] | None]]] = {
    "subgraph without end": (
        'flowchart LR\n  subgraph sg_a["A"]\n    a\n',
        {"gh": ("parse", "Parse error"), "latest": ("parse", "Parse error")},
    ),
    "end without subgraph": (
        "flowchart LR\n  a --> b\n  end\n",
        {"gh": ("parse", "Parse error"), "latest": ("parse", "Parse error")},
    ),
    "bare end as a node id": (
        "flowchart LR\n  a --> end\n",
        {"gh": ("parse", "got 'end'"), "latest": ("parse", "got 'end'")},
    ),
    "unquoted label with parentheses": (
        "flowchart LR\n  q[orders (fifo)] --> r\n",
        {"gh": ("parse", "Parse error"), "latest": ("parse", "Parse error")},
    ),
    "unknown diagram type": (
        "flowchar LR\n  a --> b\n",
        {"gh": ("parse", "No diagram type detected"), "latest": ("parse", "No diagram type")},
    ),
    "over 500 edges": (
        "flowchart LR\n" + "".join(f"  a{i} --> b{i}\n" for i in range(501)),
        {"gh": ("parse", "Edge limit exceeded"), "latest": ("parse", "Edge limit exceeded")},
    ),
    # mermaid.parse accepts these; rendering fails (11.x) or silently drops the node (12.x).
    "subgraph containing a node with its own id": (
        'flowchart LR\n  p --> orders\n  subgraph orders["orders bus"]\n'
        '    orders["orders"]\n  end\n',
        {
            "gh": ("lint", "subgraph id 'orders' is also the id of a node inside it"),
            "latest": ("lint", "subgraph id 'orders' is also the id of a node inside it"),
        },
    ),
    "node and subgraph sharing an id": (
        'flowchart LR\n  x["X"] --> y\n  subgraph x["group"]\n    c\n  end\n',
        {
            "gh": ("lint", "node declared with a label or shape"),
            "latest": ("lint", "node declared with a label or shape"),
        },
    ),
    # Parses; only rendering shows these.
    "markdown list in a label": (
        'flowchart LR\n  a["1. first"]\n',
        {"gh": ("render", "Unsupported markdown: list"), "latest": None},
    ),
    "double-dollar math in a label": (
        'flowchart LR\n  a["costs $$x^2$$"]\n',
        {"gh": ("render", "math"), "latest": ("render", "math")},
    ),
    "over maxTextSize": (
        "flowchart LR\n" + "".join(f'  n{i}["{"x" * 5100}"]\n' for i in range(10)),
        {"gh": ("render", "maxTextSize"), "latest": ("render", "maxTextSize")},
    ),
    "nested subgraph layout bug (mermaid#7609)": (
        'flowchart LR\n  subgraph outer\n    subgraph 1 ["inner"]\n      external\n'
        "      subgraph sub\n        internal\n      end\n      sub-->external\n    end\n  end\n",
        {"gh": ("render", "setting 'rank'"), "latest": None},
    ),
}


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, mh.Result]]:
    """Every diagram of this module, checked in one Node process."""
    require_mermaid()
    texts = {"valid": VALID, **{name: text for name, (text, _) in BROKEN.items()}}
    return dict(zip(texts, check_diagrams(list(texts.values()), labels=True), strict=True))


@pytest.mark.mermaid
def test_valid_flowchart_passes_in_both_versions(results: dict[str, dict[str, mh.Result]]) -> None:
    assert set(results["valid"]) == {"gh", "latest"}
    for role, verdict in results["valid"].items():
        assert verdict.ok, f"{role}: {verdict}"
        assert verdict.error is None and verdict.stage is None


@pytest.mark.mermaid
def test_escaped_labels_render_as_the_original_text(
    results: dict[str, dict[str, mh.Result]],
) -> None:
    expected = {
        Label("cluster", "sg_orders", "orders (bus)"),
        Label("node", "r_paid", 'rule: paid && "EU"'),
        Label("node", "p_shop", "shop #1"),
        Label("node", "q_billing", "billing <fifo>"),
    }
    for role, verdict in results["valid"].items():
        assert verdict.labels is not None
        assert expected <= set(verdict.labels), f"{role}: {verdict.labels}"
        assert [x.text for x in verdict.labels if x.kind == "edge"] == ["orders.created"], role


@pytest.mark.mermaid
@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_diagram_fails_with_a_message(
    name: str, results: dict[str, dict[str, mh.Result]]
) -> None:
    _, expected = BROKEN[name]
    for role, want in expected.items():
        verdict = results[name][role]
        if want is None:
            assert verdict.ok, f"{role} should accept it: {verdict}"
            continue
        stage, excerpt = want
        assert not verdict.ok, f"{role} accepted a broken diagram"
        assert verdict.stage == stage, f"{role}: {verdict}"
        assert verdict.error and excerpt in verdict.error, f"{role}: {verdict.error}"


@pytest.mark.mermaid
def test_parse_only_is_faster_but_misses_what_only_rendering_finds() -> None:
    require_mermaid()
    markdown_list, _ = BROKEN["markdown list in a label"]
    no_end, _ = BROKEN["bare end as a node id"]
    listed, bare_end = check_diagrams([markdown_list, no_end], render=False)
    assert listed["gh"].ok  # rendering says "Unsupported markdown: list", parsing does not
    assert not bare_end["gh"].ok and bare_end["gh"].stage == "parse"


@pytest.mark.mermaid
def test_assert_diagrams_valid_lists_every_failure(
    results: dict[str, dict[str, mh.Result]],
) -> None:
    mh.assert_diagrams_valid([VALID])
    with pytest.raises(AssertionError) as failure:
        mh.assert_diagrams_valid([VALID, BROKEN["bare end as a node id"][0]])
    message = str(failure.value)
    assert "diagram 1 (gh) parse error" in message
    assert "diagram 1 (latest) parse error" in message
    assert "   2 |   a --> end" in message
    assert "diagram 0" not in message


@pytest.mark.mermaid
def test_cli_keeps_stdout_for_the_json_result() -> None:
    require_mermaid()
    node = mh._node_binary()
    assert node is not None
    proc = subprocess.run(
        [node, str(mh.CHECK_SCRIPT)],
        input=json.dumps([VALID, "flowchart LR\n  a --> end\n"]),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    payload = json.loads(proc.stdout)
    assert payload["versions"] == mh.versions()
    assert [[r[role]["ok"] for role in ("gh", "latest")] for r in payload["results"]] == [
        [True, True],
        [False, False],
    ]


# The skip-or-fail logic and the availability probe, without Node.


def _fake_node(tmp_path: Path, version: str) -> str:
    script = tmp_path / "node"
    script.write_text(f"#!/bin/sh\necho {version}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


@pytest.fixture
def fresh_probe(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setattr(mh, "_availability", [])
    monkeypatch.delenv("EDAC_NODE", raising=False)
    return monkeypatch


def test_unavailable_without_node(fresh_probe: pytest.MonkeyPatch) -> None:
    fresh_probe.setattr(shutil, "which", lambda _name: None)
    reason = mh.mermaid_available()
    assert reason is not None and "node is not installed" in reason


def test_unavailable_with_old_node(fresh_probe: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fresh_probe.setenv("EDAC_NODE", _fake_node(tmp_path, "v18.19.0"))
    reason = mh.mermaid_available()
    assert reason is not None and "too old" in reason


def test_unavailable_without_node_modules(fresh_probe: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fresh_probe.setenv("EDAC_NODE", _fake_node(tmp_path, "v20.11.1"))
    harness = tmp_path / "mermaid"
    harness.mkdir()
    shutil.copy(mh.HARNESS_DIR / "package.json", harness / "package.json")
    fresh_probe.setattr(mh, "HARNESS_DIR", harness)
    reason = mh.mermaid_available()
    assert reason is not None and "run `npm ci --prefix tests/mermaid`" in reason
    with pytest.raises(mh.MermaidHarnessError, match="npm ci"):
        check_diagrams(["flowchart LR\n  unseen_before --> b\n"])


def test_unavailable_with_stale_node_modules(
    fresh_probe: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fresh_probe.setenv("EDAC_NODE", _fake_node(tmp_path, "v20.11.1"))
    harness = tmp_path / "mermaid"
    shutil.copytree(mh.HARNESS_DIR, harness, ignore=shutil.ignore_patterns("node_modules"))
    for name in mh.REQUIRED_PACKAGES:
        (harness / "node_modules" / name).mkdir(parents=True)
        (harness / "node_modules" / name / "package.json").write_text('{"version": "0.0.1"}')
    fresh_probe.setattr(mh, "HARNESS_DIR", harness)
    reason = mh.mermaid_available()
    assert reason is not None and "0.0.1" in reason and "npm ci" in reason


def test_require_mermaid_skips_when_tools_are_optional(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mh, "mermaid_available", lambda: "node is not installed")
    monkeypatch.delenv("EDAC_REQUIRE_TOOLS", raising=False)
    with pytest.raises(pytest.skip.Exception, match="node is not installed"):
        require_mermaid()


def test_require_mermaid_fails_when_ci_requires_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mh, "mermaid_available", lambda: "node is not installed")
    monkeypatch.setenv("EDAC_REQUIRE_TOOLS", "1")
    with pytest.raises(pytest.fail.Exception, match="EDAC_REQUIRE_TOOLS=1"):
        require_mermaid()


def test_require_mermaid_passes_when_available(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mh, "mermaid_available", lambda: None)
    monkeypatch.setenv("EDAC_REQUIRE_TOOLS", "1")
    require_mermaid()
