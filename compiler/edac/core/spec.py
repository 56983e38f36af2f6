"""The topology format, version 1: pydantic models of the YAML surface of ONE file.

These models check shape, types and ranges. Everything that needs the whole topology (names,
references, merged settings, AWS name lengths) happens later, in `resolve` and `checks`.
The JSON Schema in schemas/ is generated from these models (`edac schema`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
DURATION_PATTERN = r"^\d+[smhd]?$"


def parse_duration(value: Any) -> Any:
    """`30s`, `5m`, `4d`, `1h` or plain seconds -> seconds; anything else is left for pydantic."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or text like `30s`, `5m`, `1h`, `4d`")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            return int(match.group(1)) * _UNITS[match.group(2)]
        raise ValueError(
            f"`{value}` is not a duration: write seconds (`90`) or a number with a unit "
            "`s`, `m`, `h` or `d` (`30s`, `5m`, `1h`, `4d`)"
        )
    raise ValueError("a duration is a number of seconds or text like `30s`, `5m`, `1h`, `4d`")


def _seconds(ge: int, le: int | None = None) -> WithJsonSchema:
    bounds: dict[str, int] = {"minimum": ge}
    if le is not None:
        bounds["maximum"] = le
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", **bounds},
                {"type": "string", "pattern": DURATION_PATTERN},
            ],
        }
    )


_AS_SECONDS = BeforeValidator(parse_duration)
# Durations: `30s`, `5m`, `1h`, `4d` or plain seconds, held as seconds, with their AWS ranges.
Visibility = Annotated[int, _AS_SECONDS, Field(ge=0, le=43_200), _seconds(0, 43_200)]
Retention = Annotated[int, _AS_SECONDS, Field(ge=60, le=1_209_600), _seconds(60, 1_209_600)]
Delay = Annotated[int, _AS_SECONDS, Field(ge=0, le=900), _seconds(0, 900)]
ReceiveWait = Annotated[int, _AS_SECONDS, Field(ge=0, le=20), _seconds(0, 20)]
# The AWS APIs take these as 32-bit integers (a 4,000-digit value once reached bus.tf)
INT32_MAX = 2_147_483_647
AtLeastAMinute = Annotated[int, _AS_SECONDS, Field(ge=60, le=INT32_MAX), _seconds(60, INT32_MAX)]
EventAge = Annotated[int, _AS_SECONDS, Field(ge=60, le=86_400), _seconds(60, 86_400)]
FunctionTimeout = Annotated[int, _AS_SECONDS, Field(ge=1, le=900), _seconds(1, 900)]
BatchingWindow = Annotated[int, _AS_SECONDS, Field(ge=0, le=300), _seconds(0, 300)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=False)


Text = Annotated[str, Field(min_length=1)]


class BusSpec(_Model):
    """The custom event bus."""

    name: str | None = Field(
        None, description="Bus name; derived from the system name and environment when absent"
    )
    archive_days: int | None = Field(
        None, ge=0, le=INT32_MAX, description="Archive every event for this many days "
        "(0 = forever); absent = no archive"
    )
    policy_quota: int | None = Field(
        None, ge=10_240, le=1_000_000, description="The account's raised quota of the bus "
        "policy size, in characters (default: AWS's 10,240)"
    )


class QueueSpec(_Model):
    """Settings of a consumer's SQS queue and its dead-letter queue (all optional)."""

    visibility_timeout: Visibility | None = Field(
        None, description="Visibility timeout of the queue"
    )
    retention: Retention | None = Field(None, description="Message retention of the queue")
    max_receive_count: int | None = Field(
        None, ge=1, le=1000, description="Receives before a message moves to the dead-letter queue"
    )
    dlq_retention: Retention | None = Field(
        None, description="Message retention of the dead-letter queue (longer than the queue's)"
    )
    fifo: bool | None = Field(None, description="A FIFO queue (name ends in .fifo)")
    message_group: str | None = Field(
        None,
        min_length=1,
        max_length=128,
        description="FIFO only: the message group id EventBridge sets (default: the consumer name)",
    )
    delay: Delay | None = Field(None, description="Delivery delay of every message")
    # SQS accepts 1 MiB since 2025, but the AWS provider pinned here (5.x) refuses more
    # than 256 KiB, so that is the limit a compiled topology can apply with.
    max_message_size: int | None = Field(
        None, ge=1024, le=262_144, description="Largest message accepted, in bytes"
    )
    receive_wait: ReceiveWait | None = Field(
        None, description="Long-polling wait of ReceiveMessage"
    )
    kms_key: str | None = Field(
        None,
        min_length=1,
        description="`create` for a customer-managed key made for this consumer's queues, or "
        "an existing key (ARN, alias ARN or `alias/...`) whose policy admits EventBridge; "
        "default: SSE-SQS",
    )


