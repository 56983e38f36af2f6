"""IP addresses and CIDR blocks as EventBridge reads them.

A string is an IP address candidate only if it looks like one: four dot-separated decimal
runs (IPv4, each at most 255) or hex digits and colons with at least one colon (IPv6). An
IPv4-mapped IPv6 address stands for its IPv4 address.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache

_IPV4 = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
_IPV6 = re.compile(r"[0-9a-fA-F:]*:[0-9a-fA-F:]*")
_MASK = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True)
class IpRange:
    """Addresses of one family (``bits`` 32 or 128) from ``low`` to ``high`` inclusive."""

    bits: int
    low: int
    high: int

    def contains(self, address: tuple[int, int] | None) -> bool:
        return address is not None and address[0] == self.bits and (
            self.low <= address[1] <= self.high
        )


def _parse(text: str) -> tuple[int, int]:
    """``(bits, value)`` of an address; ``ValueError`` with EventBridge's reason otherwise."""
    if _IPV4.fullmatch(text):
        parts = [int(part) for part in text.split(".")]
        if max(parts) > 255:
            raise ValueError(f"Invalid IP address: {text}")
        return 32, int.from_bytes(bytes(parts), "big")
    if _IPV6.fullmatch(text):
        try:
            address = ipaddress.IPv6Address(text)
        except ValueError:
            raise ValueError(f"Invalid IP address: {text}") from None
        mapped = address.ipv4_mapped
        return (32, int(mapped)) if mapped is not None else (128, int(address))
    raise ValueError(f"Nonstandard IP address: {text}")


@lru_cache(maxsize=4096)
def parse_ip(text: str) -> tuple[int, int] | None:
    """``(bits, value)`` if ``text`` is an IP address, else ``None``."""
    try:
        return _parse(text)
    except ValueError:
        return None


def single_address(text: str) -> IpRange | None:
    """The one-address range an exact-match string stands for, if it is an IP address."""
    address = parse_ip(text)
    return None if address is None else IpRange(address[0], address[1], address[1])


def cidr_range(text: str) -> IpRange:
    """The addresses a ``cidr`` operand covers; ``ValueError`` with EventBridge's reason.

    The block is the network containing the address written, from all host bits clear to
    all host bits set.
    """
    parts = text.split("/")
    while parts and not parts[-1]:
        parts.pop()
    if len(parts) != 2:
        raise ValueError("Malformed CIDR, one '/' required")
    if not _MASK.fullmatch(parts[1]):
        raise ValueError("Malformed CIDR, mask bits must be an integer")
    mask = int(parts[1])
    if mask < 0:
        raise ValueError("Malformed CIDR, mask bits must not be negative")
    bits, address = _parse(parts[0])
    if mask >= bits:
        family = "IPv4" if bits == 32 else "IPv6"
        raise ValueError(f"{family} mask bits must be < {bits}")
    host = (1 << (bits - mask)) - 1
    return IpRange(bits, address & ~host, address | host)
