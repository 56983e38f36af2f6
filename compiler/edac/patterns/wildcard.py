"""Wildcard operands: parsing, matching and the complexity EventBridge limits.

``*`` matches any run of characters (including none); ``\\*`` and ``\\\\`` are a literal
star and backslash; any other backslash and two stars in a row are errors. Positions in
error messages count UTF-8 bytes of the operand with its opening quote, as EventBridge's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

TOO_COMPLEX = (
    "Rule is too complex - try using fewer wildcard characters or fewer repeating "
    "character sequences after a wildcard character"
)
MAX_COMPLEXITY = 10
"""EventBridge rejects a field whose wildcard machine can be in more states at once."""

_STAR = -1


def parse_wildcard(text: str) -> tuple[str, ...]:
    """The literal segments between the stars (``"a*b"`` -> ``("a", "b")``).

    Raises ``ValueError`` with EventBridge's reason for a malformed operand.
    """
    segments: list[str] = []
    current: list[str] = []
    position = 1  # the operand is counted with its opening quote
    index = 0
    while index < len(text):
        char = text[index]
        following = text[index + 1] if index + 1 < len(text) else '"'
        if char == "*":
            if following == "*":
                raise ValueError(f"Consecutive wildcard characters at pos {position}")
            segments.append("".join(current))
            current = []
        elif char == "\\":
            if following not in "*\\" or index + 1 == len(text):
                raise ValueError(f"Invalid escape character at pos {position}")
            current.append(following)
            position += 1
            index += 1
        else:
            current.append(char)
        position += len(char.encode("utf-8", "surrogatepass"))
        index += 1
    segments.append("".join(current))
    return tuple(segments)


def wildcard_matches(segments: tuple[str, ...], value: str) -> bool:
    """Whether ``value`` matches the parsed wildcard (greedy, linear per segment)."""
    first = segments[0]
    if len(segments) == 1:
        return value == first
    last = segments[-1]
    end = len(value) - len(last)
    if end < len(first) or not value.startswith(first) or not value.endswith(last):
        return False
    position = len(first)
    for middle in segments[1:-1]:
        found = value.find(middle, position, end)
        if found < 0:
            return False
        position = found + len(middle)
    return True


class _State:
    __slots__ = ("any", "literal", "star", "trie", "weight")

    def __init__(self) -> None:
        self.literal: dict[int, set[int]] = {}
        self.any: set[int] = set()
        self.weight: set[object] = set()
        self.trie: dict[int, int] = {}
        self.star: int | None = None


def _tokens(segments: tuple[str, ...]) -> list[int]:
    """The operand as EventBridge stores it: quoted UTF-8 bytes, ``_STAR`` per star."""
    tokens = [ord('"')]
    for number, segment in enumerate(segments):
        if number:
            tokens.append(_STAR)
        tokens.extend(segment.encode("utf-8", "surrogatepass"))
    tokens.append(ord('"'))
    return tokens


def wildcard_complexity(patterns: Iterable[tuple[object, Sequence[tuple[str, ...]]]]) -> int:
    """How many wildcard pattern prefixes one input can keep alive at once in a field.

    ``patterns`` pairs an identity (patterns that are one operator share it) with the
    parsed operands. The operands are built into one byte machine the way EventBridge
    builds it (shared determinate prefixes and their first star state; a star is a
    self-looping state that its predecessor can also skip); the result is the largest
    weight over every reachable set of active states, where a state weighs the number of
    patterns it can still lead to, and a state's star successor counts too while it is
    not itself active. The search stops once the weight passes :data:`MAX_COMPLEXITY`.
    """
    states = [_State()]

    def new_state() -> int:
        states.append(_State())
        return len(states) - 1

    alphabet: set[int] = set()
    for identity, operands in patterns:
        for segments in operands:
            tokens = _tokens(segments)
            current, previous, determinate = 0, 0, True
            states[0].weight.add(identity)
            for index, token in enumerate(tokens):
                last = index == len(tokens) - 1
                if token == _STAR:
                    target = states[current].star if determinate else None
                    if target is None:
                        target = new_state()
                        if determinate:
                            states[current].star = target
                    states[current].any.add(target)
                    states[target].any.add(target)
                    determinate = False
                else:
                    alphabet.add(token)
                    shared = determinate and not last
                    target = states[current].trie.get(token) if shared else None
                    if target is None:
                        target = new_state()
                        if shared:
                            states[current].trie[token] = target
                    states[current].literal.setdefault(token, set()).add(target)
                    if index and tokens[index - 1] == _STAR:
                        states[previous].literal.setdefault(token, set()).add(target)
                states[target].weight.add(identity)
                previous, current = current, target
    return _max_weight(states, sorted(alphabet) + [_STAR])


def _max_weight(states: list[_State], inputs: list[int]) -> int:
    seen: set[frozenset[int]] = set()
    pending = [frozenset([0])]
    highest = 0
    while pending:
        active = pending.pop()
        for byte in inputs:
            reached: set[int] = set()
            for state in active:
                reached |= states[state].any
                reached |= states[state].literal.get(byte, set())
            if not reached:
                continue
            weight = 0
            for state in reached:
                weight += len(states[state].weight)
                weight += sum(len(states[s].weight) for s in states[state].any - reached)
            if weight > MAX_COMPLEXITY:
                return weight
            highest = max(highest, weight)
            key = frozenset(reached)
            if key not in seen:
                seen.add(key)
                pending.append(key)
    return highest
