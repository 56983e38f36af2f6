"""Merge the files of a topology, resolve names and settings, and build the IR.

Diagnostics here are the ones that need several files at once: names defined twice, system
settings given twice, references to unknown names, and the shape rules that span fields
(a consumer is lambda XOR container, a route has events XOR pattern). Event schemas come in
as text (`edac.core.schemas` says which files, parses and checks them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from edac.core import defaults as builtin
from edac.core import environments as envs
from edac.core import ir, names
from edac.core.diagnostics import Diagnostic, Related, Severity, Span
from edac.core.load import did_you_mean
from edac.core.schemas import SchemaText, parse_schema, schema_path
from edac.core.source import SourceFile
from edac.core.spans import Path_, SpanMap
from edac.core.spec import (
    AlarmsSpec,
    ConsumerSpec,
    EventSpec,
    FileSpec,
    ForwardBusSpec,
    ProducerSpec,
    QueueSpec,
    RetrySpec,
    RouteSpec,
    TeamSpec,
)
from edac.patterns import validate_pattern

_KINDS = ("teams", "producers", "events", "consumers", "routes", "buses")
_SYSTEM = ("environment", "environments", "accounts", "tags", "bus", "defaults")


@dataclass
class _Collector:
    spans: dict[str, SpanMap]
    schemas: dict[str, SchemaText] = field(default_factory=dict)
    trusted: AbstractSet[str] = frozenset()
    diagnostics: list[Diagnostic] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)  # schema texts found valid here

    def span(self, file: str, path: Path_, key: bool = False) -> Span:
        spans = self.spans[file]
        found = spans.key(path) if key else spans.value(path)
        return found or Span.file_start(file)

    def error(
        self,
        code: str,
        message: str,
        file: str,
        path: Path_,
        label: str = "",
        help: str | None = None,
        key: bool = False,
        related: tuple[Related, ...] = (),
    ) -> None:
        self.diagnostics.append(
            Diagnostic(code, Severity.ERROR, message, self.span(file, path, key), label, help,
                       related)
        )


@dataclass(frozen=True)
class Resolved:
    topology: ir.Topology | None
    diagnostics: list[Diagnostic]
    # schema texts found valid by this run's meta-schema checks (to remember across runs)
    checked_schemas: tuple[str, ...] = ()


def resolve(files: list[tuple[SourceFile, FileSpec]],
            schemas: Mapping[str, SchemaText] | None = None,
            trusted: AbstractSet[str] = frozenset(),
            splits: Mapping[str, Sequence[Sequence[str]]] | None = None,
            environment: str | None = None) -> Resolved:
    """The IR of the validated files. `schemas`: the text of every file `schema_paths` names;
    `trusted`: schema texts already known to be valid JSON Schemas (not checked again);
    `splits`: the rule split the lock recorded (route's first name -> the first names of the
    consumers of each of its rules), kept so that no target moves to another rule."""
    col = _Collector({src.path: src.spans for src, _ in files},
                     schemas=dict(schemas or {}), trusted=trusted)
    system = _system_settings(files, col)
    elements = _collect_elements(files, col)
    if system is None:
        return Resolved(None, col.diagnostics, tuple(col.checked))
    (name, default_env, tags, tag_origins, bus_spec, defaults, setting_origins,
     declared_envs) = system
    declared: dict[str, tuple[str | None, ir.Origin]] = {}
    overlay = None
    if declared_envs is not None:
        env_specs, env_file = declared_envs
        declared = {n: (e.account, ir.Origin(env_file, ("environments", n)))
                    for n, e in env_specs.items()}
        if default_env is not None and default_env not in env_specs and env_specs:
            guess = did_you_mean(default_env, set(env_specs))
            origin = setting_origins["environment"]
            col.error("E743", f"`environment: {default_env}` is not one of the declared "
                      "environments", origin.file, origin.path, "not under `environments:`",
                      help=f"did you mean `{guess}`?" if guess else
                      "name the environment compiled when no --environment is given, or "
                      "declare it under `environments:`")
        chosen = environment if environment is not None else default_env
        if chosen is not None and chosen in env_specs:
            overlay = envs.Overlay(chosen, env_specs[chosen], declared[chosen][1])
            _check_overlay(overlay, elements, col)
            tags, tag_origins, bus_spec, defaults = _lay_system(
                overlay, tags, tag_origins, bus_spec, defaults, env_file)
            _lay_elements(overlay, elements)
    elif environment is not None and environment != default_env:
        # the API refuses this before (E904): no environments declared
        col.error("E743", f"the topology declares no environment `{environment}`",
                  sorted(col.spans)[0], (), "no `environments:`")
    environment = overlay.name if overlay is not None else default_env
    prefix = names.prefix(name, environment)
    accounts = _accounts(files, overlay)

    teams = {
        n: ir.Team(n, spec.description,
                   tuple(spec.alerts.email) if spec.alerts else (),
                   tuple(spec.alerts.https) if spec.alerts else (),
                   spec.alerts.topic if spec.alerts else None, origin)
        for n, (spec, origin) in elements.teams.items()
    }
    producers = {
        n: ir.Producer(n, spec.source, spec.team, tuple(spec.principals), spec.description, origin,
                       spec.organization, spec.account)
        for n, (spec, origin) in elements.producers.items()
    }
    events = _resolve_events(elements.events, producers, col)
    consumers = _resolve_consumers(elements.consumers, defaults, prefix, col)
    buses = {
        n: ir.ForwardBus(n, spec.name, spec.account, spec.region,
                         spec.team or builtin.DEFAULT_TEAM, spec.description,
                         names.forward_dlq(prefix, n), origin)
        for n, (spec, origin) in elements.buses.items()
    }
    routes = _resolve_routes(elements.routes, events, producers, consumers, buses, defaults,
                             prefix, col, splits or {})

    bus_origin = None
    bus_name = names.bus(prefix)
    archive_days = policy_quota = None
    if bus_spec is not None:
        spec_b, bus_origin = bus_spec
        bus_name = spec_b.name if spec_b.name is not None else bus_name
        archive_days = spec_b.archive_days
        # (an environment's `bus:` alone is an EnvironmentBusSpec, which has no quota)
        policy_quota = getattr(spec_b, "policy_quota", None)
    topology = ir.Topology(
        name=name,
        environment=environment,
        prefix=prefix,
        tags=tags,
        bus=ir.Bus(bus_name, archive_days, bus_origin, policy_quota),
        producers=dict(sorted(producers.items())),
        events=dict(sorted(events.items())),
        consumers=dict(sorted(consumers.items())),
        routes=dict(sorted(routes.items())),
        buses=dict(sorted(buses.items())),
        files=tuple(sorted(src.path for src, _ in files)),
        spans=col.spans,
        tag_origins=tag_origins,
        setting_origins=setting_origins,
        declared_teams=dict(sorted(teams.items())),
        account=overlay.spec.account if overlay is not None else None,
        region=overlay.spec.region if overlay is not None else None,
        environments=declared,
        overrides=overlay.overrides if overlay is not None else {},
        accounts=accounts,
    )
    return Resolved(topology, col.diagnostics, tuple(col.checked))


def _accounts(files: list[tuple[SourceFile, FileSpec]],
              overlay: envs.Overlay | None) -> dict[str, tuple[str, ir.Origin]]:
    """The named accounts: name -> (account id, where it is written), the compiled
    environment's ids over the topology's (`accounts:` is given in one file: E205)."""
    found: dict[str, tuple[str, ir.Origin]] = {}
    for src, spec in sorted(files, key=lambda f: f[0].path):
        for alias, account in (spec.accounts or {}).items():
            found.setdefault(alias, (account, ir.Origin(src.path, ("accounts", alias))))
    if overlay is not None:
        for alias, account in (overlay.spec.accounts or {}).items():
            found[alias] = (account, overlay.at("accounts", alias))
    return dict(sorted(found.items()))


# ---------------------------------------------------------------------------------------------
# system settings


_System = tuple[
    str,
    str | None,
    dict[str, str],
    dict[str, ir.Origin],
    Any,
    dict[str, tuple[Any, ir.Origin]],
    dict[str, ir.Origin],
    Any,  # (the environments' specs, the file declaring them) or None
]


def _system_settings(files: list[tuple[SourceFile, FileSpec]], col: _Collector) -> _System | None:
    first_name: tuple[str, str] | None = None  # (value, file)
    given: dict[str, tuple[Any, str]] = {}
    ordered = sorted(files, key=lambda f: f[0].path)
    # when files disagree, the name most of them give is taken as meant (ties: the first
    # file's), and the others are the ones reported
    votes = Counter(spec.name for _, spec in ordered if spec.name is not None)
    if votes:
        meant = max(votes, key=lambda name: votes[name])  # first of the most given
        first_name = next((spec.name, src.path) for src, spec in ordered if spec.name == meant)
    for src, spec in ordered:
        if spec.name is not None:
            assert first_name is not None
            if spec.name != first_name[0]:
                col.error(
                    "E206",
                    f"this file belongs to system `{spec.name}`, but "
                    f"`{first_name[1]}` says `{first_name[0]}`",
                    src.path,
                    ("name",),
                    "a different system name",
                    help=f"use `name: {first_name[0]}` or remove `name:` from this file",
                    related=(Related(col.span(first_name[1], ("name",)), "first given here"),),
                )
        for key in _SYSTEM:
            value = getattr(spec, key)
            if value is None:
                continue
            if key in given:
                other = given[key][1]
                col.error(
                    "E205",
                    f"`{key}` is given in several files",
                    src.path,
                    (key,),
                    "given again here",
                    help=f"keep `{key}:` in one file of the topology",
                    key=True,
                    related=(Related(col.span(other, (key,), key=True), "first given here"),),
                )
            else:
                given[key] = (value, src.path)
    if first_name is None:
        where = sorted(src.path for src, _ in files)[0] if files else "<topology>"
        col.diagnostics.append(
            Diagnostic(
                "E207",
                Severity.ERROR,
                "the system has no `name`",
                Span.file_start(where),
                "`name:` is missing",
                help="add `name: <system>` (it prefixes every AWS resource name) to one file",
            )
        )
        return None
    env = given.get("environment")
    tags_given = given.get("tags")
    tag_origins = {}
    if tags_given is not None:
        tag_origins = {k: ir.Origin(tags_given[1], ("tags", k)) for k in tags_given[0]}
    bus = given.get("bus")
    defaults: dict[str, tuple[Any, ir.Origin]] = {}
    if "defaults" in given:
        spec_d, file_d = given["defaults"]
        for part in ("queue", "alarms", "retry"):
            value = getattr(spec_d, part)
            if value is not None:
                defaults[part] = (value, ir.Origin(file_d, ("defaults", part)))
    setting_origins = {"name": ir.Origin(first_name[1], ("name",))}
    if env:
        setting_origins["environment"] = ir.Origin(env[1], ("environment",))
    return (
        first_name[0],
        env[0] if env else None,
        dict(tags_given[0]) if tags_given else {},
        tag_origins,
        (bus[0], ir.Origin(bus[1], ("bus",))) if bus else None,
        defaults,
        setting_origins,
        given.get("environments"),
    )


# ---------------------------------------------------------------------------------------------
# the compiled environment


def _check_overlay(overlay: envs.Overlay, elements: _Elements, col: _Collector) -> None:
    def report(code: str, message: str, file: str, path: Path_, label: str,
               help_text: str | None) -> None:
        col.error(code, message, file, path, label, help=help_text, key=True)

    known = {kind: set(getattr(elements, kind)) for kind in
             ("teams", "producers", "consumers", "routes", "buses")}
    envs.unknown_names(overlay, known, report)
    kinds = {n: "lambda" if spec.lambda_ is not None else "container"
             for n, (spec, _) in elements.consumers.items()}
    envs.fixed_settings(overlay, kinds, report)


def _lay_system(overlay: envs.Overlay, tags: dict[str, str], tag_origins: dict[str, ir.Origin],
                bus_spec: Any, defaults: dict[str, tuple[Any, ir.Origin]],
                env_file: str) -> tuple[dict[str, str], dict[str, ir.Origin], Any,
                                        dict[str, tuple[Any, ir.Origin]]]:
    spec = overlay.spec
    if spec.tags:
        tags = {**tags, **spec.tags}
        tag_origins = {**tag_origins,
                       **{k: overlay.at("tags", k) for k in spec.tags}}
    if spec.bus is not None:
        base, origin = bus_spec if bus_spec is not None else (None, ir.Origin(env_file, ("bus",)))
        bus_spec = (overlay.lay(base, origin, spec.bus, overlay.at("bus")), origin)
    if spec.defaults is not None:
        defaults = dict(defaults)
        for part in ("queue", "alarms", "retry"):
            over = getattr(spec.defaults, part)
            if over is None:
                continue
            base, origin = defaults.get(part, (None, ir.Origin(env_file, ("defaults", part))))
            defaults[part] = (overlay.lay(base, origin, over, overlay.at("defaults", part)),
                              origin)
    return tags, tag_origins, bus_spec, defaults


def _lay_elements(overlay: envs.Overlay, elements: _Elements) -> None:
    spec = overlay.spec
    for name, over in spec.teams.items():
        if name in elements.teams and over.alerts is not None:
            team, origin = elements.teams[name]
            # a team's alerts are replaced whole: subscriptions and a topic never mix
            overlay.overrides[(origin.file, origin.path + ("alerts",))] = overlay.at(
                "teams", name, "alerts")
            elements.teams[name] = (team.model_copy(update={"alerts": over.alerts}), origin)
    for kind in ("producers", "consumers", "routes", "buses"):
        table: dict[str, tuple[Any, ir.Origin]] = getattr(elements, kind)
        for name, given in getattr(spec, kind).items():
            if name in table:
                base, origin = table[name]
                over = envs.same_kind(given, base) if kind == "consumers" else given
                table[name] = (overlay.lay(base, origin, over, overlay.at(kind, name)), origin)


# ---------------------------------------------------------------------------------------------
# elements


@dataclass
class _Elements:
    teams: dict[str, tuple[TeamSpec, ir.Origin]] = field(default_factory=dict)
    producers: dict[str, tuple[ProducerSpec, ir.Origin]] = field(default_factory=dict)
    events: dict[str, tuple[EventSpec, ir.Origin]] = field(default_factory=dict)
    consumers: dict[str, tuple[ConsumerSpec, ir.Origin]] = field(default_factory=dict)
    routes: dict[str, tuple[RouteSpec, ir.Origin]] = field(default_factory=dict)
    buses: dict[str, tuple[ForwardBusSpec, ir.Origin]] = field(default_factory=dict)


_SINGULAR = {"teams": "team", "producers": "producer", "events": "event type",
             "consumers": "consumer", "routes": "route", "buses": "bus"}


def _collect_elements(files: list[tuple[SourceFile, FileSpec]], col: _Collector) -> _Elements:
    out = _Elements()
    for src, spec in sorted(files, key=lambda f: f[0].path):
        for kind in _KINDS:
            table: dict[str, tuple[Any, ir.Origin]] = getattr(out, kind)
            for name, element in getattr(spec, kind).items():
                origin = ir.Origin(src.path, (kind, name))
                if name in table:
                    first = table[name][1]
                    col.error(
                        "E204",
                        f"{_SINGULAR[kind]} `{name}` is defined twice",
                        src.path,
                        origin.path,
                        "defined again here",
                        help="names are global across the files of a topology: rename or "
                        "remove one",
                        key=True,
                        related=(Related(col.span(first.file, first.path, key=True),
                                         "first defined here"),),
                    )
                    continue
                table[name] = (element, origin)
    return out


def _resolve_events(
    specs: dict[str, tuple[EventSpec, ir.Origin]],
    producers: dict[str, ir.Producer],
    col: _Collector,
) -> dict[str, ir.EventType]:
    out = {}
    for name, (spec, origin) in specs.items():
        if spec.producer not in producers:
            guess = did_you_mean(spec.producer, set(producers))
            col.error(
                "E203",
                f"event type `{name}` names unknown producer `{spec.producer}`",
                origin.file,
                origin.path + ("producer",),
                "not declared under `producers:`",
                help=f"did you mean `{guess}`?" if guess else "declare it under `producers:`",
            )
        schema_file, schema = None, None
        if spec.schema_ is not None:
            schema_file, schema = _load_schema(spec.schema_, origin, col)
        out[name] = ir.EventType(name, spec.producer, schema_file, spec.schema_, schema,
                                 spec.description,
                                 spec.unconsumed, origin)
    return out


def _load_schema(
    relative: str, origin: ir.Origin, col: _Collector
) -> tuple[str | None, dict[str, Any] | None]:
    path = schema_path(origin.file, relative)
    text = col.schemas.get(path)
    schema, problem = parse_schema(path, text, checked=text in col.trusted or text in col.checked)
    if problem is not None:
        code, message = problem
        col.error(code, message, origin.file, origin.path + ("schema",), "schema file here",
                  help="the path is relative to this topology file" if code == "E301" else None)
        return path, None
    if isinstance(text, str) and text not in col.trusted and text not in col.checked:
        col.checked.append(text)
    return path, schema


def _merge(
    model: type[Any],
    layers: list[tuple[Any, ir.Origin]],
) -> tuple[dict[str, Any], dict[str, ir.Origin]]:
    """Merge optional settings; later layers win. Returns values and the origin of each."""
    values: dict[str, Any] = {}
    origins: dict[str, ir.Origin] = {}
    for spec, origin in layers:
        for name in model.model_fields:
            value = getattr(spec, name)
            if value is not None:
                values[name] = value
                origins[name] = ir.Origin(origin.file, origin.path + (name,))
    return values, origins


def _resolve_consumers(
    specs: dict[str, tuple[ConsumerSpec, ir.Origin]],
    defaults: dict[str, tuple[Any, ir.Origin]],
    prefix: str,
    col: _Collector,
) -> dict[str, ir.Consumer]:
    out = {}
    for name, (spec, origin) in specs.items():
        if (spec.lambda_ is None) == (spec.container is None):
            both = spec.lambda_ is not None
            col.error(
                "E107",
                f"consumer `{name}` has both `lambda` and `container`" if both
                else f"consumer `{name}` has neither `lambda` nor `container`",
                origin.file,
                origin.path + ("container",) if both else origin.path,
                "choose one" if both else "a consumer is a Lambda function or a container",
                help="keep exactly one of `lambda: {function: ...}` or `container: {role: ...}`",
                key=True,
            )
        queue_layers = [defaults["queue"]] if "queue" in defaults else []
        if spec.queue is not None:
            queue_layers.append((spec.queue, ir.Origin(origin.file, origin.path + ("queue",))))
        q, q_origins = _merge(QueueSpec, queue_layers)
        fifo = bool(q.get("fifo", builtin.FIFO))
        queue = ir.QueueSettings(
            visibility_timeout=q.get("visibility_timeout", builtin.VISIBILITY_TIMEOUT),
            retention=q.get("retention", builtin.RETENTION),
            max_receive_count=q.get("max_receive_count", builtin.MAX_RECEIVE_COUNT),
            dlq_retention=q.get("dlq_retention", builtin.DLQ_RETENTION),
            fifo=fifo,
            message_group=q.get("message_group", name if fifo else None),
            delay=q.get("delay", builtin.DELAY),
            max_message_size=q.get("max_message_size", builtin.MAX_MESSAGE_SIZE),
            receive_wait=q.get("receive_wait", builtin.RECEIVE_WAIT),
            kms_key=q.get("kms_key"),
            origins=q_origins,
        )
        alarm_layers = [defaults["alarms"]] if "alarms" in defaults else []
        if spec.alarms is not None:
            alarm_layers.append((spec.alarms, ir.Origin(origin.file, origin.path + ("alarms",))))
        a, a_origins = _merge(AlarmsSpec, alarm_layers)
        alarms = ir.AlarmSettings(
            oldest_message_age=a.get("oldest_message_age", builtin.OLDEST_MESSAGE_AGE),
            notify=a.get("notify"),
            origins=a_origins,
        )
        lam = None
        if spec.lambda_ is not None:
            s = spec.lambda_
            lam = ir.LambdaSettings(s.function, s.timeout, s.batch_size, s.batching_window,
                                    s.max_concurrency, s.role)
        container = ir.ContainerSettings(spec.container.role) if spec.container else None
        ttl = None
        if spec.idempotency is True:
            ttl = builtin.IDEMPOTENCY_TTL
        elif not isinstance(spec.idempotency, bool):
            ttl = spec.idempotency.ttl
        out[name] = ir.Consumer(
            name=name,
            team=spec.team or builtin.DEFAULT_TEAM,
            description=spec.description,
            lambda_=lam,
            container=container,
            idempotency_ttl=ttl,
            queue=queue,
            alarms=alarms,
            previously=tuple(spec.previously),
            queues=names.queues(prefix, name, tuple(spec.previously), fifo),
            origin=origin,
            account=spec.account,
        )
    return out


def _resolve_routes(
    specs: dict[str, tuple[RouteSpec, ir.Origin]],
    events: dict[str, ir.EventType],
    producers: dict[str, ir.Producer],
    consumers: dict[str, ir.Consumer],
    buses: dict[str, ir.ForwardBus],
    defaults: dict[str, tuple[Any, ir.Origin]],
    prefix: str,
    col: _Collector,
    splits: Mapping[str, Sequence[Sequence[str]]],
) -> dict[str, ir.Route]:
    out = {}
    for name, (spec, origin) in specs.items():
        ok = True
        if spec.events is None and spec.pattern is None:
            col.error("E108", f"route `{name}` selects no events", origin.file, origin.path,
                      "needs `events` or `pattern`",
                      help="add `events: [EventType, ...]` or a raw `pattern: {...}`", key=True)
            ok = False
        elif spec.events is not None and spec.pattern is not None:
            col.error("E108", f"route `{name}` has both `events` and `pattern`", origin.file,
                      origin.path + ("pattern",), "remove one",
                      help="use `events` (+ `filter`) or a raw `pattern`, not both", key=True)
            ok = False
        elif spec.filter is not None and spec.pattern is not None:
            col.error("E108", f"route `{name}` has `filter` with a raw `pattern`", origin.file,
                      origin.path + ("filter",), "`filter` only goes with `events`",
                      help="move the filter into the pattern under `detail:`", key=True)
            ok = False
        for i, event in enumerate(spec.events or []):
            if event not in events:
                guess = did_you_mean(event, set(events))
                col.error(
                    "E202",
                    f"route `{name}` takes unknown event type `{event}`",
                    origin.file,
                    origin.path + ("events", i),
                    "not declared under `events:`",
                    help=f"did you mean `{guess}`?" if guess else "declare it under `events:`",
                )
                ok = False
        for i, target in enumerate(spec.to):
            if target not in consumers:
                guess = did_you_mean(target, set(consumers))
                col.error(
                    "E201",
                    f"route `{name}` targets unknown consumer `{target}`",
                    origin.file,
                    origin.path + ("to", i),
                    "not declared under `consumers:`",
                    help=f"did you mean `{guess}`?" if guess else "declare it under `consumers:`",
                )
                ok = False
        for i, target in enumerate(spec.forward):
            if target not in buses:
                guess = did_you_mean(target, set(buses))
                col.error("E209", f"route `{name}` forwards to unknown bus `{target}`",
                          origin.file, origin.path + ("forward", i), "not declared under "
                          "`buses:`", help=f"did you mean `{guess}`?" if guess else
                          "declare it under `buses:` (its `name`, and `account:` when it is "
                          "in another account)")
                ok = False
        retry_layers = [defaults["retry"]] if "retry" in defaults else []
        if spec.retry is not None:
            retry_layers.append((spec.retry, ir.Origin(origin.file, origin.path + ("retry",))))
        r, _ = _merge(RetrySpec, retry_layers)
        retry = ir.Retry(r.get("attempts", builtin.RETRY_ATTEMPTS),
                         r.get("max_age", builtin.RETRY_MAX_AGE))
        targets = tuple(dict.fromkeys(spec.to))
        forward = tuple(dict.fromkeys(spec.forward))
        event_names = tuple(dict.fromkeys(spec.events or ()))
        rules: tuple[ir.Rule, ...] = ()
        problems: tuple[Any, ...] = ()
        if ok:
            pattern = (
                spec.pattern
                if spec.pattern is not None
                else build_pattern(event_names, spec.filter, events, producers)
            )
            first = names.oldest(name, tuple(spec.previously))
            ids = {t: consumers[t].target_id for t in targets}
            ids |= {names.forward_target(b): names.forward_target(b) for b in forward}
            parts = assign_targets(targets + tuple(names.forward_target(b) for b in forward),
                                   ids, splits.get(first, ()))
            rules = split_rules(prefix, name, first, pattern, parts)
            problems = tuple(validate_pattern(pattern))
        out[name] = ir.Route(
            name=name,
            description=spec.description,
            events=event_names,
            filter=spec.filter,
            raw_pattern=spec.pattern,
            to=targets,
            forward=forward,
            retry=retry,
            previously=tuple(spec.previously),
            rules=rules,
            origin=origin,
            pattern_problems=problems,
        )
    return out


def build_pattern(
    event_names: tuple[str, ...],
    filter_: dict[str, Any] | None,
    events: dict[str, ir.EventType],
    producers: dict[str, ir.Producer],
) -> dict[str, Any]:
    """The pattern of an `events` route: each producer's source with only its own detail-types
    (one `$or` branch per source, so no cross-combinations), plus the filter under `detail`."""
    by_source: dict[str, list[str]] = {}
    for name in event_names:
        producer = producers.get(events[name].producer)
        source = producer.source if producer else ""
        by_source.setdefault(source, []).append(name)
    branches = [{"source": [s], "detail-type": dts} for s, dts in by_source.items()]
    pattern: dict[str, Any]
    pattern = dict(branches[0]) if len(branches) == 1 else {"$or": branches}
    if filter_:
        pattern["detail"] = filter_
    return pattern


def assign_targets(targets: tuple[str, ...], ids: Mapping[str, str],
                   previous: Sequence[Sequence[str]]) -> list[tuple[str, ...]]:
    """The targets of each rule of a route (parts in rule order; an empty part has no rule).

    Each target stays in the part the lock recorded for it (by its first name, `ids`), so
    that reordering `to:` or adding and removing consumers never moves a target to another
    rule; the others fill the first parts with room (at most 5 targets each) in the order of
    `to:`. Without a record, that is the order of `to:` in groups of 5."""
    size = builtin.MAX_TARGETS_PER_RULE
    by_id = {ids[t]: t for t in targets}
    parts = [[by_id[i] for i in part if i in by_id] for part in previous]
    placed = {t for part in parts for t in part}
    for target in targets:
        if target in placed:
            continue
        home = next((part for part in parts if len(part) < size), None)
        if home is None:
            home = []
            parts.append(home)
        home.append(target)
    while parts and not parts[-1]:
        parts.pop()
    return [tuple(sorted(part)) for part in parts]


def split_rules(
    prefix: str, route: str, aws_name: str, pattern: dict[str, Any],
    parts: Sequence[tuple[str, ...]],
) -> tuple[ir.Rule, ...]:
    """A rule per non-empty part (see `assign_targets`), named by its part number.
    `aws_name` is the route's oldest name: a renamed route keeps its rules."""
    rules = []
    for n, part in enumerate(parts, start=1):
        if part:
            buses = tuple(b for t in part if (b := names.forwarded_bus(t)) is not None)
            rules.append(ir.Rule(names.rule(prefix, aws_name, n), route + names.rule_suffix(n),
                                 pattern, tuple(t for t in part if names.forwarded_bus(t) is None),
                                 buses))
    return tuple(rules)
