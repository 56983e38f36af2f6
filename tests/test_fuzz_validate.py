"""Fuzzing `validate`: whatever text reaches edac (a mutated example, random YAML built from
the format's keys, topologies of the right shape with wrong values, split over several files,
random bytes), `edac.api.load_topology` returns well-formed diagnostics and never raises.

- every diagnostic has a known code and a message; its span, when it has one, lies in a file
  of the input, inside the text (1 <= line <= lines + 1, col >= 1, end after start);
- without an error, there is a topology;
- the renderers (human, short, json, sarif) render whatever was found;
- the CLI, in-process, exits 0 or 1 and prints no traceback.

The runs are derandomized (the same examples on every run, so CI is reproducible) under the
`edac-fuzz` profile; `EDAC_FUZZ_SCALE=10 EDAC_FUZZ_RANDOM=1 pytest tests/test_fuzz_validate.py`
explores more, and other examples.
A failure prints the minimal input: keep it as a case under tests/cases/broken/.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from edac.api import Result, load_topology
from edac.cli import main
from edac.core.codes import CODES
from edac.core.diagnostics import SourceCache, render_human, render_json, render_sarif, render_short

ORDERS_DIR = ROOT / "examples" / "orders"
ORDERS = (ORDERS_DIR / "topology.yaml").read_text(encoding="utf-8")
ORDER_LINES = ORDERS.splitlines(keepends=True)

settings.register_profile(
    "edac-fuzz",
    deadline=None,
    # the same examples on every run; EDAC_FUZZ_RANDOM=1 explores new ones (locally)
    derandomize=os.environ.get("EDAC_FUZZ_RANDOM") != "1",
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.data_too_large],
)
SCALE = float(os.environ.get("EDAC_FUZZ_SCALE", "1"))


def fuzz(examples: int) -> settings:
    return settings(settings.get_profile("edac-fuzz"), max_examples=max(1, int(examples * SCALE)))


# per strategy, the outcome of each example (`clean` or its lowest code), to show that the
# strategies reach past the parser
OUTCOMES: dict[str, set[str]] = {}


# ---------------------------------------------------------------------------------------------
# the properties


@contextmanager
def topology_dir(files: dict[str, str | bytes]) -> Iterator[Path]:
    """A temporary directory holding the files, with a copy of the orders example's schemas (so
    that `schema:` references resolve and the schema checks run)."""
    with tempfile.TemporaryDirectory(prefix="edac-fuzz-") as tmp:
        root = Path(tmp)
        shutil.copytree(ORDERS_DIR / "schemas", root / "schemas")
        for name, content in files.items():
            path = root / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", errors="surrogatepass")
        yield root


def check_result(result: Result, texts: dict[str, str], strategy: str) -> None:
    """The properties every result has. `texts` maps each input file's path to its text."""
    for diag in result.diagnostics:
        assert diag.code in CODES, diag
        assert diag.message.strip(), diag
        assert (diag.code[0] == "E") == diag.is_error, diag
        if diag.span is None:
            continue
        span = diag.span
        assert span.file in texts, (span, sorted(texts))
        # lines as edac reads the file and an editor shows it: universal newlines (\r\n, \r, \n)
        lines = texts[span.file].replace("\r\n", "\n").replace("\r", "\n").split("\n")
        assert 1 <= span.line <= len(lines) + 1, (diag, len(lines))
        assert span.col >= 1, diag
        assert (span.end_line, span.end_col) >= (span.line, span.col), diag
        for rel in diag.related:
            assert rel.span.file in texts and rel.span.line >= 1 and rel.span.col >= 1, diag
    if not any(d.is_error for d in result.diagnostics):
        assert result.topology is not None, result.diagnostics
    # every renderer copes with whatever was found
    render_human(result.diagnostics, SourceCache(result.sources))
    render_short(result.diagnostics)
    json.loads(render_json(result.diagnostics))
    json.loads(render_sarif(result.diagnostics, "0"))
    outcome = "clean" if result.ok else min(d.code for d in result.diagnostics if d.is_error)
    OUTCOMES.setdefault(strategy, set()).add(outcome)


