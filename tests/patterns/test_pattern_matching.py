"""Matching semantics of EventBridge event patterns, operator by operator.

Expectations follow the Amazon EventBridge documentation on event patterns and content
filtering (and, where it is silent, the behaviour of aws/event-ruler, which EventBridge
uses).
"""

from __future__ import annotations

from typing import Any

import pytest

from edac.patterns import FlatEvent, compile_pattern, test_event_pattern

Case = tuple[dict[str, Any], dict[str, Any], bool]


def run(cases: list[Case]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize(("pattern", "event", "expected"), cases)


@run([
    ({"source": ["aws.ec2"]}, {"source": "aws.ec2"}, True),
    ({"source": ["aws.ec2"]}, {"source": "aws.s3"}, False),
    ({"source": ["aws.ec2", "aws.s3"]}, {"source": "aws.s3"}, True),
    ({"state": ["Running"]}, {"state": "running"}, False),
    ({"name": [""]}, {"name": ""}, True),
    ({"name": [""]}, {}, False),
    ({"detail": {"state": ["on"]}}, {"detail": {"state": "on", "other": 1}}, True),
    ({"detail": {"state": ["on"]}}, {"state": "on"}, False),
    ({"detail": {"state": ["on"]}}, {"detail": "{\"state\": \"on\"}"}, False),
    ({"Key": ["v"]}, {"key": "v"}, False),
])
def test_exact_strings(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert test_event_pattern(pattern, event) is expected


@run([
    ({"n": [5]}, {"n": 5.0}, True),
    ({"n": [5.0]}, {"n": 5}, True),
    ({"n": [100]}, {"n": 1e2}, True),
    ({"n": [0.25]}, {"n": 0.250}, True),
    ({"n": [5]}, {"n": "5"}, False),
    ({"n": ["5"]}, {"n": 5}, False),
    ({"n": [5]}, {"n": 6}, False),
    ({"n": [-3]}, {"n": -3.0}, True),
    # Beyond numeric matching's range or precision a number only matches as written.
    ({"n": [123456789012]}, {"n": 123456789012}, True),
    ({"n": [123456789012]}, {"n": 123456789012.0}, False),
    ({"n": [1.1234567]}, {"n": 1.1234567}, True),
    ({"n": [1.1234567]}, {"n": 1.12345670001}, False),
])
def test_exact_numbers(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert test_event_pattern(pattern, event) is expected


@run([
    ({"flag": [True]}, {"flag": True}, True),
    ({"flag": [True]}, {"flag": False}, False),
    ({"flag": [True]}, {"flag": "true"}, False),
    ({"flag": [True]}, {"flag": 1}, False),
    ({"flag": [False]}, {"flag": 0}, False),
    ({"v": [None]}, {"v": None}, True),
    ({"v": [None]}, {}, False),
    ({"v": [None]}, {"v": "null"}, False),
    ({"v": [None]}, {"v": []}, False),
    ({"v": ["null"]}, {"v": None}, False),
])
def test_literals(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert test_event_pattern(pattern, event) is expected


@run([
    ({"resources": ["b"]}, {"resources": ["a", "b"]}, True),
    ({"resources": ["c", "a"]}, {"resources": ["a", "b"]}, True),
    ({"resources": ["c"]}, {"resources": ["a", "b"]}, False),
    ({"resources": ["a"]}, {"resources": []}, False),
    ({"m": [3]}, {"m": [[1, 2], [3]]}, True),
    ({"list": {"id": ["x"]}}, {"list": [{"id": "y"}, {"id": "x"}]}, True),
    ({"list": {"id": ["z"]}}, {"list": [{"id": "y"}, {"id": "x"}]}, False),
])
def test_arrays_in_events(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert test_event_pattern(pattern, event) is expected


@run([
    ({"detail.state": ["on"]}, {"detail": {"state": "on"}}, True),
    ({"detail": {"state": ["on"]}}, {"detail.state": "on"}, True),
    ({"detail": {"state": ["on"]}}, {"detail": {"state.x": "on"}}, False),
    ({"a": {"b.c": {"d": [1]}}}, {"a": {"b": {"c": {"d": 1}}}}, True),
])
def test_dotted_keys(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert test_event_pattern(pattern, event) is expected


@run([
    ({"time": [{"prefix": "2024-05"}]}, {"time": "2024-05-01T00:00:00Z"}, True),
    ({"time": [{"prefix": "2024-05"}]}, {"time": "2024-06-01T00:00:00Z"}, False),
    ({"code": [{"prefix": "1"}]}, {"code": 123}, False),
    ({"name": [{"prefix": ""}]}, {"name": "anything"}, True),
    ({"name": [{"prefix": ""}]}, {"name": 0}, False),
    ({"file": [{"suffix": ".png"}]}, {"file": "a/b.png"}, True),
    ({"file": [{"suffix": ".PNG"}]}, {"file": "a/b.png"}, False),
    ({"file": [{"suffix": ""}]}, {"file": ""}, True),
    ({"svc": [{"prefix": {"equals-ignore-case": "EventB"}}]}, {"svc": "eventbridge"}, True),
    ({"svc": [{"prefix": {"equals-ignore-case": "EventB"}}]}, {"svc": "Event"}, False),
    ({"file": [{"suffix": {"equals-ignore-case": ".png"}}]}, {"file": "X.PnG"}, True),
    ({"file": [{"suffix": {"equals-ignore-case": ".png"}}]}, {"file": "x.jpg"}, False),
])
def test_prefix_and_suffix(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert test_event_pattern(pattern, event) is expected


@run([
    ({"name": [{"equals-ignore-case": "alice"}]}, {"name": "ALICE"}, True),
    ({"name": [{"equals-ignore-case": "alice"}]}, {"name": "Alicia"}, False),
    ({"name": [{"equals-ignore-case": "alice"}]}, {"name": ["bob", "aLiCe"]}, True),
    ({"name": [{"equals-ignore-case": ""}]}, {"name": ""}, True),
    ({"name": [{"equals-ignore-case": ""}]}, {"name": "x"}, False),
    ({"name": [{"equals-ignore-case": "Émile"}]}, {"name": "éMILE"}, True),
    ({"name": [{"equals-ignore-case": "straße"}]}, {"name": "STRASSE"}, True),
    ({"n": [{"equals-ignore-case": "5"}]}, {"n": 5}, False),
])
def test_equals_ignore_case(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert test_event_pattern(pattern, event) is expected


@run([
    ({"state": [{"anything-but": "init"}]}, {"state": "running"}, True),
    ({"state": [{"anything-but": "init"}]}, {"state": "init"}, False),
    ({"state": [{"anything-but": "init"}]}, {}, False),
    ({"state": [{"anything-but": "init"}]}, {"state": None}, True),
    ({"state": [{"anything-but": "init"}]}, {"state": 7}, True),
    ({"state": [{"anything-but": ["a", "b"]}]}, {"state": "b"}, False),
    ({"state": [{"anything-but": ["a", "b"]}]}, {"state": ["a", "c"]}, True),
    ({"state": [{"anything-but": ["a", "b"]}]}, {"state": ["a", "b"]}, False),
    ({"n": [{"anything-but": [100, 200]}]}, {"n": 150}, True),
    ({"n": [{"anything-but": [100, 200]}]}, {"n": 100.0}, False),
    ({"n": [{"anything-but": 100}]}, {"n": "100"}, True),
    ({"n": [{"anything-but": 0}]}, {"n": 0}, False),
    ({"r": [{"anything-but": {"prefix": "us-"}}]}, {"r": "eu-west-1"}, True),
    ({"r": [{"anything-but": {"prefix": "us-"}}]}, {"r": "us-east-1"}, False),
    ({"r": [{"anything-but": {"prefix": ["us-", "eu-"]}}]}, {"r": "eu-west-1"}, False),
    ({"r": [{"anything-but": {"prefix": "us-"}}]}, {"r": 12}, True),
    ({"f": [{"anything-but": {"suffix": ".png"}}]}, {"f": "a.jpg"}, True),
    ({"f": [{"anything-but": {"suffix": ".png"}}]}, {"f": "a.png"}, False),
    ({"f": [{"anything-but": {"suffix": ".png"}}]}, {"f": None}, True),
    ({"s": [{"anything-but": {"equals-ignore-case": "Stopped"}}]}, {"s": "STOPPED"}, False),
    ({"s": [{"anything-but": {"equals-ignore-case": ["x", "y"]}}]}, {"s": "Z"}, True),
    ({"p": [{"anything-but": {"wildcard": "*/lib/*"}}]}, {"p": "/usr/lib/x"}, False),
    ({"p": [{"anything-but": {"wildcard": "*/lib/*"}}]}, {"p": "/usr/bin/x"}, True),
    ({"p": [{"anything-but": {"wildcard": ["*/lib/*", "*.tmp"]}}]}, {"p": "a.tmp"}, False),
    ({"p": [{"anything-but": {"wildcard": ""}}]}, {"p": "x"}, True),
])
def test_anything_but(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert test_event_pattern(pattern, event) is expected


@run([
    ({"c": [{"numeric": [">", 0, "<=", 5]}]}, {"c": 5}, True),
    ({"c": [{"numeric": [">", 0, "<=", 5]}]}, {"c": 0}, False),
    ({"c": [{"numeric": [">", 0, "<=", 5]}]}, {"c": 5.000001}, False),
    ({"c": [{"numeric": [">=", 0, "<", 5]}]}, {"c": 0}, True),
    ({"c": [{"numeric": [">=", 0, "<", 5]}]}, {"c": 5}, False),
    ({"c": [{"numeric": ["<", 10]}]}, {"c": -1e3}, True),
    ({"c": [{"numeric": ["<=", 10]}]}, {"c": 10.0}, True),
    ({"c": [{"numeric": [">", 10]}]}, {"c": "11"}, False),
    ({"c": [{"numeric": [">", 10]}]}, {"c": None}, False),
    ({"c": [{"numeric": [">", 10]}]}, {"c": [1, 20]}, True),
    ({"x": [{"numeric": ["=", 301.8]}]}, {"x": 3.018e2}, True),
    ({"x": [{"numeric": ["=", 301.8]}]}, {"x": 301.80001}, False),
    ({"t": [{"numeric": [">=", 0.000002, "<=", 0.000004]}]}, {"t": 0.000003}, True),
    # Only numbers within +/-5e9 having at most six decimals are compared numerically.
    ({"t": [{"numeric": [">", 0]}]}, {"t": 0.0000001}, False),
    ({"t": [{"numeric": [">", 0]}]}, {"t": 6e9}, False),
    ({"t": [{"numeric": [">", 0]}]}, {"t": 5e9}, True),
])
def test_numeric(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert test_event_pattern(pattern, event) is expected


@run([
    ({"k": [{"exists": True}]}, {"k": "v"}, True),
    ({"k": [{"exists": True}]}, {"k": None}, True),
    ({"k": [{"exists": True}]}, {"k": []}, False),
    ({"k": [{"exists": True}]}, {"k": {"nested": 1}}, False),
    ({"k": [{"exists": True}]}, {}, False),
    ({"k": [{"exists": False}]}, {}, True),
    ({"k": [{"exists": False}]}, {"k": "v"}, False),
    ({"k": [{"exists": False}]}, {"k": []}, True),
    ({"a": {"b": [{"exists": False}]}}, {"a": "scalar"}, True),
    ({"k": [{"anything-but": ["x"]}, {"exists": False}]}, {}, True),
    ({"k": [{"anything-but": ["x"]}, {"exists": False}]}, {"k": "x"}, False),
])
def test_exists(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert test_event_pattern(pattern, event) is expected


@run([
    ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.0.7"}, True),
    ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.1.7"}, False),
    ({"ip": [{"cidr": "10.0.0.9/24"}]}, {"ip": "10.0.0.1"}, True),
    ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.0.256"}, False),
    ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": 10}, False),
    ({"ip": [{"cidr": "0.0.0.0/0"}]}, {"ip": "255.255.255.255"}, True),
    ({"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "2001:0DB8:0000:0000:0000:0000:0000:0001"}, True),
    ({"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "2001:db9::1"}, False),
    ({"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "10.0.0.1"}, False),
    ({"ip": [{"cidr": "10.0.0.0/8"}]}, {"ip": "::ffff:a00:1"}, True),
    # An exact-match string that is an IP address matches any spelling of it.
    ({"ip": ["10.0.0.1"]}, {"ip": "10.0.0.1"}, True),
    ({"ip": ["::1"]}, {"ip": "0:0:0:0:0:0:0:1"}, True),
    ({"ip": ["10.0.0.1"]}, {"ip": "10.0.0.2"}, False),
])
def test_cidr(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert test_event_pattern(pattern, event) is expected


@run([
    ({"f": [{"wildcard": "*.png"}]}, {"f": "dir/a.png"}, True),
    ({"f": [{"wildcard": "*.png"}]}, {"f": "a.png.bak"}, False),
    ({"f": [{"wildcard": "a*b*c"}]}, {"f": "a-b-c"}, True),
    ({"f": [{"wildcard": "a*b*c"}]}, {"f": "abc"}, True),
    ({"f": [{"wildcard": "a*b*c"}]}, {"f": "acb"}, False),
    ({"f": [{"wildcard": "a*a"}]}, {"f": "a"}, False),
    ({"f": [{"wildcard": "a\\*b"}]}, {"f": "a*b"}, True),
    ({"f": [{"wildcard": "a\\*b"}]}, {"f": "axb"}, False),
    ({"f": [{"wildcard": "a\\\\b"}]}, {"f": "a\\b"}, True),
    ({"f": [{"wildcard": ""}]}, {"f": ""}, True),
    ({"f": [{"wildcard": ""}]}, {"f": "x"}, False),
    ({"f": [{"wildcard": "*"}]}, {"f": ""}, True),
    ({"f": [{"wildcard": "*"}]}, {"f": 1}, False),
    ({"f": [{"wildcard": "é*é"}]}, {"f": "été"}, True),
])
def test_wildcard(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert test_event_pattern(pattern, event) is expected


OR_PATTERN = {
    "source": ["shop"],
    "$or": [{"status": ["paid"]}, {"amount": [{"numeric": [">", 100]}], "vip": [True]}],
}


@run([
    (OR_PATTERN, {"source": "shop", "status": "paid"}, True),
    (OR_PATTERN, {"source": "shop", "amount": 101, "vip": True}, True),
    (OR_PATTERN, {"source": "shop", "amount": 101}, False),
    (OR_PATTERN, {"source": "mall", "status": "paid"}, False),
    ({"detail": {"$or": [{"a": [1]}, {"b": [2]}]}}, {"detail": {"b": 2}}, True),
    ({"detail": {"$or": [{"a": [1]}, {"b": [2]}]}}, {"b": 2}, False),
    (
        {"$or": [{"a": [1]}, {"$or": [{"b": [2]}, {"c": [3]}]}]},
        {"c": 3},
        True,
    ),
    ({"$or": [{"a": [1]}, {"b": [2]}], "c": [3]}, {"a": 1}, False),
    ({"$or": [{"a": [1]}, {"b": [2]}], "c": [3]}, {"a": 1, "c": 3}, True),
    # Followed by an object, "$or" is an ordinary field name.
    ({"$or": {"a": [1]}}, {"$or": {"a": 1}}, True),
    ({"$or": {"a": [1]}}, {"a": 1}, False),
])
def test_or(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert test_event_pattern(pattern, event) is expected


PEOPLE = {
    "people": [
        {"first": "Ann", "last": "Lee", "tags": ["a", "b"]},
        {"first": "Bob", "last": "Kim", "tags": ["c"]},
    ]
}


@run([
    ({"people": {"first": ["Ann"], "last": ["Lee"]}}, PEOPLE, True),
    ({"people": {"first": ["Ann"], "last": ["Kim"]}}, PEOPLE, False),
    ({"people": {"first": ["Bob"], "tags": ["c"]}}, PEOPLE, True),
    ({"people": {"first": ["Bob"], "tags": ["a"]}}, PEOPLE, False),
    ({"people": {"first": ["Ann"], "tags": ["b"]}}, PEOPLE, True),
    (
        {"people": {"first": ["Ann"]}, "$or": [{"x": [1]}, {"people": {"last": ["Kim"]}}]},
        PEOPLE,
        False,
    ),
    ({"people": {"last": ["Lee"], "middle": [{"exists": False}]}}, PEOPLE, True),
    ({"a": {"b": [1], "c": [2]}}, {"a": [[{"b": 1}], [{"c": 2}]]}, False),
    ({"a": {"b": [1], "c": [2]}}, {"a": [[{"b": 1, "c": 2}]]}, True),
])
def test_array_consistency(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert test_event_pattern(pattern, event) is expected


def test_text_input_keeps_repeated_keys_and_number_spelling() -> None:
    pattern = '{"x": ["a"], "x": ["b"], "n": [1.50]}'
    assert test_event_pattern(pattern, {"x": "b", "n": 1.5})
    assert not test_event_pattern(pattern, {"x": "a", "n": 1.5})
    envelope = '"id": "1", "account": "1", "source": "s", "time": "t", "region": "r", '
    event = '{' + envelope + '"detail-type": "d", "x": "b", "x": "a", "n": 15e-1}'
    assert test_event_pattern(pattern, event)
    assert test_event_pattern(b'{"x": ["a"]}', {"x": "a"})


def test_repeated_keys_for_a_leaf_and_an_object_both_apply() -> None:
    pattern = '{"p": {"q": [1], "q": {"r": [2]}}}'
    assert test_event_pattern(pattern, '{"p": {"q": 1, "q": {"r": 2}}}', require_envelope=False)
    assert not test_event_pattern(pattern, {"p": {"q": 1}})
    # p.q and p.q.r from different elements of one array are not consistent
    assert not test_event_pattern(pattern, {"p": [{"q": 1}, {"q": {"r": 2}}]})


def test_compiled_pattern_matches_many_events() -> None:
    compiled = compile_pattern({"source": ["a"], "detail": {"n": [{"numeric": [">", 1]}]}})
    events = [{"source": "a", "detail": {"n": n}} for n in range(4)]
    assert [compiled.matches(event) for event in events] == [False, False, True, True]
    assert [compiled.matches(FlatEvent(event)) for event in events] == [False, False, True, True]
    assert compiled.matches('{"source": "a", "detail": {"n": 9}}')
    assert compile_pattern(compiled) is compiled
    assert test_event_pattern(compiled, {"source": "a", "detail": {"n": 2}})
