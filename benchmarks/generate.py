"""Generate a realistic synthetic topology of N routes, spread over many teams and files.

Each team owns one file with a producer emitting a few event types (with JSON Schemas), a
few consumers (Lambda and container, some FIFO, some with idempotency) and routes with
filters, fan-out (to its own and other teams' consumers) and multi-producer event lists.
Deterministic for a given N and seed.

Usage: python benchmarks/generate.py N OUT_DIR [--seed S]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

ROUTES_PER_TEAM = 10
CONSUMERS_PER_TEAM = 6
EVENTS_PER_TEAM = 4
STATUSES = ["confirmed", "pending", "rejected", "shipped", "returned"]


def schema_for(team: int, event: int) -> dict[str, object]:
    """A schema of its own for every event type (as in real systems: no two are the same)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"team{team:04d} event {event}",
        "type": "object",
        "required": ["id", f"field{event}"],
        "properties": {
            f"field{event}": {"type": "string", "maxLength": 64 + team},
            "id": {"type": "string"},
            "status": {"type": "string", "enum": STATUSES},
            "amount": {"type": "number"},
            "region": {"type": "string"},
            "customer": {"type": "object", "properties": {"tier": {"enum": ["std", "gold"]}}},
        },
    }


def generate(n_routes: int, out: Path, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    teams = max(1, (n_routes + ROUTES_PER_TEAM - 1) // ROUTES_PER_TEAM)
    out.mkdir(parents=True, exist_ok=True)
    (out / "schemas").mkdir(exist_ok=True)
    (out / "system.yaml").write_text(
        "version: 1\nname: bench\nenvironment: perf\n"
        "tags: {cost-center: \"42\", managed-by: edac}\n"
        # the bus policy of thousands of producers is far over EventBridge's default quota
        # (E751): the benchmarks measure the compiler, on an account whose quota was raised
        "bus: {archive_days: 7, policy_quota: 1000000}\n"
        "defaults:\n"
        "  queue: {visibility_timeout: 2m, retention: 4d, max_receive_count: 5, "
        "dlq_retention: 14d}\n"
        "  retry: {attempts: 10, max_age: 2h}\n",
        encoding="utf-8",
    )
    routes_left = n_routes
    counts = {"files": 1, "routes": 0, "consumers": 0, "events": 0}
    for t in range(teams):
        team = f"team{t:04d}"
        lines = [f"# team {team}", "version: 1", "name: bench", "", "producers:",
                 f"  {team}-svc:", f"    source: com.bench.{team}", f"    team: {team}",
                 f"    principals: [arn:aws:iam::111111111111:role/{team}-api]", "", "events:"]
        for e in range(EVENTS_PER_TEAM):
            schema = out / "schemas" / f"{team}-e{e}.json"
            schema.write_text(json.dumps(schema_for(t, e)), encoding="utf-8")
            lines += [f"  {team}.Event{e}:", f"    producer: {team}-svc",
                      f"    schema: schemas/{schema.name}"]
            counts["events"] += 1
        lines += ["", "consumers:"]
        for c in range(CONSUMERS_PER_TEAM):
            name = f"{team}-c{c}"
            counts["consumers"] += 1
            lines.append(f"  {name}:")
            lines.append(f"    team: {team}")
            if c % 2 == 0:
                lines.append(f"    lambda: {{function: {name}-fn, timeout: 20s, batch_size: 10, "
                             "max_concurrency: 10}")
            else:
                lines.append(f"    container: {{role: arn:aws:iam::111111111111:role/{name}}}")
            if c == 5:
                lines.append("    queue: {fifo: true}")
            if c % 3 == 0:
                lines.append("    idempotency: {ttl: 24h}")
        lines += ["", "routes:"]
        for r in range(min(ROUTES_PER_TEAM, routes_left)):
            routes_left -= 1
            counts["routes"] += 1
            events = [f"{team}.Event{r % EVENTS_PER_TEAM}"]
            if r % 4 == 0 and t > 0:  # multi-producer: also an event of the previous team
                events.append(f"team{t - 1:04d}.Event{r % EVENTS_PER_TEAM}")
            targets = [f"{team}-c{(r + k) % CONSUMERS_PER_TEAM}" for k in range(1 + r % 3)]
            if r % 5 == 0 and t > 0:  # fan-out across teams
                targets.append(f"team{rng.randrange(t):04d}-c{r % 5}")
            lines += [f"  {team}-r{r}:", f"    events: [{', '.join(events)}]"]
            if r % 2 == 0:
                status = STATUSES[r % len(STATUSES)]
                lines.append(f"    filter: {{status: [{status}], amount: [{{numeric: ['>', "
                             f"{r * 10}]}}]}}")
            lines.append(f"    to: [{', '.join(dict.fromkeys(targets))}]")
        (out / f"{team}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        counts["files"] += 1
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("n", type=int)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    print(json.dumps(generate(args.n, args.out, args.seed)))


if __name__ == "__main__":
    main()
