"""Events TestEventPattern rejects, and how events are read."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from edac.patterns import ENVELOPE, InvalidEvent, test_event_pattern

EVENT = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "111122223333",
    "time": "2017-12-22T18:43:48Z",
    "region": "us-west-1",
    "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
    "detail": {"instance-id": "i-1234567890abcdef0", "state": "terminated"},
}
PATTERN = {"source": ["aws.ec2"], "detail": {"state": ["terminated"]}}


def test_event_as_text_with_envelope() -> None:
    assert test_event_pattern(PATTERN, json.dumps(EVENT))
    assert test_event_pattern(json.dumps(PATTERN), json.dumps(EVENT).encode())


@pytest.mark.parametrize("missing", ENVELOPE)
def test_text_event_needs_every_envelope_field(missing: str) -> None:
    event = {key: value for key, value in EVENT.items() if key != missing}
    pattern = {"detail": {"state": ["terminated"]}}
    with pytest.raises(InvalidEvent, match=missing):
        test_event_pattern(pattern, json.dumps(event))
    with pytest.raises(InvalidEvent):
        test_event_pattern(pattern, event, require_envelope=True)
    assert test_event_pattern(pattern, event)


@pytest.mark.parametrize(
    "event",
    ["not json", '["an", "array"]', '"a string"', "42", '{"source": "aws.ec2"', ["x"], 7, None],
)
def test_event_must_be_a_json_object(event: Any) -> None:
    with pytest.raises(InvalidEvent) as raised:
        test_event_pattern(PATTERN, event)
    assert str(raised.value).startswith("Parameter Event is not valid.")
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize(
    "event",
    [{"source": {1, 2}}, {"source": object()}, {1: "x"}, {"detail": {"when": Decimal}}],
)
def test_event_values_must_be_json(event: dict[Any, Any]) -> None:
    with pytest.raises(InvalidEvent):
        test_event_pattern(PATTERN, event)


def test_decimal_and_tuple_values_are_accepted() -> None:
    assert test_event_pattern({"n": [{"numeric": [">", 1]}]}, {"n": Decimal("1.5")})
    assert test_event_pattern({"t": ["b"]}, {"t": ("a", "b")})