class AlarmsSpec(_Model):
    """CloudWatch alarms of a consumer."""

    oldest_message_age: AtLeastAMinute | None = Field(
        None, description="Alarm when the oldest queued message is older (the latency budget)"
    )
    notify: str | None = Field(
        None,
        description="SNS topic ARN for this consumer's alarms; default: a topic per team",
    )


class RetrySpec(_Model):
    """The EventBridge target retry policy (AWS's default is 185 attempts over 24 h)."""

    attempts: int | None = Field(None, ge=0, le=185, description="Maximum retry attempts")
    max_age: EventAge | None = Field(
        None, description="Maximum age before the event goes to the DLQ"
    )


class DefaultsSpec(_Model):
    """Settings applied to every consumer and route unless they set their own."""

    queue: QueueSpec | None = None
    alarms: AlarmsSpec | None = None
    retry: RetrySpec | None = None


class AlertsSpec(_Model):
    """Where a team's alarms are sent: subscriptions edac creates on the team's topic, or an
    existing topic used as it is."""

    email: list[Text] = Field(
        default_factory=list,
        description="Email addresses subscribed to the team's alarm topic (each confirms the "
        "subscription from the mail AWS sends; until then nothing is delivered)",
    )
    https: list[Text] = Field(
        default_factory=list,
        description="HTTPS endpoints subscribed to the team's alarm topic (an incident tool's "
        "integration URL; the endpoint confirms the subscription)",
    )
    topic: str | None = Field(
        None,
        min_length=1,
        description="An existing SNS topic ARN that receives the team's alarms instead of a "
        "topic made by edac",
    )


class TeamSpec(_Model):
    """A team that owns producers and consumers, and where its alarms go."""

    description: str | None = None
    alerts: AlertsSpec | None = Field(None, description="Where the team's alarms are sent")


class ProducerSpec(_Model):
    """A service that puts events on the bus."""

    source: Text = Field(description="The EventBridge `source` this producer emits")
    team: str | None = Field(None, description="Owning team")
    principals: list[Text] = Field(
        default_factory=list,
        description="IAM principals (ARNs or account ids) allowed to PutEvents with this source",
    )
    organization: str | None = Field(
        None, min_length=1,
        description="An AWS Organizations id (`o-...`): every principal of the organization may "
        "PutEvents with this source (one statement, whatever the number of accounts)",
    )
    account: str | None = Field(
        None, min_length=1, description="The account it runs in: a name declared under "
        "`accounts:` (default: the bus's account); its PutEvents policy is made there")
    description: str | None = None


class EventSpec(_Model):
    """An event type; its key is the EventBridge detail-type."""

    producer: Text = Field(description="The producer that emits this event")
    schema_: str | None = Field(
        None,
        alias="schema",
        description="JSON Schema file of the event's `detail`, relative to this file",
    )
    description: str | None = None
    unconsumed: bool = Field(False, description="No route takes this event, on purpose")


class LambdaSpec(_Model):
    """A Lambda function fed from the consumer's queue by an event source mapping."""

    function: Text = Field(description="Function name or ARN")
    timeout: FunctionTimeout = Field(
        3, description="The function's configured timeout (default 3s)"
    )
    batch_size: int = Field(10, ge=1, le=10_000, description="Messages per invocation")
    batching_window: BatchingWindow = Field(0, description="Maximum batching window")
    max_concurrency: int | None = Field(
        None, ge=2, le=1000, description="Maximum concurrent invocations from this queue"
    )
    role: str | None = Field(
        None,
        min_length=1,
        description="Role (name or ARN) that gets the consume policy; default: the function's",
    )


