"""The number, IP address and wildcard helpers of the pattern engine."""

from __future__ import annotations

import pytest

from edac.patterns.cidr import IpRange, cidr_range, parse_ip
from edac.patterns.numbers import comparable, to_micros
from edac.patterns.wildcard import parse_wildcard, wildcard_complexity, wildcard_matches


@pytest.mark.parametrize(
    ("text", "micros"),
    [
        ("0", 0),
        ("-0.0", 0),
        ("1.5", 1_500_000),
        ("1.500000000", 1_500_000),
        ("2e-6", 2),
        ("-5e9", -5_000_000_000_000_000),
        ("5000000000", 5_000_000_000_000_000),
        ("0e99", 0),
        ("1.0000001", None),
        ("5000000000.000001", None),
        ("1e400", None),
    ],
)
def test_comparable_numbers(text: str, micros: int | None) -> None:
    assert comparable(text) == micros


def test_to_micros_reasons() -> None:
    with pytest.raises(ValueError, match="6 decimals"):
        to_micros("0.1234567")
    with pytest.raises(ValueError, match="between"):
        to_micros("-5000000001")


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("10.0.0.1", (32, 0x0A000001)),
        ("010.000.000.001", (32, 0x0A000001)),
        ("::1", (128, 1)),
        ("::ffff:a00:1", (32, 0x0A000001)),
        ("256.0.0.1", None),
        ("1.2.3", None),
        ("::ffff:10.0.0.1", None),
        ("fe80::1%eth0", None),
        ("not an ip", None),
    ],
)
def test_parse_ip(text: str, address: tuple[int, int] | None) -> None:
    assert parse_ip(text) == address


@pytest.mark.parametrize(
    ("text", "ip_range"),
    [
        ("10.1.2.3/8", IpRange(32, 0x0A000000, 0x0AFFFFFF)),
        ("10.1.2.3/31", IpRange(32, 0x0A010202, 0x0A010203)),
        ("10.0.0.0/24/", IpRange(32, 0x0A000000, 0x0A0000FF)),
        ("2001:db8::/127", IpRange(128, 0x20010DB8 << 96, (0x20010DB8 << 96) | 1)),
    ],
)
def test_cidr_range(text: str, ip_range: IpRange) -> None:
    assert cidr_range(text) == ip_range


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("", ("",)),
        ("*", ("", "")),
        ("a*b*", ("a", "b", "")),
        ("a\\*b", ("a*b",)),
        ("a\\\\*", ("a\\", "")),
    ],
)
def test_parse_wildcard(text: str, segments: tuple[str, ...]) -> None:
    assert parse_wildcard(text) == segments


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("ab*ba", "aba", False),
        ("ab*ba", "abba", True),
        ("*x*x*", "xx", True),
        ("*x*x*", "x", False),
        ("a*", "a", True),
        ("*a", "ba", True),
    ],
)
def test_wildcard_matches(pattern: str, value: str, expected: bool) -> None:
    assert wildcard_matches(parse_wildcard(pattern), value) is expected


@pytest.mark.parametrize(
    ("patterns", "complexity"),
    [
        (["plain"], 1),
        (["abc*"], 2),
        (["*abc"], 2),
        (["*a*"], 3),
        (["x*/y/y/y/y/y/z"], 7),
        (["*-*-*-*-*-*-x"], 11),
        (["*.a", "*.b", "*.c", "*.d"], 8),
        (["*/x/*.a", "*/x/*.b"], 8),
        (["*/x/*.a", "*/x/*.b", "*/x/*.c"], 12),
    ],
)
def test_wildcard_complexity(patterns: list[str], complexity: int) -> None:
    groups = [(pattern, [parse_wildcard(pattern)]) for pattern in patterns]
    assert wildcard_complexity(groups) == complexity
