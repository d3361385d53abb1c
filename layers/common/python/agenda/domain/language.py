"""The languages the product writes, and how a tag or an Accept-Language header chooses one.

Pure and small: the error mapping reads it on every refused request, so it imports nothing.
"""

from __future__ import annotations

PT_BR = "pt-BR"
EN = "en"
DEFAULT = PT_BR  # a professional's language unless they choose another
SUPPORTED = (PT_BR, EN)


def supported(tag: object) -> str | None:
    """The language the product writes for a tag, or None: "en", "en-US" and "en_GB" are
    English; "pt-BR", "pt" and "pt-PT" Brazilian Portuguese (the only Portuguese written)."""
    if not isinstance(tag, str):
        return None
    primary = tag.strip().replace("_", "-").lower().partition("-")[0]
    if primary == "pt":
        return PT_BR
    if primary == "en":
        return EN
    return None


def language_of(tag: object) -> str:
    """The language for a stored tag (a professional's locale, an envelope's), DEFAULT when
    the product does not write it."""
    return supported(tag) or DEFAULT


def from_accept_language(header: str | None) -> str | None:
    """The first language the product writes among an Accept-Language header's, by quality
    (RFC 9110 12.5.4; equal qualities keep the header's order), or None when it names none."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        chosen = supported(tag)
        if chosen is not None and quality > 0:
            ranked.append((-quality, position, chosen))
    return min(ranked)[2] if ranked else None