class ContainerSpec(_Model):
    """A long-running worker (ECS, EKS, EC2) polling the queue with an IAM role."""

    role: Text = Field(
        description="IAM role (name or ARN) that gets the consume policy. A role ARN in another "
        "account is let in by the queue policy instead; its account attaches the policy given "
        "in the `cross_account_role_policies` output"
    )


class IdempotencySpec(_Model):
    """Idempotency records in the shared DynamoDB table (Powertools layout)."""

    ttl: AtLeastAMinute = Field(3600, description="How long an idempotency record is kept")


class ConsumerSpec(_Model):
    """A service that consumes events from its own queue."""

    team: str | None = Field(None, description="Owning team (alarm topic, diagram group)")
    account: str | None = Field(
        None, min_length=1, description="The account its queues live in: a name declared "
        "under `accounts:` (default: the bus's account); the bus delivers to them there")
    description: str | None = None
    lambda_: LambdaSpec | None = Field(None, alias="lambda")
    container: ContainerSpec | None = None
    idempotency: bool | IdempotencySpec = Field(
        False, description="`true` or `{ttl: 24h}`: use the idempotency table"
    )
    queue: QueueSpec | None = None
    alarms: AlarmsSpec | None = None
    previously: list[Text] = Field(
        default_factory=list, description="Names this consumer had before (no queue is destroyed)"
    )


class ForwardBusSpec(_Model):
    """An event bus of another domain that routes forward events to (bus to bus). Its own
    rules take them from there; its policy must let this bus's forwarding role put them."""

    name: Text = Field(description="The receiving bus's name")
    account: str | None = Field(
        None, min_length=1, description="The account it is in: a name declared under "
        "`accounts:` (default: the bus's account)")
    region: str | None = Field(None, min_length=1,
                               description="The region it is in (default: the bus's)")
    team: str | None = Field(None, description="The team told when events cannot be "
                             "forwarded to it (the alarm on its dead-letter queue)")
    description: str | None = None


class RouteSpec(_Model):
    """Which events go to which consumers (and buses of other domains)."""

    model_config = ConfigDict(
        extra="forbid", strict=True, populate_by_name=False,
        # a route sends its events somewhere: to consumers, to buses, or both
        json_schema_extra={"anyOf": [
            {"required": ["to"], "properties": {"to": {"minItems": 1}}},
            {"required": ["forward"], "properties": {"forward": {"minItems": 1}}}]})

    description: str | None = Field(
        None, max_length=512, description="Description of the route's EventBridge rules"
    )
    events: list[Text] | None = Field(
        None, min_length=1, description="Event types (detail-types) to route"
    )
    filter: dict[str, Any] | None = Field(
        None, description="EventBridge pattern fragment applied to the event's `detail`"
    )
    pattern: dict[str, Any] | None = Field(
        None, description="A raw EventBridge event pattern, used as written"
    )
    to: list[Text] = Field(default_factory=list,
                           description="Consumers that receive the events")
    forward: list[Text] = Field(
        default_factory=list, description="Buses of other domains (under `buses:`) the events "
        "are forwarded to, bus to bus")
    retry: RetrySpec | None = None
    previously: list[Text] = Field(
        default_factory=list, description="Names this route had before"
    )

    @model_validator(mode="after")
    def _delivers(self) -> RouteSpec:
        if not self.to and not self.forward:
            raise PydanticCustomError("no_target", "the route sends its events nowhere")
        return self


# -- environments: one topology, deployed several times ----------------------------------------


class LambdaOverride(_Model):
    """What may differ about a Lambda consumer in an environment."""

    function: Text | None = Field(None, description="Function name or ARN in this environment")
    timeout: FunctionTimeout | None = None
    batch_size: int | None = Field(None, ge=1, le=10_000)
    batching_window: BatchingWindow | None = None
    max_concurrency: int | None = Field(None, ge=2, le=1000)
    role: str | None = Field(None, min_length=1)


class ContainerOverride(_Model):
    """What may differ about a container consumer in an environment."""

    role: Text | None = Field(None, description="IAM role (name or ARN) in this environment")


