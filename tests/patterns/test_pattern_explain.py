"""Explanations of why an event does not match a pattern."""

from __future__ import annotations

from typing import Any

import pytest

from edac.patterns import FlatEvent, explain_mismatch


@pytest.mark.parametrize(
    ("pattern", "event", "lines"),
    [
        (
            {"detail": {"status": ["confirmed"]}},
            {"detail": {"status": "pending"}},
            ['detail.status: "pending" is not one of ["confirmed"]'],
        ),
        (
            {"detail": {"status": ["confirmed", "paid"]}},
            {"detail": {}},
            ['detail.status: is missing (expected ["confirmed", "paid"])'],
        ),
        (
            {"source": ["shop"], "detail": {"amount": [{"numeric": [">", 10]}]}},
            {"source": "shop", "detail": {"amount": 5}},
            ['detail.amount: 5 does not match [{"numeric": [">", 10]}]'],
        ),
        (
            {"tags": ["urgent"]},
            {"tags": ["low", "later"]},
            ['tags: none of ["low", "later"] is one of ["urgent"]'],
        ),
        (
            {"detail": {"debug": [{"exists": False}]}},
            {"detail": {"debug": True}},
            ["detail.debug: is present, but the pattern requires it to be absent"],
        ),
        (
            {"a": [1], "b": ["x"], "c": [None]},
            {"a": 2, "c": "null"},
            [
                "a: 2 does not match [1]",
                'b: is missing (expected ["x"])',
                'c: "null" does not match [null]',
            ],
        ),
        (
            {"$or": [{"a": ["x"]}, {"b": [{"prefix": "y"}]}]},
            {"a": "z", "b": "zz"},
            [
                '$or branch 1: a: "z" is not one of ["x"]',
                '$or branch 2: b: "zz" does not match [{"prefix": "y"}]',
            ],
        ),
        (
            {"people": {"first": ["Ann"], "last": ["Kim"]}},
            {"people": [{"first": "Ann", "last": "Lee"}, {"first": "Bob", "last": "Kim"}]},
            [
                "people.first, people.last: "
                "the matching values are in different elements of an array"
            ],
        ),
    ],
)
def test_explain_mismatch(pattern: dict[str, Any], event: dict[str, Any], lines: list[str]) -> None:
    assert explain_mismatch(pattern, event) == lines


def test_nothing_to_explain_when_the_event_matches() -> None:
    pattern = {"source": ["shop"]}
    assert explain_mismatch(pattern, {"source": "shop"}) == []
    assert explain_mismatch('{"source": ["shop"]}', FlatEvent({"source": "shop"})) == []
