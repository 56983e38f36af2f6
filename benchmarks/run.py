"""Compile speed, memory and growth of edac against the floor, measured in one run.

For each size N (routes), a synthetic topology is generated (benchmarks/generate.py: many
teams and files, filters, fan-out, FIFO, idempotency, JSON Schemas), then measured as a user
runs it, one new process per run, start-up included:
  - `edac validate DIR` and `edac compile DIR -o OUT` (fresh OUT each run): median, min and
    max wall time of RUNS runs after one warm-up run (the warm-up fills edac's cache of
    valid JSON Schemas, as any second run on a machine has it), and the peak memory (maxrss);
  - the floor: a bare Python script that only builds and json.dumps the equivalent Terraform
    JSON (rule, target, queue, DLQ, queue policy and alarm per route);
  - output size and the number of resources Terraform will manage.
Then the ratios and the targets. No timing is asserted anywhere in the test suite.

Usage: python benchmarks/run.py [--sizes 10,100,500,1000,5000] [--runs 5]
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bytecode import ensure_bytecode  # noqa: E402
from generate import generate  # noqa: E402

FLOOR = r"""
import json, sys
n, out = int(sys.argv[1]), sys.argv[2]
resources = {}
for i in range(n):
    name = f"bench-perf-route-{i}"
    queue = f"bench-perf-consumer-{i}"
    resources[f"aws_cloudwatch_event_rule.r{i}"] = {"name": name, "event_bus_name": "bench",
        "event_pattern": json.dumps({"source": [f"com.bench.team{i // 10}"],
                                     "detail-type": [f"Event{i % 4}"],
                                     "detail": {"status": ["confirmed"]}})}
    resources[f"aws_cloudwatch_event_target.t{i}"] = {"rule": name, "event_bus_name": "bench",
        "arn": f"${{aws_sqs_queue.q{i}.arn}}", "retry_policy": {"maximum_retry_attempts": 10,
        "maximum_event_age_in_seconds": 7200}, "dead_letter_config": {"arn": "${dlq}"}}
    resources[f"aws_sqs_queue.q{i}"] = {"name": queue, "visibility_timeout_seconds": 120,
        "sqs_managed_sse_enabled": True, "redrive_policy": json.dumps(
            {"deadLetterTargetArn": f"${{aws_sqs_queue.d{i}.arn}}", "maxReceiveCount": 5})}
    resources[f"aws_sqs_queue.d{i}"] = {"name": queue + "-dlq",
        "message_retention_seconds": 1209600, "sqs_managed_sse_enabled": True}
    resources[f"aws_sqs_queue_policy.p{i}"] = {"queue_url": f"${{aws_sqs_queue.q{i}.url}}",
        "policy": json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"}, "Action": "sqs:SendMessage",
            "Resource": f"${{aws_sqs_queue.q{i}.arn}}",
            "Condition": {"ArnEquals": {"aws:SourceArn": name}}}]})}
    resources[f"aws_cloudwatch_metric_alarm.a{i}"] = {"alarm_name": queue + "-dlq-not-empty",
        "namespace": "AWS/SQS", "metric_name": "ApproximateNumberOfMessagesVisible",
        "dimensions": {"QueueName": queue + "-dlq"}, "threshold": 1,
        "treat_missing_data": "notBreaching"}
doc = {"resource": {}}
for address, body in resources.items():
    kind, label = address.split(".")
    doc["resource"].setdefault(kind, {})[label] = body
with open(out, "w") as handle:
    json.dump(doc, handle, indent=2)
"""


def run(cmd: list[str]) -> tuple[float, int]:
    """Wall time (s) and peak memory (MB) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        stderr = proc.stderr.read().decode() if proc.stderr else ""
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr[-2000:]}")
    return elapsed, usage.ru_maxrss // 1024


def measure(cmd: list[str], runs: int,
            before: Callable[[], object] | None = None) -> dict[str, float]:
    times, peaks = [], []
    for i in range(runs + 1):
        if before is not None:
            before()
        t, mb = run(cmd)
        if i == 0:
            first = t
            continue
        times.append(t)
        peaks.append(mb)
    return {"median": statistics.median(times), "min": min(times), "max": max(times),
            "first": first, "mb": max(peaks)}


