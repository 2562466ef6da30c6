"""The order of strings as JavaScript gives it, and so jsonata-js and AWS: by UTF-16 code units.

Python orders strings by code points. The two orders differ only where, at the first place two
strings differ, one has a character from U+E000 to U+FFFF (CJK fullwidth forms, private use) and
the other a character beyond U+FFFF (emoji): JavaScript compares the latter's first surrogate
(U+D800..U+DBFF) and puts it first. Every comparison of strings that orders them (`<`, `$sort`,
`^(...)`, Choice rules) goes through here so that the local engine orders as AWS does.
"""

from __future__ import annotations


def utf16_units(text: str) -> bytes:
    """The string's UTF-16 code units as big-endian bytes, which compare as the units do.

    `surrogatepass`: a lone surrogate (JSON allows `"\\ud800"`) is one unit, as in JavaScript.
    """
    return text.encode("utf-16-be", "surrogatepass")


def js_compare(left: str, right: str) -> int:
    """-1, 0 or 1 as JavaScript's `<` and `>` order `left` and `right`."""
    if not (left.isascii() and right.isascii()):
        a, b = utf16_units(left), utf16_units(right)
        return (a > b) - (a < b)
    return (left > right) - (left < right)
