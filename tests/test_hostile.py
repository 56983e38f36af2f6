"""Small hostile inputs (issue 14), each run through the commands that read it, as a process
under a memory limit (2 GB of address space) and a generous time limit that only catches a
hang: every run ends with exit 0 or 1, never "internal error" (exit 2) or a traceback, and
prints output in proportion to what a person can read.

The classes: YAML merge bombs and self-merges; integers in hex, sexagesimal and thousands of
digits; JSON Schemas whose `$ref`s form a DAG (exponentially many paths) or nest thousands of
levels; events nested 100,000 deep; events whose arrays make a naive matcher backtrack
through every combination; a 500 KB filter; a long line with thousands of errors; lone
surrogates, non-UTF-8 and UTF-16 text; `/dev/zero` and FIFOs where a file is read; links out
of a topology directory.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import string
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ROOT

ORDERS = ROOT / "examples" / "orders"
MEMORY = 2 * 1024**3  # bytes of address space per run
HANG = 120  # seconds: only a hang comes near this (every case takes well under 2 s here)
OUTPUT_MAX = 1 << 20  # bytes a human or short report may print

EVENT = {"version": "0", "id": "1", "detail-type": "OrderPlaced", "source": "com.shop.orders",
         "account": "111111111111", "time": "2024-01-01T00:00:00Z", "region": "us-east-1",
         "resources": [], "detail": {"orderId": "o1", "status": "confirmed"}}


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Path], list[list[str]]]  # writes the input under a directory; commands
    refused: bool = True  # some command says exit 1 (else: valid input, answered in time)


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def edac(args: list[str], cwd: Path) -> tuple[int, str]:
    try:
        proc = subprocess.run([sys.executable, "-m", "edac.cli", *args], cwd=cwd,
                              capture_output=True, timeout=HANG, preexec_fn=_limits)
    except subprocess.TimeoutExpired:
        return -1, f"no answer within {HANG} s"
    out = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    return proc.returncode, out


def topology(base: Path, edit: Callable[[str], str] = lambda t: t,
             schema: str | None = None) -> Path:
    """A copy of the orders example with its topology edited (and OrderPlaced's schema)."""
    shutil.copytree(ORDERS, base / "topo")
    (base / "topo" / "edac.lock").unlink()
    path = base / "topo" / "topology.yaml"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    if schema is not None:
        (base / "topo" / "schemas" / "order-placed.json").write_text(schema, encoding="utf-8")
    return base / "topo"


def every_format(target: str) -> list[list[str]]:
    return [["validate", "--format", fmt, target] for fmt in ("human", "short", "json", "sarif")]


def event_commands(event: str, pattern: str = '{"source": ["com.shop.orders"]}') -> list[list[str]]:
    return [["route", event, str(ORDERS)], ["route", "--format", "json", event, str(ORDERS)],
            ["test-event-pattern", "--event", "@" + event, "--event-pattern", pattern]]


# -- the inputs ------------------------------------------------------------------------------


def merge_bomb(base: Path) -> list[list[str]]:
    lines = ["x0: &x0 {a: 1, b: 2}"]
    for i in range(1, 30):
        lines.append(f"x{i}: &x{i} {{<<: [*x{i - 1}, *x{i - 1}], k{i}: {i}}}")
    bomb = "\n".join(lines) + "\nbomb: {<<: *x29}\n"
    path = base / "bomb.yaml"
    path.write_text("version: 1\nname: shop\n" + bomb, encoding="utf-8")
    selfmerge = topology(base, lambda t: t.replace("bus:\n", "tags: &a {<<: *a}\nbus:\n", 1))
    return [*every_format(str(path)), *every_format(str(selfmerge))]


def integers(base: Path) -> list[list[str]]:
    commands = []
    for i, value in enumerate(["0x1F", "1:30:00", "9" * 5000, "9" * 20, "-0o17", "1_000",
                               ".inf"]):
        root = base / f"int{i}"
        root.mkdir()
        topo = topology(root, lambda t, v=value: t.replace(
            "max_receive_count: 5", f"max_receive_count: {v}").replace(
            "archive_days: 30", f"archive_days: {v}").replace("batch_size: 5", f"batch_size: {v}"))
        commands += [["validate", "--format", "json", str(topo)],
                     ["compile", str(topo), "-o", str(root / "out")]]
    return commands


def ref_dag(base: Path) -> list[list[str]]:
    defs = {f"d{i}": {"anyOf": [{"$ref": f"#/$defs/d{i + 1}"}] * 2} for i in range(40)}
    defs["d40"] = {"type": "object", "properties": {"z": {"type": "string"}}}
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
              "$defs": defs, "properties": {"status": {"type": "string"},
                                            "a": {"$ref": "#/$defs/d0"}}}
    topo = topology(base, lambda t: t.replace("filter: {status: [confirmed]}",
                                              "filter: {a.z: [x], a.zz: [y]}"),
                    json.dumps(schema))
    return every_format(str(topo))


def deep_schema(base: Path) -> list[list[str]]:
    text = '{"type": "string"}'
    for _ in range(3000):
        text = '{"type": "object", "properties": {"a": ' + text + "}}"
    topo = topology(base, schema=text)
    return [*every_format(str(topo)), ["compile", str(topo), "-o", str(base / "out")],
            ["generate", "python", str(topo), "-o", str(base / "kit")]]