def resource_count(path: Path) -> int:
    """Resources Terraform will manage for this topology (from the modules' structure)."""
    from edac.api import load_topology

    topo = load_topology([str(path)]).topology
    assert topo is not None
    bus = 1 + (topo.bus.archive_days is not None) + any(p.principals for p in
                                                        topo.producers.values())
    consumers = sum(10 + 1 + (c.lambda_ is not None) for c in topo.consumers.values())
    keys = 2 * sum(c.queue.kms_key == "create" for c in topo.consumers.values())
    rules = sum(3 + len(rule.targets) for _, rule in topo.rules())
    table = 1 if topo.idempotency_table else 0
    # a topic and its policy per alerted team, and one resource per subscription; a policy on
    # each producer role of the deploying account (none is known here: no account)
    subscriptions = sum(len(t.email) + len(t.https) for name, t in topo.declared_teams.items()
                        if name in topo.alerted_teams())
    return (bus + consumers + keys + rules + table + 2 * len(topo.alerted_teams())
            + subscriptions)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="10,100,500,1000,5000")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    edac = [sys.executable, "-m", "edac.cli"]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {platform.system()} {platform.release()}")
    print(ensure_bytecode())
    print(f"each figure: median of {args.runs} runs after a warm-up run (min-max); "
          "new process per run\n")
    header = (f"{'routes':>6} {'files':>5} {'resources':>9} {'out MB':>6} | "
              f"{'validate s':>17} | {'compile s':>17} {'MB':>4} | {'floor s':>7} | "
              f"{'cold compile s':>14} | ratio")
    print(header)
    print("-" * len(header))
    results = {}
    with tempfile.TemporaryDirectory(prefix="edac-bench-") as tmp:
        cache = Path(tmp) / "cache"
        os.environ["EDAC_CACHE_DIR"] = str(cache)  # a cold cache for the first run of each N
        for n in sizes:
            topo = Path(tmp) / f"topo{n}"
            counts = generate(n, topo)
            out = Path(tmp) / f"out{n}"
            validate = measure([*edac, "validate", str(topo)], args.runs)
            shutil.rmtree(cache, ignore_errors=True)
            compile_ = measure([*edac, "compile", str(topo), "-o", str(out)], args.runs,
                               before=functools.partial(shutil.rmtree, out, ignore_errors=True))
            floor_json = Path(tmp) / f"floor{n}.json"
            floor = measure([sys.executable, "-c", FLOOR, str(n), str(floor_json)], args.runs)
            size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
            resources = resource_count(topo)
            ratio = compile_["median"] / floor["median"]
            results[n] = (validate, compile_, floor, ratio)
            print(f"{n:>6} {counts['files']:>5} {resources:>9} {size / 1e6:>6.2f} | "
                  f"{validate['median']:>5.2f} ({validate['min']:.2f}-{validate['max']:.2f}) | "
                  f"{compile_['median']:>5.2f} ({compile_['min']:.2f}-{compile_['max']:.2f}) "
                  f"{compile_['mb']:>4} | {floor['median']:>7.3f} | "
                  f"{compile_['first']:>14.2f} | {ratio:>4.1f}x")
    print()
    del os.environ["EDAC_CACHE_DIR"]  # the user's own cache, warmed by the warm-up run
    orders = measure([*edac, "validate", str(HERE.parent / "examples" / "orders")],
                     max(args.runs, 10))
    print(f"edac validate examples/orders: median {orders['median']:.3f} s "
          f"({orders['min']:.3f}-{orders['max']:.3f}), {orders['mb']} MB")
    checks = []
    if 1000 in results:
        t = results[1000][1]["median"]
        checks.append((f"1,000 routes compile in <= 1 s: {t:.2f} s", t <= 1.0))
        checks.append((f"1,000 routes compile in <= 6x the floor: {results[1000][3]:.1f}x",
                       results[1000][3] <= 6))
    if 5000 in results:
        t, mb = results[5000][1]["median"], results[5000][1]["mb"]
        checks.append((f"5,000 routes compile in <= 4 s: {t:.2f} s", t <= 4.0))
        checks.append((f"5,000 routes peak memory <= 300 MB: {mb} MB", mb <= 300))
        if 500 in results:
            growth = t / results[500][1]["median"]
            checks.append((f"linear growth t(5000)/t(500) <= 11: {growth:.1f}", growth <= 11))
    checks.append((f"validate examples/orders <= 0.5 s: {orders['median']:.3f} s",
                   orders["median"] <= 0.5))
    print("\ntargets:")
    for text, ok in checks:
        print(f"  [{'met' if ok else 'MISSED'}] {text}")


if __name__ == "__main__":
    main()
