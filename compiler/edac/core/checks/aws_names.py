"""AWS names, charsets and limits: every final AWS name is checked before Terraform sees it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from edac.core import names, policies
from edac.core.checks._util import diag
from edac.core.diagnostics import Diagnostic, Related
from edac.core.ir import Topology

NAME = re.compile(r"^[A-Za-z0-9_-]+$")
ROUTE_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
BUS_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
TAG_TEXT = re.compile(r"^[\w .:/=+\-@]*$", re.UNICODE)
SNS_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$")
IAM_PRINCIPAL = re.compile(
    r"^(\d{12}|arn:aws[a-z-]*:iam::\d{12}:(root|(role|user)/[\w+=,.@/-]{1,512}))$"
)
ROLE = re.compile(
    r"^([\w+=,.@-]{1,64}|arn:aws[a-z-]*:iam::\d{12}:role/([\w+=,.@-]+/)*[\w+=,.@-]{1,64})$"
)
FUNCTION = re.compile(
    r"^([A-Za-z0-9_-]{1,64}|arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}"
    r"(:[A-Za-z0-9_$-]{1,128})?)$"
)

QUEUE_MAX = 80
RULE_MAX = 64
BUS_MAX = 256
TOPIC_MAX = 256
TABLE_MAX = 255
ARCHIVE_MAX = 48
DETAIL_TYPE_MAX = 128
SOURCE_MAX = 256
RULES_PER_BUS = 300
# "Role name: 64 characters" (IAM object character limits):
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
ROLE_MAX = 64

_CHARSET_HELP = "use letters, digits, `-` and `_` only"


def _printable(text: str) -> bool:
    return all(ch.isprintable() for ch in text)


def system_names(topo: Topology) -> Iterator[Diagnostic]:
    for setting in ("name", "environment"):
        value = topo.name if setting == "name" else topo.environment
        if setting == "environment" and value in topo.environments:
            continue  # a declared environment: checks.environments, at its declaration
        origin = topo.setting_origins.get(setting)
        if value is not None and not NAME.fullmatch(value):
            yield diag(topo, "E601", f"the system {setting} `{value}` is not usable in AWS names",
                       origin, label="invalid characters", help=_CHARSET_HELP)


def statement_ids(topo: Topology) -> Iterator[Diagnostic]:
    """Producers in the bus policy get a statement id of their name's letters and digits
    (at most 55): two names that reduce alike would get one id, which IAM refuses."""
    seen: dict[str, str] = {}
    for p in sorted(topo.producers.values(), key=lambda p: p.name):
        if not (p.principals or p.organization):
            continue
        sid = re.sub(r"[^A-Za-z0-9]", "", p.name)[:55]
        first = seen.setdefault(sid, p.name)
        if first != p.name:
            yield diag(topo, "E601", f"producers `{first}` and `{p.name}` would get the same "
                       f"bus policy statement id `PutEvents{sid}`", p.origin, key=True,
                       label="same letters and digits",
                       help="rename one: statement ids keep only the letters and digits of "
                       "the producer's name (its first 55)")


def element_names(topo: Topology) -> Iterator[Diagnostic]:
    for p in topo.producers.values():
        if not NAME.fullmatch(p.name) or len(p.name) > 64:
            yield diag(topo, "E601", f"producer name `{p.name}` is not a valid name", p.origin,
                       key=True, label="invalid name",
                       help=_CHARSET_HELP + ", at most 64 characters (it names a bus policy "
                       "statement)")
    for c in topo.consumers.values():
        if not NAME.fullmatch(c.name):
            yield diag(topo, "E601", f"consumer name `{c.name}` is not usable in queue names",
                       c.origin, key=True, label="invalid name", help=_CHARSET_HELP)
            continue
        bad = next((i for i, old in enumerate(c.previously) if not NAME.fullmatch(old)), None)
        if bad is not None:  # the oldest name names the queues and the target id
            yield diag(topo, "E601", f"consumer `{c.name}` was previously "
                       f"`{c.previously[bad]}`, which is not usable in queue names", c.origin,
                       "previously", bad, label="invalid name",
                       help=_CHARSET_HELP + ": the queues and targets keep the oldest name")
            continue
        if len(c.target_id) > RULE_MAX:
            what = "name" if c.target_id == c.name else "oldest name"
            yield diag(topo, "E602", f"consumer {what} `{c.target_id}` is {len(c.target_id)} "
                       f"characters; it is the EventBridge target id, at most {RULE_MAX}",
                       c.origin, *(("previously", len(c.previously) - 1) if c.previously
                                   else ()), key=not c.previously, label="name too long",
                       help="shorten the consumer name" if not c.previously else
                       "the targets and queues keep the oldest name under `previously:`; a "
                       "shorter one there makes them again (queues replaced: E801)")
        longest = max((c.queues.main, c.queues.dlq, c.queues.target_dlq), key=len)
        if len(longest) > QUEUE_MAX:
            budget = QUEUE_MAX - (len(longest) - len(c.target_id))
            yield diag(
                topo, "E602",
                f"queue name `{longest}` is {len(longest)} characters; SQS allows {QUEUE_MAX}",
                c.origin, *(("previously", len(c.previously) - 1) if c.previously else ()),
                key=not c.previously, label="name too long",
                help=(f"shorten the consumer name to at most {max(budget, 1)} characters "
                      "(or the system name/environment)") if not c.previously else
                (f"the queues keep the oldest name under `previously:`: at most "
                 f"{max(budget, 1)} characters there (or a shorter system name/environment)"),
            )
    seen_rules: dict[str, str] = {}
    for route in topo.routes.values():
        if not ROUTE_NAME.fullmatch(route.name):
            yield diag(topo, "E601", f"route name `{route.name}` is not usable in rule names",
                       route.origin, key=True, label="invalid name",
                       help="use letters, digits, `.`, `-` and `_` only")
            continue
        for rule in route.rules:
            if len(rule.name) > RULE_MAX:
                budget = RULE_MAX - (len(rule.name) - len(route.name))
                yield diag(
                    topo, "E602",
                    f"rule name `{rule.name}` is {len(rule.name)} characters; EventBridge "
                    f"allows {RULE_MAX}",
                    route.origin, key=True, label="name too long",
                    help=f"shorten the route name to at most {max(budget, 1)} characters",
                )
            other = seen_rules.get(rule.name)
            if other is not None and other != route.name:
                other_span = topo.span(topo.routes[other].origin, key=True)
                yield diag(
                    topo, "E602",
                    f"route `{route.name}` and route `{other}` both compile to rule "
                    f"`{rule.name}`",
                    route.origin, key=True, label="rule name taken",
                    help="a route with more than 5 consumers is split into rules named "
                    "`<route>-2`, `<route>-3`...: rename one of the routes",
                    related=(Related(other_span, "the other route"),) if other_span else (),
                )
            seen_rules.setdefault(rule.name, route.name)
    for event in topo.events.values():
        name = event.name
        if not _printable(name) or len(name) > DETAIL_TYPE_MAX or not name.strip():
            yield diag(
                topo, "E605", f"event type `{event.name}` is not a valid detail-type",
                event.origin, key=True, label="invalid detail-type",
                help=f"1-{DETAIL_TYPE_MAX} printable characters, not only spaces",
            )


def teams(topo: Topology) -> Iterator[Diagnostic]:
    # a consumer's alarms, and a forwarded bus's forward DLQ alarm, go to its team's topic
    alerted = [(e.team, e.origin, topo.alarm_topic(e)) for e in topo.consumers.values()]
    alerted += [(b.team, b.origin, topo.forward_topic(b)) for b in topo.forwarded]
    for team, origin, topic in alerted:
        if not NAME.fullmatch(team):
            yield diag(topo, "E601", f"team `{team}` is not usable in an SNS topic name",
                       origin, "team", label="invalid team name", help=_CHARSET_HELP)
        elif topic is None and len(topo.team_topic(team)) > TOPIC_MAX:
            yield diag(topo, "E602", f"the alarm topic name of team `{team}` is too long",
                       origin, "team", label="name too long",
                       help=f"SNS topic names have at most {TOPIC_MAX} characters")
    for p in topo.producers.values():
        if p.team is not None and not NAME.fullmatch(p.team):
            yield diag(topo, "E601", f"team `{p.team}` is not a valid team name", p.origin,
                       "team", label="invalid team name", help=_CHARSET_HELP)

def bus(topo: Topology) -> Iterator[Diagnostic]:
    b = topo.bus
    where = ("name",) if b.origin is not None else ()
    system_ok = all(NAME.fullmatch(v) for v in (topo.name, topo.environment) if v is not None)
    if b.name == names.bus(topo.prefix) and not system_ok:
        pass  # named after the system: its E601 says it all
    elif b.name == "default":
        yield diag(topo, "E604", "the bus name `default` is reserved for the default bus",
                   b.origin, *where, label="reserved name",
                   help="name the custom bus, e.g. `<system>-events`")
    elif not BUS_NAME.fullmatch(b.name) or len(b.name) > BUS_MAX:
        yield diag(topo, "E604", f"`{b.name}` is not a valid event bus name", b.origin, *where,
                   label="invalid bus name",
                   help=f"1-{BUS_MAX} letters, digits, `.`, `-` and `_`")
    if topo.archive is not None and len(topo.archive) > ARCHIVE_MAX:
        yield diag(topo, "E602",
                   f"archive name `{topo.archive}` is longer than {ARCHIVE_MAX} characters",
                   b.origin, "archive_days", label="name too long",
                   help="shorten the system name or environment")
    table = topo.idempotency_table
    if table is not None and len(table) > TABLE_MAX:
        yield diag(topo, "E602", "the idempotency table name is too long",
                   topo.setting_origins.get("name"), label="name too long",
                   help=f"DynamoDB table names have at most {TABLE_MAX} characters")
    for role, needed, why in (
            (names.delivery_role(topo.prefix), bool(policies.remote_consumers(topo)),
             "the rules send to the queues of other accounts as this role"),
            (names.forwarding_role(topo.prefix), bool(topo.forwarded),
             "the rules forward to the buses of other domains as this role")):
        if needed and system_ok and len(role) > ROLE_MAX:
            yield diag(topo, "E602", f"IAM role name `{role}` is {len(role)} characters; IAM "
                       f"allows {ROLE_MAX}", topo.setting_origins.get("name"),
                       label="name too long",
                       help=f"{why}: shorten the system name or environment by "
                       f"{len(role) - ROLE_MAX} characters")
    total = sum(len(r.rules) for r in topo.routes.values())
    if total > RULES_PER_BUS:
        yield diag(topo, "W608", f"the topology compiles to {total} rules on one bus; the "
                   f"default quota is {RULES_PER_BUS}", topo.setting_origins.get("name"),
                   label="many rules", help="request a quota increase before applying")


def producers(topo: Topology) -> Iterator[Diagnostic]:
    for p in topo.producers.values():
        if not _printable(p.source) or len(p.source) > SOURCE_MAX:
            yield diag(topo, "E606", f"`{p.source}` is not a valid event source", p.origin,
                       "source", label="invalid source",
                       help=f"1-{SOURCE_MAX} printable characters")
        elif p.source.startswith("aws."):
            yield diag(topo, "E606", f"source `{p.source}` is reserved for AWS services",
                       p.origin, "source", label="reserved prefix",
                       help="AWS service events arrive only on the default bus; use your own "
                       "reverse-DNS source, e.g. `com.example.orders`")
        for i, principal in enumerate(p.principals):
            if not IAM_PRINCIPAL.fullmatch(principal):
                yield diag(topo, "E607", f"`{principal}` is not an IAM principal", p.origin,
                           "principals", i, label="not a principal",
                           help="give a 12-digit account id or an IAM role/user ARN, e.g. "
                           "`arn:aws:iam::111111111111:role/orders-api`")


def consumer_refs(topo: Topology) -> Iterator[Diagnostic]:
    for c in topo.consumers.values():
        notify = c.alarms.notify
        if notify is not None and not SNS_ARN.fullmatch(notify):
            origin = c.alarms.origins.get("notify")
            yield diag(topo, "E607", f"`{notify}` is not an SNS topic ARN", origin,
                       label="not an SNS topic ARN",
                       help="e.g. `arn:aws:sns:us-east-1:123456789012:team-oncall`")
        if c.lambda_ is not None:
            if not FUNCTION.fullmatch(c.lambda_.function):
                yield diag(topo, "E607", f"`{c.lambda_.function}` is not a Lambda function name "
                           "or ARN", c.origin, "lambda", "function", label="invalid function",
                           help="a function name (letters, digits, `-`, `_`) or its ARN")
            if c.lambda_.role is not None and not ROLE.fullmatch(c.lambda_.role):
                yield diag(topo, "E607", f"`{c.lambda_.role}` is not an IAM role name or ARN",
                           c.origin, "lambda", "role", label="invalid role")
        if c.container is not None and not ROLE.fullmatch(c.container.role):
            yield diag(topo, "E607", f"`{c.container.role}` is not an IAM role name or ARN",
                       c.origin, "container", "role", label="invalid role",
                       help="e.g. `arn:aws:iam::123456789012:role/worker` or `worker`")


def tags(topo: Topology) -> Iterator[Diagnostic]:
    for key, value in topo.tags.items():
        origin = topo.tag_origins.get(key)
        if not 1 <= len(key) <= 128 or not TAG_TEXT.fullmatch(key):
            yield diag(topo, "E603", f"tag key `{key}` is not valid", origin, key=True,
                       label="invalid tag key",
                       help="1-128 letters, digits, spaces and `_ . : / = + - @`")
        elif key.lower().startswith("aws:"):
            yield diag(topo, "E603", f"tag key `{key}` uses the reserved `aws:` prefix", origin,
                       key=True, label="reserved prefix", help="remove the `aws:` prefix")
        if len(value) > 256 or not TAG_TEXT.fullmatch(value):
            yield diag(topo, "E603", f"the value of tag `{key}` is not valid", origin,
                       label="invalid tag value",
                       help="0-256 letters, digits, spaces and `_ . : / = + - @`")


CHECKS = (system_names, element_names, statement_ids, teams, bus, producers, consumer_refs,
          tags)