class ConsumerOverride(_Model):
    """A consumer's settings in one environment (over its own). Its kind, team, events and
    whether its queue is FIFO are the same everywhere."""

    queue: QueueSpec | None = None
    alarms: AlarmsSpec | None = None
    lambda_: LambdaOverride | None = Field(None, alias="lambda")
    container: ContainerOverride | None = None


class ProducerOverride(_Model):
    """A producer's settings in one environment."""

    principals: list[Text] | None = Field(
        None, description="The principals allowed to put its events in this environment "
        "(instead of the producer's own)")
    organization: str | None = Field(
        None, min_length=1, description="The organization whose principals may put its "
        "events in this environment")


class RouteOverride(_Model):
    """A route's settings in one environment (its events, filter and consumers stay)."""

    retry: RetrySpec | None = None


class TeamOverride(_Model):
    """Where a team's alarms go in one environment (instead of its own `alerts`)."""

    alerts: AlertsSpec | None = None


class EnvironmentBusSpec(_Model):
    """The bus in one environment."""

    name: str | None = Field(None, description="The bus's name in this environment (when "
                             "the topology names its bus)")
    archive_days: int | None = Field(None, ge=0, le=INT32_MAX,
                                     description="Archive retention in this "
                                     "environment (0 = forever)")


class ForwardBusOverride(_Model):
    """A receiving bus in one environment."""

    name: Text | None = Field(None, description="The receiving bus's name in this environment")
    region: str | None = Field(None, min_length=1,
                               description="Its region in this environment")


class EnvironmentSpec(_Model):
    """One environment the topology is deployed to: its account and region, and the few
    settings that differ there. Names follow it (`<name>-<environment>-...`)."""

    description: str | None = None
    account: str | None = Field(
        None, description="The 12-digit AWS account id it is deployed to (terraform refuses "
        "other credentials)")
    region: str | None = Field(None, description="The AWS region it is deployed to")
    accounts: dict[str, str] | None = Field(
        None, description="The accounts named under `accounts:`, in this environment: name -> "
        "12-digit account id (over the topology's own)")
    tags: dict[str, str] | None = Field(None, description="Tags over the topology's own")
    bus: EnvironmentBusSpec | None = None
    defaults: DefaultsSpec | None = Field(
        None, description="Defaults over the topology's own (a consumer's own settings win)")
    teams: dict[str, TeamOverride] = Field(default_factory=dict)
    producers: dict[str, ProducerOverride] = Field(default_factory=dict)
    consumers: dict[str, ConsumerOverride] = Field(default_factory=dict)
    routes: dict[str, RouteOverride] = Field(default_factory=dict)
    buses: dict[str, ForwardBusOverride] = Field(default_factory=dict)


class FileSpec(_Model):
    """One topology file. Settings of the system are given once across all files."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        title="edac topology, version 1",
        json_schema_extra={"$id": "https://edac.dev/schemas/topology.v1.schema.json"},
    )

    version: Literal[1] = Field(description="Format version; always 1")
    name: str | None = Field(None, description="System name; prefixes every AWS resource name")
    environment: str | None = Field(
        None, description="Environment; part of every resource name. With `environments`: "
        "the one compiled when no --environment is given")
    environments: dict[str, EnvironmentSpec] | None = Field(
        None, description="The environments the topology is deployed to (`edac compile "
        "--environment NAME`)")
    accounts: dict[str, str] | None = Field(
        None, description="Named AWS accounts (name -> 12-digit id) that producers and "
        "consumers live in (`account: NAME`); an environment may give each another id")
    tags: dict[str, str] | None = Field(None, description="Tags applied to every resource")
    bus: BusSpec | None = None
    defaults: DefaultsSpec | None = None
    teams: dict[str, TeamSpec] = Field(default_factory=dict)
    producers: dict[str, ProducerSpec] = Field(default_factory=dict)
    events: dict[str, EventSpec] = Field(default_factory=dict)
    consumers: dict[str, ConsumerSpec] = Field(default_factory=dict)
    routes: dict[str, RouteSpec] = Field(default_factory=dict)
    buses: dict[str, ForwardBusSpec] = Field(
        default_factory=dict, description="Event buses of other domains that routes forward "
        "events to (`forward: [NAME]`)")


def json_schema() -> dict[str, Any]:
    schema = FileSpec.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
