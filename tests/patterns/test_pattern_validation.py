"""Patterns EventBridge rejects, with the reason it gives and where the problem lies."""

from __future__ import annotations

from typing import Any

import pytest

from edac.patterns import (
    InvalidEventPattern,
    PatternProblem,
    compile_pattern,
    format_path,
    test_event_pattern,
    validate_pattern,
)

TOO_COMPLEX = (
    "Rule is too complex - try using fewer wildcard characters or fewer repeating character "
    "sequences after a wildcard character"
)
EIC_LIST = (
    "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
)


@pytest.mark.parametrize(
    ("pattern", "path", "reason"),
    [
        # structure
        ([{"a": ["x"]}], (), "Filter is not an object"),
        ("42", (), "Filter is not an object"),
        ("", (), "Filter is not an object"),
        ({}, (), "Empty objects are not allowed"),
        ({"d": {}}, ("d",), "Empty objects are not allowed"),
        ({"a": "x"}, ("a",), '"a" must be an object or an array'),
        ({"d": {"n": 42}}, ("d", "n"), '"n" must be an object or an array'),
        ({"a": []}, ("a",), "Empty arrays are not allowed"),
        ({"a": [["x"]]}, ("a", 0), "Match value must be String, number, true, false, or null"),
        ({"a": [{}]}, ("a", 0), "Match expression name not found"),
        ({"a": [{"foo": 1}]}, ("a", 0, "foo"), "Unrecognized match type foo"),
        ({"a": [{"Prefix": "x"}]}, ("a", 0, "Prefix"), "Unrecognized match type Prefix"),
        ({"a": [float("nan")]}, ("a", 0),
         "Non-standard token 'NaN': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow"),
        # prefix, suffix, equals-ignore-case, exactly
        ({"a": [{"prefix": 1}]}, ("a", 0, "prefix"), "prefix match pattern must be a string"),
        ({"a": [{"prefix": ["x"]}]}, ("a", 0, "prefix"), "prefix match pattern must be a string"),
        ({"a": [{"suffix": None}]}, ("a", 0, "suffix"), "suffix match pattern must be a string"),
        ({"a": [{"prefix": "x", "suffix": "y"}]}, ("a", 0, "suffix"),
         "Only one key allowed in match expression"),
        ({"a": [{"prefix": {"equals-ignore-case": 1}}]}, ("a", 0, "prefix", "equals-ignore-case"),
         "equals-ignore-case match pattern must be a string"),
        ({"a": [{"prefix": {"foo": "x"}}]}, ("a", 0, "prefix", "foo"),
         "Unsupported prefix pattern: foo"),
        ({"a": [{"suffix": {}}]}, ("a", 0, "suffix"), "Suffix expression name not found"),
        ({"a": [{"equals-ignore-case": ["x"]}]}, ("a", 0, "equals-ignore-case"),
         "equals-ignore-case match pattern must be a string"),
        ({"a": [{"exactly": 1}]}, ("a", 0, "exactly"), "exact match pattern must be a string"),
        # anything-but
        ({"a": [{"anything-but": None}]}, ("a", 0, "anything-but"),
         "Value of anything-but must be an array or single string/number value."),
        ({"a": [{"anything-but": ["x", 1]}]}, ("a", 0, "anything-but"),
         "Inside anything but list, either all values are number or string, mixed type is not "
         "supported"),
        ({"a": [{"anything-but": ["x", None]}]}, ("a", 0, "anything-but", 1),
         "Inside anything but list, start|null|boolean is not supported."),
        ({"a": [{"anything-but": {"prefix": ""}}]}, ("a", 0, "anything-but", "prefix"),
         "Null prefix/suffix not allowed"),
        ({"a": [{"anything-but": {"suffix": ["x", ""]}}]}, ("a", 0, "anything-but", "suffix", 1),
         "Null prefix/suffix not allowed"),
        ({"a": [{"anything-but": {"prefix": 1}}]}, ("a", 0, "anything-but", "prefix"),
         "prefix/suffix match pattern must be a string"),
        ({"a": [{"anything-but": {"equals-ignore-case": [1]}}]},
         ("a", 0, "anything-but", "equals-ignore-case", 0), EIC_LIST),
        ({"a": [{"anything-but": {"wildcard": 1}}]}, ("a", 0, "anything-but", "wildcard"),
         "wildcard match pattern must be a string"),
        ({"a": [{"anything-but": {"prefix": {"equals-ignore-case": "x"}}}]},
         ("a", 0, "anything-but", "prefix"),
         "Value of anything-but must be an array or single string/number value."),
        ({"a": [{"anything-but": {"regex": "x"}}]}, ("a", 0, "anything-but", "regex"),
         "Unsupported anything-but pattern: regex"),
        ({"a": [{"anything-but": "x", "b": 1}]}, ("a", 0, "b"),
         "Too many elements in numeric expression"),
        # numeric
        ({"a": [{"numeric": 5}]}, ("a", 0, "numeric"), "Value of numeric must be an array."),
        ({"a": [{"numeric": [5]}]}, ("a", 0, "numeric", 0), "Invalid member in numeric match: 5"),
        ({"a": [{"numeric": ["=="]}]}, ("a", 0, "numeric", 0),
         "Unrecognized numeric range operator: =="),
        ({"a": [{"numeric": [">"]}]}, ("a", 0, "numeric", 1), "Value of > must be numeric"),
        ({"a": [{"numeric": ["=", "1"]}]}, ("a", 0, "numeric", 1),
         "Value of equals must be numeric"),
        ({"a": [{"numeric": [">", 0, ">", 5]}]}, ("a", 0, "numeric", 2),
         "Bad numeric range operator: >"),
        ({"a": [{"numeric": [">", 0, 5]}]}, ("a", 0, "numeric", 2),
         "Bad value in numeric range: 5"),
        ({"a": [{"numeric": [">", 0, "<"]}]}, ("a", 0, "numeric", 3), "Value of < must be numeric"),
        ({"a": [{"numeric": ["<", 1, ">", 0]}]}, ("a", 0, "numeric", 2),
         "Too many elements in numeric expression"),
        ({"a": [{"numeric": [">", 0, "<", 5, 6]}]}, ("a", 0, "numeric", 4),
         "Too many terms in numeric range expression"),
        ({"a": [{"numeric": [">", 5, "<=", 5]}]}, ("a", 0, "numeric"),
         "Bottom must be less than top"),
        ({"a": [{"numeric": ["=", 1.0000001]}]}, ("a", 0, "numeric", 1),
         "Only values upto 6 decimals are supported"),
        ({"a": [{"numeric": [">", 6e9]}]}, ("a", 0, "numeric", 1),
         "Value must be between -5.0E9 and 5.0E9, inclusive"),
        ({"a": [{"numeric": [">", 0], "x": 1}]}, ("a", 0, "x"),
         "Too many elements in numeric expression"),
        # exists
        ({"a": [{"exists": "true"}]}, ("a", 0, "exists"),
         "exists match pattern must be either true or false."),
        ({"a": [{"exists": True, "b": 1}]}, ("a", 0, "b"),
         "Only one key allowed in match expression"),
        # cidr
        ({"a": [{"cidr": 10}]}, ("a", 0, "cidr"), "prefix match pattern must be a string"),
        ({"a": [{"cidr": "10.0.0.0"}]}, ("a", 0, "cidr"), "Malformed CIDR, one '/' required"),
        ({"a": [{"cidr": "10.0.0.0/x"}]}, ("a", 0, "cidr"),
         "Malformed CIDR, mask bits must be an integer"),
        ({"a": [{"cidr": "10.0.0.0/-1"}]}, ("a", 0, "cidr"),
         "Malformed CIDR, mask bits must not be negative"),
        ({"a": [{"cidr": "host/8"}]}, ("a", 0, "cidr"), "Nonstandard IP address: host"),
        ({"a": [{"cidr": "300.0.0.0/8"}]}, ("a", 0, "cidr"), "Invalid IP address: 300.0.0.0"),
        ({"a": [{"cidr": "10.0.0.0/32"}]}, ("a", 0, "cidr"), "IPv4 mask bits must be < 32"),
        ({"a": [{"cidr": "::/128"}]}, ("a", 0, "cidr"), "IPv6 mask bits must be < 128"),
        # wildcard
        ({"a": [{"wildcard": 1}]}, ("a", 0, "wildcard"), "wildcard match pattern must be a string"),
        ({"a": [{"wildcard": "ab**"}]}, ("a", 0, "wildcard"),
         "Consecutive wildcard characters at pos 3"),
        ({"a": [{"wildcard": "é**"}]}, ("a", 0, "wildcard"),
         "Consecutive wildcard characters at pos 3"),
        ({"a": [{"wildcard": "a\\b"}]}, ("a", 0, "wildcard"), "Invalid escape character at pos 2"),
        ({"a": [{"wildcard": "a\\"}]}, ("a", 0, "wildcard"), "Invalid escape character at pos 2"),
        ({"a": [{"wildcard": "*-*-*-*-*-*-x"}]}, ("a",), TOO_COMPLEX),
        ({"a": [{"anything-but": {"wildcard": ["*/x/*/*.a", "*/x/*/*.b", "*/x/*/*.c"]}}]},
         ("a",), TOO_COMPLEX),
        # $or
        ({"$or": [{"a": ["x"]}]}, ("$or",),
         "There must have at least 2 Objects in $or relationship."),
        ({"$or": [{"a": ["x"]}, "b"]}, ("$or", 1),
         "Only JSON object is allowed in array of $or relationship."),
        ({"$or": [{"numeric": [1]}, {"a": ["x"]}]}, ("$or", 0, "numeric"),
         "numeric is Ruler reserved fieldName which cannot be used inside $or."),
        ({"$or": 5}, ("$or",), '"$or" must be an object or an array'),
        # JSON text
        ("{'a': ['x']}", (),
         "Unexpected character (''' (code 39)): was expecting double-quote to start field name"),
        ("nope", (), "Unrecognized token 'nope': was expecting (JSON String, Number, Array, "
                     "Object or token 'null', 'true' or 'false')"),
        ('{"a": [1, 2 3]}', (),
         "Unexpected character ('3' (code 51)): was expecting comma to separate Array entries"),
        ('{"a": ["x"]', (), "Unexpected end-of-input: expected close marker for Object"),
        ('{"a" ["x"]}', (),
         "Unexpected character ('[' (code 91)): was expecting a colon to separate field name "
         "and value"),
    ],
)
def test_invalid_pattern(pattern: Any, path: tuple[Any, ...], reason: str) -> None:
    assert validate_pattern(pattern)[0] == PatternProblem(path, reason)
    with pytest.raises(InvalidEventPattern) as raised:
        compile_pattern(pattern)
    assert str(raised.value) == "Event pattern is not valid. Reason: " + reason
    assert raised.value.path == path
    assert raised.value.reason == reason