def check_files(files: dict[str, str | bytes], strategy: str) -> Result:
    with topology_dir(files) as root:
        names = sorted(files)
        paths = [str(root / n) for n in names]
        result = load_topology(paths if len(paths) == 1 else [str(root)])
        texts = {}
        for name, path in zip(names, paths, strict=True):
            content = files[name]
            texts[path] = (content.decode("utf-8", errors="replace")
                           if isinstance(content, bytes) else content)
        check_result(result, texts, strategy)
        return result


def check_text(text: str, strategy: str) -> Result:
    return check_files({"topology.yaml": text}, strategy)


# ---------------------------------------------------------------------------------------------
# (a) the orders example, mutated line by line

NOISE = st.one_of(
    st.sampled_from(["\t", "  ", '"', "'", ":", ": ", " #", "-", "- ", "[", "]", "{", "}", ",",
                     "&a ", "*a", "<<: *a", "!!int ", "!!binary ", "? ", "|", ">", "%YAML 1.1",
                     "---", "...", "~", "null", "yes", "1e3", "0x1F", "é", "e\u0301", "日本",
                     "\u200b", "\ufeff", "\u2028", "\x00", "\r", "\x85", "@", "`", "\\", "$or",
                     "aws:", "alias/aws/sqs", "fifo: true", "5 minutes", "43201", "15d"]),
    st.text(max_size=6),
)
LINE = st.integers(0, len(ORDER_LINES) - 1)
MUTATION = st.one_of(
    st.tuples(st.just("delete"), LINE),
    st.tuples(st.just("duplicate"), LINE),
    st.tuples(st.just("swap"), LINE, LINE),
    st.tuples(st.just("insert"), LINE, st.integers(0, 80), NOISE),
    st.tuples(st.just("cut"), LINE, st.integers(0, 80), st.integers(1, 8)),
    st.tuples(st.just("indent"), LINE, st.integers(-4, 4)),
    st.tuples(st.just("tabify"), LINE),
)


def mutate(ops: list[tuple[Any, ...]]) -> str:
    lines = list(ORDER_LINES)
    for kind, at, *args in ops:
        if not lines:
            break
        i = at % len(lines)
        line = lines[i]
        if kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, line)
        elif kind == "swap":
            j = args[0] % len(lines)
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "insert":
            pos = args[0] % (len(line) + 1)
            lines[i] = line[:pos] + args[1] + line[pos:]
        elif kind == "cut":
            pos = args[0] % (len(line) + 1)
            lines[i] = line[:pos] + line[pos + args[1]:]
        elif kind == "indent":
            shift, indent = args[0], len(line) - len(line.lstrip(" "))
            lines[i] = " " * shift + line if shift > 0 else line[min(-shift, indent):]
        elif kind == "tabify":
            stripped = line.lstrip(" ")
            lines[i] = "\t" * ((len(line) - len(stripped)) // 2) + stripped
    return "".join(lines)


@fuzz(300)
@given(st.lists(MUTATION, min_size=1, max_size=5))
def test_mutated_example(ops: list[tuple[Any, ...]]) -> None:
    check_text(mutate(ops), "mutated")


# ---------------------------------------------------------------------------------------------
# (b) random YAML documents built from the format's keys

KEYS = ["version", "name", "environment", "tags", "bus", "defaults", "producers", "events",
        "consumers", "routes", "archive_days", "queue", "alarms", "retry", "source", "team",
        "principals", "description", "producer", "schema", "unconsumed", "lambda", "container",
        "function", "timeout", "batch_size", "batching_window", "max_concurrency", "role",
        "idempotency", "ttl", "visibility_timeout", "retention", "max_receive_count",
        "dlq_retention", "fifo", "message_group", "delay", "max_message_size", "receive_wait",
        "kms_key", "oldest_message_age", "notify", "attempts", "max_age", "previously",
        "filter", "pattern", "to", "detail", "detail-type", "$or", "prefix", "suffix",
        "anything-but", "numeric", "exists", "equals-ignore-case", "cidr", "wildcard"]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["30s", "5m", "1h", "4d", "15d", "0", "43201", "create", "alias/aws/sqs",
                     "orders", "OrderPlaced", "fulfillment", "email", "com.shop.orders",
                     "aws.x", "default", ">", "<=", "*", "schemas/order-placed.json",
                     "schemas/missing.json", "arn:aws:sns:us-east-1:123456789012:x"]),
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner,
                        max_size=5),
    ),
    max_leaves=30,
)


DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump(doc: Any) -> str:
    return yaml.dump(doc, Dumper=DUMPER, allow_unicode=True, sort_keys=False)


@fuzz(200)
@given(DOCUMENTS, st.booleans())
def test_random_documents(doc: Any, with_header: bool) -> None:
    if with_header and isinstance(doc, dict):
        doc = {"version": 1, "name": "shop", **doc}
    check_text(dump(doc), "random documents")


# ---------------------------------------------------------------------------------------------
# (b') topologies of the right shape whose values are drawn from good and bad ones, in one
# file or split over several (names defined twice, system settings given twice...)

LEAF = st.one_of(
    st.text(max_size=5), st.integers(), st.booleans(), st.none(),
    st.builds(lambda op, v: {op: v},
              st.sampled_from(["prefix", "suffix", "anything-but", "numeric", "exists",
                               "equals-ignore-case", "cidr", "wildcard", "nope"]),
              st.one_of(st.text(max_size=5), st.booleans(),
                        st.lists(st.one_of(st.sampled_from([">", "<", "="]), st.integers()),
                                 max_size=4))),
)
FIELDS = st.sampled_from(["status", "total", "currency", "customer", "tier", "items", "sku",
                          "stauts", "$or", "detail"])
FILTER = st.dictionaries(
    FIELDS,
    st.recursive(st.lists(LEAF, max_size=3) | LEAF,
                 lambda inner: st.dictionaries(FIELDS, inner, max_size=2)
                 | st.lists(st.dictionaries(FIELDS, inner, max_size=2), min_size=1, max_size=2),
                 max_leaves=6),
    max_size=3,
)


def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usually a good value, sometimes a bad one: an example should have few mistakes, so that
    it gets past the format to the references and the checks."""
    return st.one_of(good, good, good, good, good, bad)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def fields(**strategies: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A mapping with these optional fields (absent when drawn as None)."""
    return st.fixed_dictionaries({k: maybe(v) for k, v in strategies.items()}).map(drop_none)


NAMES = mostly(st.sampled_from(["orders", "billing", "email", "fulfillment", "Orders"]),
               st.sampled_from(["a.b", "x" * 70, "", "default", "e\u0301", "with space"]))
DURATIONS = mostly(st.sampled_from(["30s", "5m", "15m", "1h", "4d", "14d", "90", 60, 3]),
                   st.one_of(st.sampled_from(["15d", "0", "5 minutes", "-1", "1e3", True]),
                             st.integers(-5, 50_000)))
