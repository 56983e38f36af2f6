"""`edac route` and `edac test-event-pattern`: simulation for users."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from conftest import ROOT
from edac.cli import main

ORDERS = str(ROOT / "examples" / "orders")
ENVELOPE = {"id": "1", "account": "123456789012", "time": "2024-01-01T00:00:00Z",
            "region": "us-east-1"}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def write_event(tmp_path: Path, event: dict[str, object]) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    return str(path)


def test_confirmed_order_fans_out(tmp_path: Path) -> None:
    event = write_event(tmp_path, {"Source": "com.shop.orders", "DetailType": "OrderPlaced",
                                   "Detail": json.dumps({"status": "confirmed"})})
    code, out, _ = run("route", event, ORDERS, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["consumers"] == ["analytics", "email", "fulfillment"]
    assert [m["route"] for m in doc["matched"]] == ["confirmed-orders"]
    assert doc["not_matched"] == [{"route": "cancellations", "reasons": [
        'detail-type: "OrderPlaced" is not one of ["OrderCancelled"]']}]


def test_near_miss_says_which_field_failed(tmp_path: Path) -> None:
    event = write_event(tmp_path, {"source": "com.shop.orders", "detail-type": "OrderPlaced",
                                   "detail": {"status": "pending"}, **ENVELOPE})
    code, out, _ = run("route", event, ORDERS)
    assert code == 0
    assert "matched routes: none" in out
    assert 'detail.status: "pending" is not one of ["confirmed"]' in out


def test_cancellation_reaches_email_only(tmp_path: Path) -> None:
    event = write_event(tmp_path, {"source": "com.shop.orders", "detail-type": "OrderCancelled",
                                   "detail": {}, **ENVELOPE})
    code, out, _ = run("route", event, ORDERS)
    assert code == 0
    assert "  cancellations -> email\n" in out
    assert "  email: shop-prod-email\n" in out


def test_route_rejects_a_non_event(tmp_path: Path) -> None:
    event = write_event(tmp_path, {"hello": "world"})
    code, _, err = run("route", event, ORDERS)
    assert code == 1 and "not a usable event" in err


def test_test_event_pattern_like_the_aws_cli(tmp_path: Path) -> None:
    event = json.dumps({"source": "com.shop.orders", "detail-type": "X", "detail": {},
                        **ENVELOPE})
    code, out, _ = run("test-event-pattern", "--event-pattern",
                       '{"source": [{"prefix": "com.shop."}]}', "--event", event)
    assert code == 0 and json.loads(out) == {"Result": True}
    (tmp_path / "p.json").write_text('{"source": ["org.other"]}')
    code, out, _ = run("test-event-pattern", "--event-pattern", f"@{tmp_path / 'p.json'}",
                       "--event", event)
    assert code == 0 and json.loads(out) == {"Result": False}


def test_test_event_pattern_reports_invalid_patterns_as_aws_does() -> None:
    event = json.dumps({"source": "a", "detail-type": "x", "detail": {}, **ENVELOPE})
    code, out, err = run("test-event-pattern", "--event-pattern", '{"source": "a"}',
                         "--event", event)
    assert code == 1 and out == ""
    assert err.startswith("error: Event pattern is not valid. Reason: ")


def test_test_event_pattern_requires_the_envelope() -> None:
    code, _, err = run("test-event-pattern", "--event-pattern", '{"source": ["a"]}',
                       "--event", '{"source": "a"}')
    assert code == 1 and "error:" in err


def test_an_event_that_breaks_its_schema_is_warned_about(tmp_path: Path) -> None:
    """`edac route` still matches it (EventBridge does not read schemas), but says that its
    producer would send no such event: a fixture that drifted from the schema."""
    event = write_event(tmp_path, {"source": "com.shop.orders", "detail-type": "OrderPlaced",
                                   "detail": {"orderId": "o1", "status": "shipped",
                                              "total": "3", "currency": "EUR"}, **ENVELOPE})
    code, out, _ = run("route", event, ORDERS)
    assert code == 0
    assert "warning: the event breaks the schema of `OrderPlaced`" in out
    assert "detail.status: 'shipped' is not one of" in out
    assert "detail.total: '3' is not of type 'number'" in out
    code, out, _ = run("route", event, ORDERS, "--format", "json")
    assert json.loads(out)["schema_problems"][0].startswith("detail.status")
    fits = write_event(tmp_path, {"source": "com.shop.orders", "detail-type": "OrderPlaced",
                                  "detail": {"orderId": "o1", "status": "confirmed",
                                             "total": 3, "currency": "EUR"}, **ENVELOPE})
    code, out, _ = run("route", fits, ORDERS, "--format", "json")
    assert json.loads(out)["schema_problems"] == []
    code, out, _ = run("route", fits, ORDERS)
    assert "breaks the schema" not in out
