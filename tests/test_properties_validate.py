"""Property tests: whatever text a user feeds `edac validate` (mutated examples, random YAML of
the format's shape, random text), it answers with well-formed diagnostics, never a traceback."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from edac.api import load_topology
from edac.cli import main
from edac.codes import CODES

ORDERS = (ROOT / "examples" / "orders" / "topology.yaml").read_text()
ORDER_LINES = ORDERS.splitlines(keepends=True)
KEYS = ["version", "name", "environment", "tags", "bus", "defaults", "producers", "events",
        "consumers", "routes", "source", "team", "principals", "producer", "schema", "lambda",
        "container", "function", "timeout", "batch_size", "queue", "fifo", "visibility_timeout",
        "retention", "to", "filter", "pattern", "retry", "attempts", "max_age", "previously",
        "idempotency", "ttl", "alarms", "notify", "kms_key", "$or", "numeric", "prefix"]
SETTINGS = settings(max_examples=300, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def check(text: str, tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    if not schemas.exists():  # the example's schemas, so that later phases run too
        schemas.symlink_to(ROOT / "examples" / "orders" / "schemas")
    path = tmp_path / "topology.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    result = load_topology([str(path)])
    lines = text.count("\n") + 1
    for diag in result.diagnostics:
        assert diag.code in CODES, diag
        assert diag.message.strip(), diag
        if diag.span is not None:
            assert 1 <= diag.span.line <= lines + 1, diag
            assert diag.span.col >= 1, diag
            assert (diag.span.end_line, diag.span.end_col) >= (diag.span.line, diag.span.col)
    if not any(d.is_error for d in result.diagnostics):
        assert result.topology is not None
    OUTCOMES.add("clean" if result.ok else min(d.code for d in result.diagnostics))


OUTCOMES: set[str] = set()


mutation = st.one_of(
    st.tuples(st.just("delete"), st.integers(0, len(ORDER_LINES) - 1)),
    st.tuples(st.just("duplicate"), st.integers(0, len(ORDER_LINES) - 1)),
    st.tuples(st.just("swap"), st.integers(0, len(ORDER_LINES) - 2)),
    st.tuples(st.just("insert"), st.integers(0, len(ORDER_LINES) - 1),
              st.integers(0, 60),
              st.sampled_from(["\t", '"', "'", ":", ": ", "{", "}", "[", "]", "- ", "#", "&a",
                               "*a", "!!int ", "日本", "\\", "${x}", "%", "\0", "\r", "@", "`"])),
    st.tuples(st.just("indent"), st.integers(0, len(ORDER_LINES) - 1), st.integers(-4, 4)),
)


def mutate(ops: list[tuple[object, ...]]) -> str:
    lines = list(ORDER_LINES)
    for op in ops:
        kind, i = op[0], int(op[1])  # type: ignore[call-overload]
        if not lines:
            break
        i %= len(lines)
        if kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        elif kind == "insert":
            pos = int(op[2]) % (len(lines[i]) + 1)  # type: ignore[call-overload]
            lines[i] = lines[i][:pos] + str(op[3]) + lines[i][pos:]
        elif kind == "indent":
            shift = int(op[2])  # type: ignore[call-overload]
            lines[i] = " " * shift + lines[i] if shift > 0 else lines[i][-shift:]
    return "".join(lines)


@SETTINGS
@given(st.lists(mutation, min_size=1, max_size=4))
def test_mutated_example(tmp_path_factory: object, ops: list[tuple[object, ...]]) -> None:
    check(mutate(ops), tmp_path_factory.mktemp("m"))  # type: ignore[attr-defined]


scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=False), st.text(max_size=20),
                    st.sampled_from(["30s", "5m", "1h", "4d", "x", "alias/aws/sqs", "create"]))
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner,
                        max_size=5),
    ),
    max_leaves=25,
)


@SETTINGS
@given(documents, st.booleans())
def test_random_documents_of_the_format_shape(tmp_path_factory: object, doc: object,
                                              with_header: bool) -> None:
    if with_header and isinstance(doc, dict):
        doc = {"version": 1, "name": "shop", **doc}
    text = yaml.safe_dump(doc, allow_unicode=True)
    check(text, tmp_path_factory.mktemp("d"))  # type: ignore[attr-defined]


@SETTINGS
@given(st.text(max_size=300))
def test_random_text(tmp_path_factory: object, text: str) -> None:
    check(text, tmp_path_factory.mktemp("t"))  # type: ignore[attr-defined]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(mutation, min_size=1, max_size=3))
def test_the_cli_never_crashes(tmp_path_factory: object, ops: list[tuple[object, ...]]) -> None:
    tmp = tmp_path_factory.mktemp("c")  # type: ignore[attr-defined]
    path = tmp / "topology.yaml"
    path.write_text(mutate(ops), encoding="utf-8", errors="surrogatepass")
    for fmt in ("human", "short", "json"):
        result = CliRunner().invoke(main, ["validate", "--format", fmt, str(path)])
        assert result.exit_code in (0, 1), (result.output, result.exc_info)
        assert "Traceback" not in result.output and "internal error" not in result.output


def test_the_properties_reached_every_phase() -> None:
    """The generated inputs are not all rejected at the first phase: some are clean and the
    diagnostics come from parsing, the models, resolution and the checks."""
    if not OUTCOMES:
        import pytest

        pytest.skip("run with the property tests above")
    assert "clean" in OUTCOMES
    phases = {code[:2] for code in OUTCOMES if code != "clean"}
    assert {"E0", "E1", "E2"} <= phases, OUTCOMES
