"""Text helpers shared by the diagnostics and the emitters: counts, durations, short lists,
markdown's quoting, one function per place text goes (`code`: inline code that shows any text
verbatim; `prose`: text in a paragraph, of markdown or MDX), and `shell`, the one quoting
function of a POSIX shell (for the commands edac prints or writes)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable

LIST_MAX = 3  # names listed before "+N more"


def listing(names: Iterable[str], limit: int = LIST_MAX) -> str:
    """`a, b, c +2 more`."""
    items = list(names)
    shown = ", ".join(items[:limit])
    return shown + (f" +{len(items) - limit} more" if len(items) > limit else "")


def count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def duration(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def code(text: str) -> str:
    """Markdown inline code showing `text` verbatim: a backtick fence longer than any run in
    the text, whitespace collapsed (in a table cell, `|` still needs escaping)."""
    text = " ".join(text.split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


_INLINE = re.compile(r"([\\`*_{}\[\]<>&~|!])")  # markup anywhere in a line


def prose(text: str) -> str:
    """Text shown as itself in a CommonMark or MDX paragraph: whitespace collapsed (one
    paragraph), each character that is markup where it stands backslash-escaped (CommonMark
    takes a backslash before any ASCII punctuation; MDX reads `{` and `<` as code and honours
    the same escapes): emphasis, code, links, HTML/JSX, expressions, entities anywhere; a
    heading, list or block quote marker at the start, and a first word `import` / `export`
    (MDX's ESM), whose first letter becomes a character reference."""
    flat = _INLINE.sub(r"\\\1", " ".join(text.split()))
    if re.match(r"^(import|export)\b", flat):  # MDX reads such a paragraph as JavaScript
        return f"&#{ord(flat[0])};{flat[1:]}"
    match = re.match(r"^\d+([.)])", flat)
    if match:
        return flat[: match.start(1)] + "\\" + flat[match.start(1):]
    return re.sub(r"^([#+=>-])", r"\\\1", flat)


def shell(word: str) -> str:
    """One word of a POSIX shell command, quoted when it needs to be."""
    return shlex.quote(word)


def command(*words: str) -> str:
    """A shell command line of `words`, each quoted by `shell`."""
    return " ".join(shell(w) for w in words)