QUEUE = fields(
    visibility_timeout=DURATIONS, retention=DURATIONS, dlq_retention=DURATIONS,
    max_receive_count=mostly(st.integers(1, 10), st.integers(-1, 1001)),
    fifo=mostly(st.booleans(), st.just("yes")),
    message_group=st.sampled_from(["g", ""]),
    kms_key=st.sampled_from(["create", "alias/aws/sqs", "alias/mine", "k"]),
)
LAMBDA = fields(
    function=mostly(st.just("fn"), st.sampled_from(["bad name", "arn:aws:lambda:x"])),
    timeout=DURATIONS, batching_window=DURATIONS,
    batch_size=mostly(st.integers(1, 10), st.integers(0, 20_000)),
).map(lambda d: {"function": "fn", **d})
CONSUMER = st.builds(
    lambda kind, extra: {**kind, **extra},
    mostly(st.one_of(st.builds(dict, **{"lambda": LAMBDA}),
                     st.builds(dict, container=st.builds(dict, role=st.just("worker")))),
           st.sampled_from([{}, {"lambda": {"function": "f"}, "container": {"role": "r"}}])),
    fields(queue=QUEUE, team=NAMES, previously=st.lists(NAMES, max_size=2),
           alarms=st.builds(dict, notify=st.sampled_from(
               ["arn:aws:sns:us-east-1:123456789012:t", "arn:aws:sqs:us-east-1:1:q"]))),
)
EVENT_NAMES = mostly(st.sampled_from(["OrderPlaced", "OrderCancelled"]),
                     st.sampled_from(["OrderPlacd", "Order\nPlaced", "x" * 130]))
ROUTE = st.builds(
    lambda select, to, extra: {**select, "to": to, **extra},
    mostly(st.one_of(st.builds(lambda e, f: drop_none({"events": e, "filter": f}),
                               st.lists(EVENT_NAMES, min_size=1, max_size=2), maybe(FILTER)),
                     st.builds(lambda f: {"pattern": {"source": ["com.shop.orders"], **f}},
                               FILTER)),
           st.sampled_from([{}, {"events": ["OrderPlaced"], "pattern": {"source": ["x"]}},
                            {"events": []}])),
    mostly(st.lists(st.sampled_from(["fulfillment", "email", "orders", "billing"]), min_size=1,
                    max_size=3),
           st.sampled_from([[], ["emial"], "email"])),
    fields(retry=fields(attempts=st.integers(-1, 200), max_age=DURATIONS),
           previously=st.lists(st.sampled_from(["old", "confirmed"]), max_size=1)),
)
EVENT = st.builds(
    lambda producer, extra: {"producer": producer, **extra},
    mostly(st.just("orders"), st.sampled_from(["order", "billing"])),
    fields(schema=mostly(st.sampled_from(["schemas/order-placed.json",
                                          "schemas/order-cancelled.json"]),
                         st.sampled_from(["schemas/missing.json", "topology.yaml", "schemas"])),
           unconsumed=st.booleans()),
)
PRODUCER = st.builds(
    lambda source, extra: {"source": source, **extra},
    mostly(st.sampled_from(["com.shop.orders", "com.shop.billing"]),
           st.sampled_from(["aws.orders", "", "a\x00b"])),
    fields(principals=st.lists(mostly(st.just("arn:aws:iam::111111111111:role/r"),
                                      st.sampled_from(["*", "123"])), max_size=2)),
)
SYSTEM = st.builds(
    lambda name, extra: {**name, **extra},
    mostly(st.builds(dict, name=NAMES), st.just({})),
    fields(environment=mostly(st.sampled_from(["prod", "dev"]), st.just("pr od")),
           tags=st.dictionaries(mostly(st.sampled_from(["owner", "cost-center"]),
                                       st.just("aws:x")),
                                mostly(st.text("abc -", max_size=6), st.integers()),
                                max_size=2),
           bus=st.builds(dict, name=st.sampled_from(["default", "b", "bad bus"])),
           defaults=st.builds(dict, queue=QUEUE)),
)
TOPOLOGY = st.builds(
    lambda system, producers, events, consumers, routes: {
        "version": 1, **system, "producers": producers, "events": events,
        "consumers": consumers, "routes": routes},
    SYSTEM,
    st.dictionaries(st.sampled_from(["orders", "billing", "legacy"]), PRODUCER, max_size=2),
    st.dictionaries(EVENT_NAMES, EVENT, max_size=3),
    st.dictionaries(NAMES, CONSUMER, max_size=3),
    st.dictionaries(mostly(st.sampled_from(["confirmed", "cancellations", "r.x"]),
                           st.sampled_from(["r" * 60, "r/x"])), ROUTE, max_size=3),
)