@pytest.mark.parametrize(
    "pattern",
    [
        {"a": [{"prefix": ""}]},
        {"a": [{"suffix": ""}]},
        {"a": [{"wildcard": ""}]},
        {"a": [{"anything-but": {"wildcard": ""}}]},
        {"a": [{"anything-but": {"equals-ignore-case": []}}]},
        {"a": [1e300, 0.12345678]},
        {"a": [{"numeric": [">=", -5e9, "<=", 5e9]}]},
        {"a": [{"numeric": ["=", 1.500000]}]},
        {"a": [{"wildcard": "x*/y/y/y/y/y/z"}]},
        {"a": [{"wildcard": "*.a"}, {"wildcard": "*.b"}, {"wildcard": "*.c"}, {"wildcard": "*.d"}]},
        {"a": [{"exactly": "x"}]},
        {"$or": {"prefix": ["x"]}},
        {"a": ["x"], "$or": [{"b": ["y"]}, {"c": [{"exists": False}]}]},
        '{"a": ["x"]} trailing text is not read',
    ],
)
def test_valid_pattern(pattern: Any) -> None:
    assert validate_pattern(pattern) == []
    compile_pattern(pattern)


def test_every_problem_is_reported_in_document_order() -> None:
    pattern = {
        "source": [],
        "detail": {
            "a": [{"prefix": 1}, "ok", {"numeric": [">"]}],
            "b": "x",
            "$or": [{"c": ["y"]}],
        },
    }
    assert [(format_path(p.path), p.reason) for p in validate_pattern(pattern)] == [
        ("source", "Empty arrays are not allowed"),
        ("detail.a[0].prefix", "prefix match pattern must be a string"),
        ("detail.a[2].numeric[1]", "Value of > must be numeric"),
        ("detail.b", '"b" must be an object or an array'),
        ("detail.$or", "There must have at least 2 Objects in $or relationship."),
    ]
    with pytest.raises(InvalidEventPattern) as raised:
        compile_pattern(pattern)
    assert len(raised.value.problems) == 5
    assert str(raised.value.problems[2]) == "detail.a[2].numeric[1]: Value of > must be numeric"


def test_too_many_or_combinations_are_refused() -> None:
    pattern = {f"k{i}": {"$or": [{"a": ["x"]}, {"b": ["y"]}]} for i in range(15)}
    problems = validate_pattern(pattern)
    assert len(problems) == 1
    assert "more than 10000 $or combinations" in problems[0].reason


def test_errors_are_value_errors() -> None:
    with pytest.raises(ValueError, match=r"^Event pattern is not valid\. Reason: "):
        test_event_pattern({"a": "x"}, {"a": "x"})
