"""Benchmark: match 10,000 realistic events against 1,000 realistic event patterns.

Run from the project root: ``python benchmarks/patterns_bench.py [--events N] [--patterns N]
[--seed N]``. Events and patterns are generated deterministically from the seed; each
pattern is compiled once and each event flattened once, then every event is matched
against every pattern. Prints the total time, pattern-event matches per second and the
number of pairs that matched.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from typing import Any

from edac.patterns import FlatEvent, compile_pattern

SOURCES = [f"com.example.{name}" for name in (
    "orders", "payments", "shipping", "inventory", "users", "billing", "catalog", "search",
    "reviews", "notifications", "auth", "analytics",
)]
DETAIL_TYPES = [
    "OrderPlaced", "OrderCancelled", "PaymentAuthorized", "PaymentFailed", "ShipmentCreated",
    "ShipmentDelivered", "StockLow", "UserSignedUp", "UserDeleted", "InvoiceIssued",
    "ItemViewed", "ReviewPosted",
]
STATUSES = ["pending", "confirmed", "shipped", "delivered", "cancelled", "failed", "refunded"]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"]
CHANNELS = ["web", "mobile", "partner", "store"]
CURRENCIES = ["USD", "EUR", "GBP", "AUD"]


def make_event(rng: random.Random, number: int) -> dict[str, Any]:
    """An EventBridge event with a nested detail, a list of items and tags."""
    items = [
        {
            "sku": f"SKU-{rng.randrange(1000):04d}",
            "quantity": rng.randrange(1, 6),
            "price": round(rng.uniform(1, 500), 2),
            "category": rng.choice(["books", "games", "garden", "toys", "tools"]),
        }
        for _ in range(rng.randrange(0, 4))
    ]
    return {
        "version": "0",
        "id": f"{number:08d}-0000-4000-8000-{rng.randrange(16**12):012x}",
        "detail-type": rng.choice(DETAIL_TYPES),
        "source": rng.choice(SOURCES),
        "account": "123456789012",
        "time": f"2024-0{rng.randrange(1, 10)}-1{rng.randrange(10)}T12:00:00Z",
        "region": rng.choice(REGIONS),
        "resources": [f"arn:aws:events:us-east-1:123456789012:thing/{rng.randrange(100)}"],
        "detail": {
            "status": rng.choice(STATUSES),
            "orderId": f"ord-{rng.randrange(10**6)}",
            "amount": round(rng.uniform(0, 2000), 2),
            "currency": rng.choice(CURRENCIES),
            "customer": {
                "id": f"cust-{rng.randrange(10**5)}",
                "tier": rng.choice(["free", "silver", "gold", "platinum"]),
                "email": f"user{rng.randrange(10**4)}@{rng.choice(['example.com', 'mail.test'])}",
                "country": rng.choice(["US", "DE", "FR", "GB", "AU", "JP"]),
            },
            "channel": rng.choice(CHANNELS),
            "clientIp": f"10.{rng.randrange(4)}.{rng.randrange(256)}.{rng.randrange(256)}",
            "items": items,
            "tags": rng.sample(["priority", "gift", "fragile", "bulk", "promo"], rng.randrange(3)),
            "retry": rng.random() < 0.1,
        },
    }


def make_pattern(rng: random.Random) -> dict[str, Any]:
    """A rule pattern: source and detail-type, plus one to three detail filters."""
    pattern: dict[str, Any] = {"source": [rng.choice(SOURCES)]}
    if rng.random() < 0.8:
        pattern["detail-type"] = rng.sample(DETAIL_TYPES, rng.randrange(1, 3))
    filters: list[Callable[[], dict[str, Any]]] = [
        lambda: {"status": rng.sample(STATUSES, rng.randrange(1, 4))},
        lambda: {"amount": [{"numeric": [">", rng.randrange(0, 1500)]}]},
        lambda: {"amount": [{"numeric": [">=", 10, "<", rng.randrange(100, 2000)]}]},
        lambda: {"currency": [{"anything-but": rng.choice(CURRENCIES)}]},
        lambda: {"customer": {"tier": [{"anything-but": ["free"]}]}},
        lambda: {"customer": {"email": [{"suffix": "@example.com"}]}},
        lambda: {"customer": {"country": [{"equals-ignore-case": rng.choice(["us", "de"])}]}},
        lambda: {"orderId": [{"prefix": f"ord-{rng.randrange(10)}"}]},
        lambda: {"clientIp": [{"cidr": f"10.{rng.randrange(4)}.0.0/16"}]},
        lambda: {"items": {"category": [rng.choice(["books", "games", "toys"])]}},
        lambda: {"items": {"category": ["games"], "quantity": [{"numeric": [">=", 2]}]}},
        lambda: {"tags": ["priority"]},
        lambda: {"retry": [{"exists": False}]},
        lambda: {"channel": [{"wildcard": "*o*"}]},
        lambda: {"$or": [{"channel": ["web"]}, {"customer": {"tier": ["gold", "platinum"]}}]},
    ]
    detail: dict[str, Any] = {}
    for make in rng.sample(filters, rng.randrange(1, 4)):
        for key, value in make().items():
            detail.setdefault(key, value)
    if rng.random() < 0.9:
        pattern["detail"] = detail
    return pattern


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--patterns", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    patterns = [make_pattern(rng) for _ in range(args.patterns)]
    events = [make_event(rng, number) for number in range(args.events)]

    started = time.perf_counter()
    compiled = [compile_pattern(pattern) for pattern in patterns]
    compiled_at = time.perf_counter()
    matched = 0
    for event in events:
        flat = FlatEvent(event)
        matched += sum(1 for matcher in compiled if matcher.matches(flat))
    finished = time.perf_counter()

    pairs = args.events * args.patterns
    print(f"patterns compiled: {args.patterns} in {compiled_at - started:.3f} s")
    print(f"events matched:    {args.events} x {args.patterns} = {pairs:,} pattern-event pairs")
    print(f"total time:        {finished - started:.3f} s")
    print(f"matches/sec:       {pairs / (finished - compiled_at):,.0f}")
    print(f"matching pairs:    {matched:,}")


if __name__ == "__main__":
    main()