def split(doc: dict[str, Any], assignment: list[int]) -> dict[str, str]:
    """The topology over several files: each top-level key, or element, goes to a file chosen
    by `assignment`; every file gets `version: 1` (and sometimes a system setting twice)."""
    files: dict[int, dict[str, Any]] = {}
    picks = iter(assignment * 100)
    for key, value in doc.items():
        if key == "version":
            continue
        if isinstance(value, dict) and key in ("producers", "events", "consumers", "routes"):
            for name, element in value.items():
                part = files.setdefault(next(picks), {"version": 1})
                part.setdefault(key, {})[name] = element
        else:
            files.setdefault(next(picks), {"version": 1})[key] = value
    return {f"part{i}.yaml": dump(d) for i, d in sorted(files.items())} or {
        "part0.yaml": dump(doc)}


@fuzz(150)
@given(TOPOLOGY)
def test_topologies_of_the_right_shape(doc: dict[str, Any]) -> None:
    check_text(dump(doc), "shaped")


@fuzz(80)
@given(TOPOLOGY, st.lists(st.integers(0, 2), min_size=1, max_size=6))
def test_topologies_split_over_files(doc: dict[str, Any], assignment: list[int]) -> None:
    check_files(split(doc, assignment), "split")


# ---------------------------------------------------------------------------------------------
# (c) random bytes


@fuzz(300)
@given(st.binary(max_size=400), st.sampled_from(["utf-8", "latin-1"]))
def test_random_bytes_decoded_as_text(data: bytes, encoding: str) -> None:
    check_text(data.decode(encoding, errors="replace"), "bytes")


@fuzz(100)
@given(st.binary(max_size=200))
def test_random_bytes_as_a_file(data: bytes) -> None:
    """Not necessarily UTF-8: an unreadable file is a diagnostic (E004), not a crash."""
    check_files({"topology.yaml": data, "other.yaml": b"version: 1\nname: shop\n"}, "bytes")


@fuzz(150)
@given(st.text(max_size=300))
def test_random_text(text: str) -> None:
    check_text(text, "text")


# ---------------------------------------------------------------------------------------------
# the command line, in-process


@fuzz(40)
@given(st.lists(MUTATION, min_size=1, max_size=4))
def test_the_cli_exits_0_or_1(ops: list[tuple[Any, ...]]) -> None:
    with topology_dir({"topology.yaml": mutate(ops)}) as root:
        for fmt in ("human", "short", "json", "sarif"):
            result = CliRunner().invoke(main, ["validate", "--format", fmt,
                                               str(root / "topology.yaml")])
            assert result.exit_code in (0, 1), (result.output, result.exc_info)
            assert result.exception is None or isinstance(result.exception, SystemExit), (
                result.exc_info)
            assert "Traceback" not in result.output, result.output
            assert "internal error" not in result.output, result.output


def test_the_examples_reach_every_phase() -> None:
    """The strategies are not all stopped by the parser: the mutated example is sometimes
    clean and fails in reading, the format and the references; the shaped topologies reach the
    references and the checks. (Asserted for the strategies that ran before this test.)"""
    import pytest

    if not OUTCOMES:
        pytest.skip("run together with the property tests above")

    def phases(strategy: str) -> set[str]:
        return {code[:2] for code in OUTCOMES.get(strategy, ()) if code != "clean"}

    if "mutated" in OUTCOMES:
        assert "clean" in OUTCOMES["mutated"], OUTCOMES
        assert {"E0", "E1", "E2"} <= phases("mutated"), OUTCOMES
    for strategy in ("shaped", "split"):
        if strategy in OUTCOMES:
            assert "clean" in OUTCOMES[strategy], OUTCOMES
            assert {"E1", "E2"} <= phases(strategy), OUTCOMES
            assert phases(strategy) & {"E3", "E4", "E5", "E6"}, OUTCOMES
