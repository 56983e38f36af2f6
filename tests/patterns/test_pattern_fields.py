"""Reading the fields of a pattern, and its size."""

from __future__ import annotations

import pytest

from edac.patterns import FieldRef, InvalidEventPattern, field_refs, fields_of, pattern_size

PATTERN = {
    "source": ["shop"],
    "detail": {
        "order.status": ["paid"],
        "$or": [
            {"amount": [{"numeric": [">", 10]}]},
            {"customer": {"tier": ["gold"]}, "$or": [{"x": [1]}, {"y": [2]}]},
        ],
    },
}


def test_fields_of_expands_dotted_keys_and_or_branches() -> None:
    assert fields_of(PATTERN) == [
        (("source",), ["shop"]),
        (("detail", "order", "status"), ["paid"]),
        (("detail", "amount"), [{"numeric": [">", 10]}]),
        (("detail", "customer", "tier"), ["gold"]),
        (("detail", "x"), [1]),
        (("detail", "y"), [2]),
    ]


def test_field_refs_locate_each_leaf_array_in_the_pattern() -> None:
    refs = field_refs(PATTERN)
    assert refs[1] == FieldRef(("detail", "order", "status"), ["paid"], ("detail", "order.status"))
    assert refs[3].location == ("detail", "$or", 1, "customer", "tier")
    assert refs[5].location == ("detail", "$or", 1, "$or", 1, "y")


def test_fields_of_text_and_invalid_parts() -> None:
    text = '{"a": {"b": ["x"], "c": 5, "$or": {"d": ["y"]}}}'
    assert fields_of(text) == [(("a", "b"), ["x"]), (("a", "$or", "d"), ["y"])]
    with pytest.raises(InvalidEventPattern):
        fields_of("[1, 2]")


@pytest.mark.parametrize(
    ("pattern", "size"),
    [
        ({"source": ["shop"]}, len('{"source":["shop"]}')),
        ('{ "source" : [ "shop" ] }', len('{"source":["shop"]}')),
        ({"n": [1.5], "s": ["é"]}, len('{"n":[1.5],"s":["é"]}')),
    ],
)
def test_pattern_size_counts_compact_json(pattern: object, size: int) -> None:
    assert pattern_size(pattern) == size
