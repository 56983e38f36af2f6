"""The lock file (`edac.lock`, committed beside the topology): what edac has made from the
topology that holds data, and the choices made about it, so that no compile on any machine
(a fresh CI runner included) destroys a queue, an archive, a table or a key unnoticed.

It records, sorted and as JSON:
- `resources`: every stateful resource the last compile emitted (queues, DLQs, target DLQs,
  customer keys, the archive, the idempotency table): kind, AWS name, Terraform address and
  the element that owns it;
- `rules`: the rule split of every route with more than one rule's worth of targets: for each
  route (by its first name) the consumers (by their first names) of its rules, in rule order,
  so that reordering `to:` or adding a consumer never moves a target to another rule;
- `renames`: the `previously:` names in force;
- `decisions`: every `--forget` / `--allow-destroy` choice, with the AWS names it was made for.

Parsing reports every problem as a diagnostic at the lock's line and column (E811-E813).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from edac.core import ir, names
from edac.core.diagnostics import Diagnostic, Severity, Span
from edac.core.emit import hcl

FORMAT = 1
FILE_NAME = "edac.lock"
ABOUT = ("edac.lock: the stateful resources edac has made from this topology, the rule split "
         "of its routes and the --forget / --allow-destroy decisions. Written by `edac "
         "compile`; commit it with the topology; do not edit it by hand.")

Kind = Literal["queue", "dlq", "target_dlq", "kms_key", "archive", "idempotency_table"]
KINDS: tuple[Kind, ...] = ("queue", "dlq", "target_dlq", "kms_key", "archive",
                           "idempotency_table")
Choice = Literal["forget", "allow-destroy"]
ARCHIVE = "bus.archive"  # the owner name of the archive (no consumer name has a dot)
TABLE = "idempotency.table"  # the owner name of the idempotency table
FORWARD = "forward."  # the owner names of forward DLQs: `forward.` and the bus's name


def forward_owner(bus: str) -> str:
    """The owner name of the forward DLQ of a bus under `buses:`."""
    return FORWARD + bus


@dataclass(frozen=True)
class Resource:
    owner: str  # a consumer's name, ARCHIVE, TABLE or forward_owner(bus)
    kind: Kind
    name: str  # the AWS name
    address: str  # the Terraform address (in the root of its account)
    account: str = ""  # the account id when not the bus's (its root is under accounts/)

    @property
    def identity(self) -> tuple[str, str, str]:
        return (self.account, self.kind, self.name)

    def sort_key(self) -> tuple[str, int, str, str]:
        """By owner, then queue, DLQ, target DLQ, key, archive, table."""
        return (self.owner, KINDS.index(self.kind), self.name, self.account)


@dataclass(frozen=True)
class Decision:
    choice: Choice
    resources: tuple[str, ...]  # the AWS names it was made for
    # the account whose Terraform root held them (under accounts/); None: the bus's
    account: str | None = None


@dataclass(frozen=True)
class Lock:
    system: str | None = None
    resources: tuple[Resource, ...] = ()
    rules: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    renames: dict[str, dict[str, str]] = field(default_factory=dict)
    decisions: dict[str, Decision] = field(default_factory=dict)

    def forgotten(self) -> dict[str, Decision]:
        return {owner: d for owner, d in self.decisions.items() if d.choice == "forget"}


# ---------------------------------------------------------------------------------------------
# what a topology holds


def _address(call: names.Address, resource: str) -> str:
    return f"{hcl.address(call)}.{resource}"


def inventory(topo: ir.Topology) -> tuple[Resource, ...]:
    """The stateful resources the compiled Terraform of `topo` manages, in the root of the
    bus's account and of each other account (a consumer's queues, its key, the idempotency
    table of each account that has idempotent consumers)."""
    found = []
    tables: set[str] = set()
    for c in topo.consumers.values():
        call = names.consumer_address(c.name)
        account = topo.remote(c) or ""
        found += [
            Resource(c.name, "queue", c.queues.main, _address(call, "aws_sqs_queue.this"),
                     account),
            Resource(c.name, "dlq", c.queues.dlq, _address(call, "aws_sqs_queue.dlq"), account),
            Resource(c.name, "target_dlq", c.queues.target_dlq,
                     _address(call, "aws_sqs_queue.target_dlq"), account),
        ]
        if c.queue.kms_key == "create":
            found.append(Resource(c.name, "kms_key", f"alias/{c.queues.base}",
                                  _address(names.Address("queue_key", c.name),
                                           "aws_kms_key.this"), account))
        if c.idempotency_ttl is not None:
            tables.add(account)
    for bus in topo.forwarded:
        found.append(Resource(forward_owner(bus.name), "target_dlq", bus.dlq,
                              f"aws_sqs_queue.forward_dlq[{hcl.quote(bus.name)}]"))
    if topo.archive is not None:
        found.append(Resource(ARCHIVE, "archive", topo.archive,
                              _address(names.Address("bus"),
                                       "aws_cloudwatch_event_archive.this[0]")))
    table = names.idempotency_table(topo.prefix)
    found += [Resource(TABLE, "idempotency_table", table,
                       _address(names.Address("idempotency_table"), "aws_dynamodb_table.this"),
                       account) for account in sorted(tables)]
    return tuple(sorted(found, key=Resource.sort_key))


def rule_split(topo: ir.Topology) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Route (first name) -> the first names of the consumers of each of its rules (parts in
    order; a part whose rule went away is empty)."""
    out = {}
    for route in topo.routes.values():
        if not route.rules:
            continue
        parts: list[tuple[str, ...]] = []
        for rule in route.rules:
            index = rule_part(route.name, rule.key)
            while len(parts) < index:
                parts.append(())
            parts[index - 1] = tuple(sorted([*(topo.consumers[t].target_id for t in rule.targets),
                                             *(names.forward_target(b) for b in rule.forwards)]))
        out[names.oldest(route.name, route.previously)] = tuple(parts)
    return dict(sorted(out.items()))


