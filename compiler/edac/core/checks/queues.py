"""Queue and consumer settings that AWS refuses at apply time, or that lose messages."""

from __future__ import annotations

import re
from collections.abc import Iterator

from edac.core.checks._util import diag
from edac.core.diagnostics import Diagnostic
from edac.core.ir import Consumer, Origin, Topology
from edac.core.text import duration


def _where(c: Consumer, origins: dict[str, Origin], field: str, *fallback: str) -> tuple[
    Origin, tuple[str, ...]
]:
    """The origin of a merged setting, or the consumer's own path when it is the default."""
    origin = origins.get(field)
    if origin is not None:
        return origin, ()
    return c.origin, fallback


def fifo(topo: Topology) -> Iterator[Diagnostic]:
    for c in topo.consumers.values():
        q = c.queue
        if not q.fifo:
            if "message_group" in q.origins:
                yield diag(topo, "E501", f"`message_group` is set on consumer `{c.name}`, whose "
                           "queue is not FIFO", q.origins["message_group"],
                           label="only for FIFO queues",
                           help="add `fifo: true` to the queue, or remove `message_group`")
            continue
        lam = c.lambda_
        if lam is None:
            continue
        if lam.batch_size > 10:
            yield diag(topo, "E501", f"consumer `{c.name}` reads a FIFO queue with batch size "
                       f"{lam.batch_size}; Lambda allows at most 10", c.origin, "lambda",
                       "batch_size", label="at most 10 for FIFO",
                       help="set `batch_size: 10` or less")
        if lam.batching_window > 0:
            yield diag(topo, "E501", f"consumer `{c.name}` reads a FIFO queue with a batching "
                       "window; Lambda does not support one on FIFO queues", c.origin, "lambda",
                       "batching_window", label="not supported for FIFO",
                       help="remove `batching_window`")


def lambda_timing(topo: Topology) -> Iterator[Diagnostic]:
    for c in topo.consumers.values():
        lam = c.lambda_
        if lam is None:
            continue
        visibility = c.queue.visibility_timeout
        origin, sub = _where(c, c.queue.origins, "visibility_timeout", "lambda", "timeout")
        if lam.timeout > visibility:
            yield diag(
                topo, "E502",
                f"consumer `{c.name}`: the function timeout ({duration(lam.timeout)}) is "
                f"longer than the queue's visibility timeout ({duration(visibility)})",
                origin, *sub, label="visibility timeout too short",
                help=f"set `queue: {{visibility_timeout: "
                f"{duration(6 * lam.timeout + lam.batching_window)}}}` "
                "(6x the function timeout plus the batching window)",
            )
        elif visibility < 6 * lam.timeout + lam.batching_window:
            recommended = 6 * lam.timeout + lam.batching_window
            yield diag(
                topo, "W503",
                f"consumer `{c.name}`: visibility timeout {duration(visibility)} is below "
                f"6x the function timeout plus the batching window "
                f"({duration(recommended)})",
                origin, *sub, label="below the recommended value",
                help=f"set `visibility_timeout: {duration(recommended)}` or more",
            )
        if lam.batch_size > 10 and lam.batching_window < 1 and not c.queue.fifo:
            yield diag(topo, "E505", f"consumer `{c.name}`: a batch size above 10 needs a "
                       "batching window of at least 1 second", c.origin, "lambda", "batch_size",
                       label="needs `batching_window`", help="add `batching_window: 1s` or more")


def dlq_retention(topo: Topology) -> Iterator[Diagnostic]:
    for c in topo.consumers.values():
        q = c.queue
        if q.dlq_retention <= q.retention:
            origin, sub = _where(c, q.origins, "dlq_retention", "queue")
            yield diag(
                topo, "W504",
                f"consumer `{c.name}`: the DLQ keeps messages {duration(q.dlq_retention)}, "
                f"not longer than the queue ({duration(q.retention)})",
                origin, *sub, label="messages may expire as they reach the DLQ",
                help="a message keeps its enqueue time in the DLQ: make `dlq_retention` longer "
                "than `retention` (14d is the maximum)",
            )


def kms(topo: Topology) -> Iterator[Diagnostic]:
    for c in topo.consumers.values():
        key = c.queue.kms_key
        if key is None or key == "create":
            continue
        origin, sub = _where(c, c.queue.origins, "kms_key", "queue")
        if AWS_MANAGED_ALIAS.search(key):
            yield diag(
                topo, "E609",
                f"consumer `{c.name}`: `{key}` is an AWS managed key, which EventBridge cannot "
                "use to write to the queue",
                origin, *sub, label="AWS managed key",
                help="its key policy cannot admit events.amazonaws.com, so every event would "
                "be dropped: use `kms_key: create` (edac makes a key with the right policy), a "
                "customer key of yours, or leave `kms_key` out for SSE-SQS",
            )
        elif not KMS_KEY.fullmatch(key):
            yield diag(
                topo, "E607", f"consumer `{c.name}`: `{key}` is not a KMS key", origin, *sub,
                label="not a key ARN, alias or `create`",
                help="give `create`, a key ARN (`arn:aws:kms:REGION:ACCOUNT:key/ID`), an alias "
                "ARN or `alias/NAME`",
            )


AWS_MANAGED_ALIAS = re.compile(r"(^|:)alias/aws/")
KMS_KEY = re.compile(
    r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key/[A-Za-z0-9-]+|alias/[A-Za-z0-9/_-]+)"
    r"|alias/[A-Za-z0-9/_-]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)


def idempotency_window(topo: Topology) -> Iterator[Diagnostic]:
    """A record must outlive the duplicates it stops: EventBridge retries a delivery for up
    to the route's `retry.max_age`, and every retry that reaches the queue is a new message
    with the same event id."""
    for c in topo.consumers.values():
        ttl = c.idempotency_ttl
        if ttl is None:
            continue
        routes = [r for r in topo.routes.values() if c.name in r.to]
        longest = max(routes, key=lambda r: r.retry.max_age, default=None)
        if longest is None or ttl >= longest.retry.max_age:
            continue
        yield diag(
            topo, "W506",
            f"consumer `{c.name}`: idempotency records are kept {duration(ttl)}, but route "
            f"`{longest.name}` retries a delivery for up to {duration(longest.retry.max_age)}",
            c.origin, "idempotency", label="shorter than the retries",
            help=f"set `idempotency: {{ttl: {duration(longest.retry.max_age)}}}` or more: a "
            "duplicate that arrives after its record expired is processed again",
        )


CHECKS = (fifo, lambda_timing, dlq_retention, kms, idempotency_window)
