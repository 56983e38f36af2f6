"""Compiling one leaf array of a pattern (``"state": ["a", {"prefix": "b"}]``) into a
:class:`FieldRule`, reporting every invalid element."""

from __future__ import annotations

from typing import Any

from .cidr import single_address
from .errors import PatternPath, PatternProblem
from .expressions import expression
from .jsontext import is_number, is_object
from .numbers import comparable
from .operands import Reject, number_operand
from .operators import InIpRange, ValueTest
from .rule import FieldRule, WildcardGroup


def compile_leaf(
    name: str, leaves: list[Any], location: PatternPath, problems: list[PatternProblem]
) -> FieldRule:
    """Compile the leaf array of field ``name``, appending its problems to ``problems``.

    A string that is an IP address matches the address however the event spells it; a
    number matches numerically when numeric matching can use it, otherwise by its text.
    """
    rule = FieldRule(name, leaves, location)
    if not leaves:
        problems.append(PatternProblem(location, "Empty arrays are not allowed"))
        return rule
    strings: set[str] = set()
    micros: set[int] = set()
    texts: set[str] = set()
    tests: list[ValueTest] = []
    wildcards: list[WildcardGroup] = []
    for index, leaf in enumerate(leaves):
        path = (*location, index)
        try:
            if isinstance(leaf, str):
                address = single_address(leaf)
                if address is None:
                    strings.add(leaf)
                else:
                    tests.append(InIpRange(address))
            elif leaf is None:
                rule.null = True
            elif isinstance(leaf, bool):
                rule.true, rule.false = rule.true or leaf, rule.false or not leaf
            elif is_number(leaf):
                text = number_operand(leaf, path)
                micro = comparable(text)
                if micro is None:
                    texts.add(text)
                else:
                    micros.add(micro)
            elif is_object(leaf):
                outcome = expression(leaf, path, wildcards)
                if isinstance(outcome, str):
                    strings.add(outcome)
                elif isinstance(outcome, int):
                    micros.add(outcome)
                elif outcome is None:
                    rule.absent = True
                else:
                    tests.append(outcome)
            else:
                raise Reject(path, "Match value must be String, number, true, false, or null")
        except Reject as reject:
            problems.append(PatternProblem(reject.path, reject.reason))
    rule.strings, rule.micros, rule.texts = frozenset(strings), frozenset(micros), frozenset(texts)
    rule.tests, rule.wildcards = tuple(tests), tuple(wildcards)
    return rule
