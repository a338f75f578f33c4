"""What text the hub takes from people and centers: pure functions, no framework.

Unicode can deceive a reader: ``Shop \\u202eTXT.EXE`` displays as ``Shop EXE.TXT``, a NUL
or an escape sequence hides in a name, ``２１０１…`` or ``٢١٠١…`` is an ID number that
neither matches nor hashes like ``2101…``. Where a value's meaning is digits it is
normalised (NFKC, then any decimal digit to ASCII); names and free text refuse control
characters and bidirectional overrides, embeddings and isolates. ``hub.fields`` applies
these at every boundary; the one form's own check (``hub.approvals.forms``) too.
"""
from __future__ import annotations

import re
import unicodedata

# Bidirectional formatting that reorders what is shown: embeddings and overrides
# (U+202A–U+202E) and isolates (U+2066–U+2069).
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
# C0 controls but tab and line feed, DEL, C1 controls, lone surrogates.
_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff"
FREE_TEXT_REFUSED = re.compile(f"[{_CONTROLS}{BIDI_CONTROLS}]")
# A single line also refuses tab, line feed and the Unicode line and paragraph separators.
LINE_REFUSED = re.compile(f"[\t\n\u2028\u2029{_CONTROLS}{BIDI_CONTROLS}]")
_NEWLINES = re.compile(r"\r\n?")


def refused_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character a name (``multiline`` False) or a free text may not hold."""
    found = (FREE_TEXT_REFUSED if multiline else LINE_REFUSED).search(value)
    return found.group() if found else None


def describe(char: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE`` (the name when Unicode gives one)."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def refusal(value: str, *, multiline: bool = False) -> str | None:
    """Why ``value`` is refused as a name or free text, or None."""
    char = refused_character(value, multiline=multiline)
    if char is None:
        return None
    kind = "双向文本控制符" if re.match(f"[{BIDI_CONTROLS}]", char) else "控制字符"
    return f"含有不允许的{kind}（{describe(char)}）"


def line_breaks(value: str) -> str:
    """Free text with CR LF and lone CR as LF (browsers post CR LF from a text area)."""
    return _NEWLINES.sub("\n", value)


def ascii_digits(value: str) -> str:
    """A value whose meaning is digits, as ASCII: NFKC (full-width ``２``, ``Ｘ`` and
    ``－`` fold to ``2``, ``X`` and ``-``), then any decimal digit (Arabic-Indic ``٢``,
    Devanagari ``२``, …) to its ASCII digit; whitespace dropped."""
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value)
        value = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in value)
    return "".join(value.split())