def rule_part(route: str, key: str) -> int:
    """The part number (from 1) of a rule key: `route`, `route-2`, ..."""
    suffix = key[len(route):]
    return int(suffix[1:]) if suffix else 1


def renames(topo: ir.Topology) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for kind, table in (("consumers", topo.consumers), ("routes", topo.routes)):
        moved = {old: e.name for e in table.values() for old in e.previously}
        if moved:
            out[kind] = dict(sorted(moved.items()))
    return out


def of(topo: ir.Topology, decisions: Mapping[str, Decision]) -> Lock:
    """The lock that describes `topo` compiled with `decisions` in force."""
    return Lock(topo.prefix, inventory(topo), rule_split(topo), renames(topo),
                dict(sorted(decisions.items())))


# ---------------------------------------------------------------------------------------------
# text


def render(lock: Lock) -> str:
    doc: dict[str, Any] = {
        "about": ABOUT,
        "format": FORMAT,
        "system": lock.system,
        "resources": [{"owner": r.owner, "kind": r.kind, "name": r.name, "address": r.address,
                       **({"account": r.account} if r.account else {})}
                      for r in sorted(lock.resources, key=Resource.sort_key)],
        "rules": {route: [list(part) for part in parts]
                  for route, parts in sorted(lock.rules.items())},
        "renames": lock.renames,
        "decisions": {owner: {"choice": d.choice, "resources": sorted(d.resources),
                              **({"account": d.account} if d.account else {})}
                      for owner, d in sorted(lock.decisions.items())},
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class _Problem(Exception):
    def __init__(self, message: str, where: tuple[str | int, ...], code: str = "E812"):
        super().__init__(message)
        self.where = where
        self.code = code


def parse(text: str, file: str) -> tuple[Lock | None, list[Diagnostic]]:
    """The lock in `text`, or None and the diagnostics of what is wrong with it."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        span = Span(file, exc.lineno, exc.colno, exc.lineno, exc.colno + 1)
        return None, [Diagnostic(
            "E811", Severity.ERROR, f"the lock file is not valid JSON: {exc.msg}", span,
            "here", help="it is written by `edac compile`: restore it from version control "
            "(git checkout -- FILE), or delete it to start a new one from the topology")]
    try:
        return _lock(doc), []
    except _Problem as problem:
        return None, [Diagnostic(problem.code, Severity.ERROR, str(problem),
                                 locate(text, file, problem.where), "here",
                                 help="restore the lock from version control; it is written "
                                 "by `edac compile`, not by hand")]


def _lock(doc: Any) -> Lock:
    if not isinstance(doc, dict):
        raise _Problem("the lock file is not a JSON object", ())
    version = doc.get("format")
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT:
        raise _Problem(f"the lock file has format {version}, written by a newer edac; this "
                       f"edac reads format {FORMAT}", ("format",), "E813")
    if version != FORMAT:
        raise _Problem(f"the lock file's `format` must be {FORMAT}", ("format",))
    system = doc.get("system")
    if system is not None and not isinstance(system, str):
        raise _Problem("`system` must be text", ("system",))
    resources = []
    raw = doc.get("resources", [])
    if not isinstance(raw, list):
        raise _Problem("`resources` must be a list", ("resources",))
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not all(
                isinstance(item.get(k), str) for k in ("owner", "kind", "name", "address")):
            raise _Problem("each resource has text `owner`, `kind`, `name` and `address`",
                           ("resources", i))
        if item["kind"] not in KINDS:
            raise _Problem(f"unknown resource kind `{item['kind']}`", ("resources", i, "kind"))
        account = item.get("account", "")
        if not isinstance(account, str) or not re.fullmatch(r"(\d{12})?", account):
            raise _Problem("a resource's `account` is a 12-digit account id",
                           ("resources", i, "account"))
        resources.append(Resource(item["owner"], item["kind"], item["name"], item["address"],
                                  account))
    rules: dict[str, tuple[tuple[str, ...], ...]] = {}
    raw_rules = doc.get("rules", {})
    if not isinstance(raw_rules, dict):
        raise _Problem("`rules` must be an object", ("rules",))
    for route, parts in raw_rules.items():
        if not isinstance(parts, list) or not all(
                isinstance(p, list) and all(isinstance(c, str) for c in p) for p in parts):
            raise _Problem(f"the rules of route `{route}` must be lists of consumer names",
                           ("rules", route))
        rules[route] = tuple(tuple(p) for p in parts)
    raw_renames = doc.get("renames", {})
    if not isinstance(raw_renames, dict) or not all(
            isinstance(v, dict) and all(isinstance(a, str) and isinstance(b, str)
                                        for a, b in v.items()) for v in raw_renames.values()):
        raise _Problem("`renames` must map old names to new ones", ("renames",))
    decisions = {}
    raw_decisions = doc.get("decisions", {})
    if not isinstance(raw_decisions, dict):
        raise _Problem("`decisions` must be an object", ("decisions",))
    for owner, d in raw_decisions.items():
        if (not isinstance(d, dict) or d.get("choice") not in ("forget", "allow-destroy")
                or not isinstance(d.get("resources"), list)
                or not all(isinstance(r, str) for r in d["resources"])
                or not (d.get("account") is None
                        or (isinstance(d["account"], str)
                            and re.fullmatch(r"\d{12}", d["account"])))):
            raise _Problem(f"the decision for `{owner}` needs `choice` (forget or "
                           "allow-destroy) and the `resources` it was made for (and, for "
                           "another account's, its 12-digit `account`)", ("decisions", owner))
        decisions[owner] = Decision(d["choice"], tuple(d["resources"]), d.get("account"))
    return Lock(system, tuple(sorted(resources, key=Resource.sort_key)), rules,
                dict(raw_renames), decisions)


def locate(text: str, file: str, where: Iterable[str | int]) -> Span:
    """The place of a data path in JSON text as edac writes it (one key per line): the line
    of the deepest key found, searched in order."""
    lines = text.split("\n")
    line = 0
    for part in where:
        if isinstance(part, int):
            continue
        pattern = re.compile(re.escape(json.dumps(part, ensure_ascii=False)) + r"\s*:")
        for n in range(line, len(lines)):
            if pattern.search(lines[n]):
                line = n
                break
    column = len(lines[line]) - len(lines[line].lstrip()) + 1 if lines else 1
    return Span(file, line + 1, column, line + 1, len(lines[line]) + 1 if lines else 1)


# ---------------------------------------------------------------------------------------------
# migration


def from_manifest(data: Mapping[str, Any]) -> Lock:
    """A lock seeded from what an older edac kept in the output's `.edac-manifest.json`: the
    queues of each consumer and the consumers forgotten."""
    resources = []
    consumers = data.get("consumers")
    for name, entry in (consumers.items() if isinstance(consumers, dict) else ()):
        queues = entry.get("queues") if isinstance(entry, dict) else None
        if not (isinstance(queues, list) and len(queues) == 3
                and all(isinstance(q, str) for q in queues)):
            continue
        call = names.consumer_address(str(name))
        kinds: tuple[Kind, ...] = ("queue", "dlq", "target_dlq")
        for kind, queue, resource in zip(kinds, queues,
                                         ("aws_sqs_queue.this", "aws_sqs_queue.dlq",
                                          "aws_sqs_queue.target_dlq"), strict=True):
            resources.append(Resource(str(name), kind, queue, _address(call, resource)))
    decisions = {}
    forgotten = data.get("forgotten")
    for name, queues in (forgotten.items() if isinstance(forgotten, dict) else ()):
        if isinstance(queues, list):
            decisions[str(name)] = Decision("forget", tuple(str(q) for q in queues))
    return Lock(None, tuple(sorted(resources, key=Resource.sort_key)), {}, {}, decisions)


def differences(lock: Lock, manifest: Lock) -> list[str]:
    """What an output manifest says about queues that the lock does not (the lock wins). A
    manifest records no accounts: its queues are compared by kind and name."""
    ours = {(r.kind, r.name) for r in lock.resources}
    return sorted(f"{r.kind} `{r.name}` of `{r.owner}`" for r in manifest.resources
                  if (r.kind, r.name) not in ours)
