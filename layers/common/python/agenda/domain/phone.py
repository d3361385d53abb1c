"""Phone numbers in E.164, the form every provider and the client lookup agree on.

Brazilian numbers, the product's home market, are read however people write them: with or
without +55 / 0055 / the trunk 0 / a long-distance carrier code, with or without the ninth
digit of a mobile (mobiles gained it in 2012-2016, and many still write the old 8 digits), and
checked against the real area codes (DDD). Other countries keep their own code after + or 00.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s().\-/]")
BRAZIL = "55"
# ANATEL's area codes in use.
AREA_CODES = frozenset(
    {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37, 38,
     41, 42, 43, 44, 45, 46, 47, 48, 49, 51, 53, 54, 55, 61, 62, 63, 64, 65, 66, 67, 68, 69,
     71, 73, 74, 75, 77, 79, 81, 82, 83, 84, 85, 86, 87, 88, 89,
     91, 92, 93, 94, 95, 96, 97, 98, 99}
)  # fmt: skip


def _brazilian(national: str) -> str | None:
    """DDD + subscriber number (8 or 9 digits) -> +55..., or None when it cannot be one."""
    if len(national) not in (10, 11) or int(national[:2]) not in AREA_CODES:
        return None
    area, subscriber = national[:2], national[2:]
    if len(subscriber) == 9:
        # Nine digits are a mobile, and every mobile starts with 9 now.
        return f"+{BRAZIL}{area}{subscriber}" if subscriber[0] == "9" else None
    if subscriber[0] in "6789":
        return f"+{BRAZIL}{area}9{subscriber}"  # a mobile written without its ninth digit
    if subscriber[0] in "2345":
        return f"+{BRAZIL}{area}{subscriber}"  # a landline
    return None


def normalize_phone(raw: str) -> str | None:
    """Return +<digits> or None when the input cannot be a phone number."""
    written = raw.strip()
    text = _SEPARATORS.sub("", written)
    # "(0xx) ..." is an area code in parentheses, never the 00 international prefix.
    if text.startswith("00") and not written.startswith("("):
        text = "+" + text[2:]
    if text.startswith("+"):
        digits = text[1:]
        if not digits.isdigit():
            return None
        if digits.startswith(BRAZIL):
            national = digits[2:]
            if national.startswith("0"):  # +55 (011) ...: a trunk 0 written after the code
                national = national[1:]
            return _brazilian(national)
        return "+" + digits if 8 <= len(digits) <= 15 else None
    if not text.isdigit():
        return None
    if text.startswith("0"):
        # 0 + DDD + number (trunk), or 0 + carrier code (2 digits) + DDD + number.
        national = text[1:] if len(text) in (11, 12) else text[3:] if len(text) in (13, 14) else ""
        return _brazilian(national)
    if len(text) in (12, 13) and text.startswith(BRAZIL):
        return _brazilian(text[2:])
    return _brazilian(text)


def _alternatives(codes: frozenset[int]) -> str:
    return "(?:" + "|".join(str(code) for code in sorted(codes)) + ")"


_AREA = _alternatives(AREA_CODES)
# A subscriber number after the area code: a mobile's nine digits (9 first), or eight digits
# (a landline from 2 to 5, a mobile written without its ninth digit from 6 to 9).
_SUBSCRIBER = r"(?:9[0-9]{4}|[2-9][0-9]{3})-?[0-9]{4}"
# The forms the OpenAPI document states, as an ECMA-262 pattern: a Brazilian number with its area
# code, +55 or not, with or without the usual separators, or any other country's +<8 to 15
# digits>. Every string it matches normalises (tests/unit/test_openapi.py); the parser also reads
# the rarer writings (a trunk 0, a carrier code, 00 for +) the pattern leaves out.
DOCUMENTED_PATTERN = (
    rf"^(?:(?:\+55 ?)?(?:\({_AREA}\)|{_AREA}) ?{_SUBSCRIBER}"
    r"|\+(?:[1-46-9][0-9]{7,14}|5[0-46-9][0-9]{6,13}))$"
)
