"""A small rich text, and how each channel draws it.

Each text is written once, as paragraphs of plain and bold pieces, lists and links; each
channel draws it its own way (WhatsApp markup, plain text, escaped HTML), so the versions can
never drift apart.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from agenda.domain.messages.formatting import Locale


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str | None = None


@dataclass(frozen=True, slots=True)
class Bold:
    text: str


type Piece = str | Bold
type Line = tuple[Piece, ...]


@dataclass(frozen=True, slots=True)
class Paragraph:
    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class Bullets:
    items: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str


type Block = Paragraph | Bullets | Link


@dataclass(frozen=True, slots=True)
class Message:
    subject: str
    blocks: tuple[Block, ...]


def para(*pieces: Piece) -> Paragraph:
    return Paragraph((pieces,))


def lines(*lines: Line) -> Paragraph:
    return Paragraph(lines)


def _whatsapp_piece(piece: Piece) -> str:
    if isinstance(piece, Bold):
        # WhatsApp markup has no escape: a value holding the marker itself stays plain.
        return f"*{piece.text}*" if piece.text and "*" not in piece.text else piece.text
    return piece


def _plain_piece(piece: Piece) -> str:
    return piece.text if isinstance(piece, Bold) else piece


def _html_piece(piece: Piece) -> str:
    if isinstance(piece, Bold):
        return f"<strong>{html.escape(piece.text)}</strong>"
    return html.escape(piece)


def as_text(blocks: tuple[Block, ...], piece: Callable[[Piece], str], bullet: str) -> str:
    def line(pieces: Line) -> str:
        return "".join(piece(p) for p in pieces)

    drawn = []
    for block in blocks:
        match block:
            case Paragraph(lines):
                drawn.append("\n".join(line(each) for each in lines))
            case Bullets(items):
                drawn.append("\n".join(bullet + line(each) for each in items))
            case Link(label, url):
                drawn.append(f"{label}: {url}")
    return "\n\n".join(drawn)


_BODY_STYLE = "font-family: Arial, Helvetica, sans-serif; font-size: 16px; line-height: 1.5"


def as_html(message: Message, locale: Locale) -> str:
    def line(pieces: Line) -> str:
        return "".join(_html_piece(p) for p in pieces)

    drawn = []
    for block in message.blocks:
        match block:
            case Paragraph(lines):
                drawn.append("<p>" + "<br>\n".join(line(each) for each in lines) + "</p>")
            case Bullets(items):
                rows = "".join(f"<li>{line(each)}</li>\n" for each in items)
                drawn.append(f"<ul>\n{rows}</ul>")
            case Link(label, url):
                drawn.append(f'<p><a href="{html.escape(url)}">{html.escape(label)}</a></p>')
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(locale.tag)}">\n'
        f'<head><meta charset="utf-8"><title>{html.escape(message.subject)}</title></head>\n'
        f'<body style="{_BODY_STYLE}">\n' + "\n".join(drawn) + "\n</body>\n</html>\n"
    )


def draw(message: Message, channel: str, locale: Locale) -> Rendered:
    """A message for one channel: WhatsApp markup, or a plain text and an HTML body for email."""
    if channel == "whatsapp":
        return Rendered(message.subject, as_text(message.blocks, _whatsapp_piece, "• "))
    return Rendered(
        message.subject,
        as_text(message.blocks, _plain_piece, "- "),
        as_html(message, locale),
    )
