"""Every default lives in one place (`edac.core.defaults`): each Terraform module's variable
defaults are the compiler's, so that a module used on its own behaves as a compiled topology
does (they had drifted: the consumer module alarmed on the oldest message after 3600 s, the
compiler after 900 s)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hcl2
import pytest

from edac.core import defaults

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(p.parent.name for p in (ROOT / "modules").glob("*/variables.tf"))

# (module, variable) -> the compiler's default it must equal
SAME_AS_COMPILER: dict[tuple[str, str], Any] = {
    ("consumer", "fifo"): defaults.FIFO,
    ("consumer", "visibility_timeout_seconds"): defaults.VISIBILITY_TIMEOUT,
    ("consumer", "message_retention_seconds"): defaults.RETENTION,
    ("consumer", "dlq_message_retention_seconds"): defaults.DLQ_RETENTION,
    ("consumer", "max_receive_count"): defaults.MAX_RECEIVE_COUNT,
    ("consumer", "delay_seconds"): defaults.DELAY,
    ("consumer", "max_message_size"): defaults.MAX_MESSAGE_SIZE,
    ("consumer", "receive_wait_time_seconds"): defaults.RECEIVE_WAIT,
    ("consumer", "kms_data_key_reuse_period_seconds"): defaults.KMS_DATA_KEY_REUSE,
    ("consumer", "oldest_message_age_threshold_seconds"): defaults.OLDEST_MESSAGE_AGE,
    ("route", "event_pattern_max_length"): defaults.EVENT_PATTERN_MAX,
    ("queue_key", "deletion_window_in_days"): defaults.KEY_DELETION_WINDOW,
    ("idempotency_table", "deletion_protection_enabled"): defaults.IDEMPOTENCY_DELETION_PROTECTION,
}


def variable_defaults(module: str) -> dict[str, Any]:
    """Variables of a module that have a default other than nothing (null, [], {})."""
    with open(ROOT / "modules" / module / "variables.tf", encoding="utf-8") as handle:
        parsed = hcl2.load(handle)
    found = {}
    for block in parsed.get("variable", []):
        for quoted, body in block.items():
            if "default" in body and body["default"] not in (None, [], {}):
                found[quoted.strip('"')] = body["default"]
    return found


@pytest.mark.parametrize("module", MODULES)
def test_module_defaults_are_the_compilers(module: str) -> None:
    found = variable_defaults(module)
    unlisted = sorted(set(found) - {v for m, v in SAME_AS_COMPILER if m == module})
    assert unlisted == [], (f"modules/{module}: defaults not tied to edac.core.defaults: "
                            f"{unlisted}; add them to defaults.py and SAME_AS_COMPILER")
    for name, value in found.items():
        assert value == SAME_AS_COMPILER[(module, name)], (module, name, value)


def test_every_tie_names_a_real_variable() -> None:
    for module, name in SAME_AS_COMPILER:
        assert name in variable_defaults(module), (module, name)


def test_the_compiler_applies_the_same_defaults() -> None:
    """A consumer that sets nothing gets exactly these values in the compiled root."""
    from edac.api import load_topology

    topo = load_topology([str(ROOT / "tests" / "cases" / "compile" / "minimal" / "input")])
    assert topo.topology is not None
    consumer = next(iter(topo.topology.consumers.values()))
    q = consumer.queue
    assert q.origins == {}  # the case sets no queue setting
    assert (q.visibility_timeout, q.retention, q.dlq_retention, q.max_receive_count, q.delay,
            q.max_message_size, q.receive_wait, q.fifo) == (
        defaults.VISIBILITY_TIMEOUT, defaults.RETENTION, defaults.DLQ_RETENTION,
        defaults.MAX_RECEIVE_COUNT, defaults.DELAY, defaults.MAX_MESSAGE_SIZE,
        defaults.RECEIVE_WAIT, defaults.FIFO)
    assert consumer.alarms.oldest_message_age == defaults.OLDEST_MESSAGE_AGE