def deep_events(base: Path) -> list[list[str]]:
    commands = []
    for name, opener, closer in (("arrays", "[", "]"), ("objects", '{"a":', "}")):
        text = json.dumps(EVENT)[:-1] + ', "deep": ' + opener * 100_000 + "1" \
            + closer * 100_000 + "}"
        path = base / f"{name}.json"
        path.write_text(text, encoding="utf-8")
        commands += event_commands(str(path))
    return commands


def backtracking(base: Path) -> list[list[str]]:
    names = string.ascii_lowercase[1:11]
    element = {"a": "X", **{n: [{"v": "X"}] * 12 for n in names}}
    detail = {"m": [{"z": "X"}, element]}
    fragment = {"m": {"a": ["X"], **{n: {"v": ["X"]} for n in names}, "z": ["X"]}}
    event = base / "event.json"
    event.write_text(json.dumps({**EVENT, "detail": detail}), encoding="utf-8")
    topo = topology(base, lambda t: t.replace("filter: {status: [confirmed]}",
                                              "filter: " + json.dumps(fragment)).replace(
        "    schema: schemas/order-placed.json\n", ""))
    pattern = json.dumps({"source": ["com.shop.orders"], "detail": fragment})
    return [["route", str(event), str(topo)],
            ["test-event-pattern", "--event", "@" + str(event), "--event-pattern", pattern]]


def large_filter(base: Path) -> list[list[str]]:
    values = json.dumps([f"value-{i:06}" for i in range(40_000)])
    topo = topology(base, lambda t: t.replace("filter: {status: [confirmed]}",
                                              f"filter: {{status: {values}}}"))
    return every_format(str(topo))


def long_line(base: Path) -> list[list[str]]:
    tags = ", ".join(f"k{i:05}: [x]" for i in range(6000))
    topo = topology(base, lambda t: t.replace("bus:\n", f"tags: {{{tags}}}\nbus:\n", 1))
    return every_format(str(topo))


def text_encodings(base: Path) -> list[list[str]]:
    commands = []
    events = {
        "surrogate": json.dumps({**EVENT, "detail-type": "\ud800", "source": "x\udfff"}),
        "utf16": json.dumps(EVENT).encode("utf-16"),
        "latin1": json.dumps({**EVENT, "detail": {"n": "é"}}, ensure_ascii=False)
        .encode("latin-1"),
        "nul": json.dumps(EVENT)[:-1] + ', "x": "\0"}',
        "nan": json.dumps(EVENT)[:-1] + ', "x": NaN}',
    }
    for name, content in events.items():
        path = base / f"{name}.json"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", errors="surrogatepass")
        commands += event_commands(str(path))
    for name, edit in (
        ("yaml-surrogate", lambda t: t.replace("The order service", '"\\ud800 service"')),
        ("yaml-surrogate-key",
         lambda t: t.replace("  orders:\n    source", '  "\\udc00":\n    source')),
    ):
        root = base / name
        root.mkdir()
        commands += every_format(str(topology(root, edit)))
    root = base / "schema-surrogate"
    root.mkdir()
    commands += every_format(str(topology(root, schema='{"type": "object", "title": "\\ud800"}')))
    root = base / "utf16-yaml"
    root.mkdir()
    topo = topology(root)
    (topo / "topology.yaml").write_bytes((topo / "topology.yaml").read_text().encode("utf-16"))
    return [*commands, *every_format(str(topo))]


def special_files(base: Path) -> list[list[str]]:
    fifo = base / "fifo.json"
    os.mkfifo(fifo)
    # (a FIFO named as the event is read as `cat` would: it waits for a writer, as for
    # /dev/stdin; a FIFO where edac looks for files itself is refused)
    commands = [*event_commands("/dev/zero")]
    (base / "fifo.yaml").symlink_to(fifo)
    commands += [["validate", str(base / "fifo.yaml")], ["validate", "/dev/zero"]]
    for name, target in (("zero", "/dev/zero"), ("passwd", "/etc/passwd"), ("fifo", str(fifo))):
        root = base / name
        root.mkdir()
        topo = topology(root)
        (topo / "evil.yaml").symlink_to(target)
        commands += every_format(str(topo))
    return commands


CASES = [Case(f.__name__, f, f is not backtracking) for f in (
    merge_bomb, integers, ref_dag, deep_schema, deep_events, backtracking, large_filter,
    long_line, text_encodings, special_files)]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input_is_a_diagnostic(case: Case, tmp_path: Path) -> None:
    commands = case.make(tmp_path)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda args: (args, *edac(args, tmp_path)), commands))
    problems = []
    for args, code, out in results:
        shown = " ".join(a if len(a) < 80 else a[:77] + "..." for a in args)
        human = "--format" not in args or args[args.index("--format") + 1] in ("human", "short")
        if code not in (0, 1):
            problems.append(f"exit {code}: edac {shown}\n{out[-600:]}")
        elif "Traceback" in out or "internal error" in out:
            problems.append(f"internal error: edac {shown}\n{out[-600:]}")
        elif human and len(out) > OUTPUT_MAX:
            problems.append(f"{len(out):,} bytes of output: edac {shown}")
    assert not problems, "\n\n".join(problems)
    if case.refused:
        assert any(code == 1 for _, code, _ in results), "a hostile input is refused somewhere"
    else:
        assert all(code == 0 for _, code, _ in results)


def test_secrets_of_special_files_are_not_echoed(tmp_path: Path) -> None:
    """What a link points at is never read (and so never shown in a diagnostic)."""
    topo = topology(tmp_path)
    (topo / "evil.yaml").symlink_to("/etc/passwd")
    code, out = edac(["validate", str(topo)], tmp_path)
    assert code == 1 and "E004" in out
    assert "root:" not in out
