"""A professional's public page (/p/{slug}) and an old slug's redirect, as static HTML.

Pure: a profile, the build's asset names and the site's address in, a document out. The page
is what a link preview reads (it runs no script: the title, the description, the Open Graph
and Twitter tags are all in the HTML) and what the booking widget's script runs in (the
``#booking-widget`` container and its ``data-*`` attributes, docs/pages.md). Every value from
the profile goes through ``html.escape``: a name or a bio written as ``<script>`` is text.
The page has no inline script or style, as the site's Content-Security-Policy demands.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from agenda.domain.language import EN, language_of
from agenda.domain.messages.formatting import locale_for
from agenda.domain.money import decimal_places

if TYPE_CHECKING:
    from agenda.service.records import ProfilePage, PublicProfile

# The assets a page names, by their source paths (the build's manifest gives the hashed ones).
SITE_CSS = "/assets/site.css"
PROFILE_CSS = "/assets/profile.css"
BOOKING_SCRIPT = "/assets/js/booking-page.js"
BOOKING_CSS = "/assets/booking.css"
FAVICON = "/assets/favicon.svg"
# The booking script's imports, fetched beside it rather than after it is parsed: the widget's
# first paint waits for the whole module graph.
BOOKING_MODULES = (
    "/assets/js/slot-picker.js",
    "/assets/js/api.js",
    "/assets/js/i18n.js",
    "/assets/js/calendar-file.js",
    "/assets/js/dom.js",
)
DEFAULT_IMAGE = "/assets/og-default.png"
DEFAULT_IMAGE_SIZE = (1200, 630)
# Search results show about this many characters of a description.
DESCRIPTION_LENGTH = 155
REVIEWS_SHOWN = 5

TEXTS: Mapping[str, Mapping[str, str]] = {
    "pt-BR": {
        "skip": "Pular para o conteúdo",
        "home": "Agenda",
        "photo": "Foto de {name}",
        "duration": "Sessão de {minutes} min",
        "price": "{price} por sessão",
        "about": "Sobre",
        "book": "Agendar um horário",
        "noscript": (
            "Para ver os horários livres e agendar, ative o JavaScript no seu navegador. "
            "Você também pode falar diretamente com {name}."
        ),
        "reviews": "Avaliações",
        "no_reviews": "Ainda não há avaliações.",
        "average": "Nota média {average} de 5, em {count}.",
        "review_count_one": "1 avaliação",
        "review_count": "{count} avaliações",
        "rating": "Nota {rating} de 5",
        "by": "{name}",
        "reply": "Resposta de {name}",
        "related": "Outros profissionais",
        "description": "Agende uma sessão com {name}, {profession}.",
        "footer": "Agendamento on-line com confirmação pelo WhatsApp.",
        "moved_title": "Esta página mudou de endereço",
        "moved": "A página de {name} agora está em",
    },
    "en": {
        "skip": "Skip to content",
        "home": "Agenda",
        "photo": "Photo of {name}",
        "duration": "{minutes}-minute session",
        "price": "{price} per session",
        "about": "About",
        "book": "Book a time",
        "noscript": (
            "To see the free times and book, turn on JavaScript in your browser. "
            "You can also contact {name} directly."
        ),
        "reviews": "Reviews",
        "no_reviews": "No reviews yet.",
        "average": "Average rating {average} out of 5, from {count}.",
        "review_count_one": "1 review",
        "review_count": "{count} reviews",
        "rating": "Rated {rating} out of 5",
        "by": "{name}",
        "reply": "Reply from {name}",
        "related": "Other professionals",
        "description": "Book a session with {name}, {profession}.",
        "footer": "Online booking, confirmed on WhatsApp.",
        "moved_title": "This page has moved",
        "moved": "{name}'s page is now at",
    },
}
# Open Graph writes a locale with an underscore.
OG_LOCALES = {"pt-BR": "pt_BR", "en": "en_US"}


def page_key(slug: str) -> str:
    """The page's object key in the pages bucket; it is served at /p/{slug}."""
    return f"p/{slug}"


def page_path(slug: str) -> str:
    return f"/p/{slug}"


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _icon(assets: Mapping[str, str]) -> str:
    return f'<link rel="icon" href="{_e(_asset(assets, FAVICON))}" type="image/svg+xml">'


def _asset(assets: Mapping[str, str], path: str) -> str:
    """The hashed name of a build's asset. A page never names a file the build lacks."""
    try:
        return assets[path]
    except KeyError:
        raise LookupError(f"the site's build has no {path}: deploy the pages first") from None


def description_of(profile: PublicProfile, texts: Mapping[str, str]) -> str:
    """The bio's start, cut at a word, for search results and link previews."""
    bio = " ".join((profile.bio or "").split())
    if not bio:
        return texts["description"].format(name=profile.name, profession=profile.profession)
    if len(bio) <= DESCRIPTION_LENGTH:
        return bio
    cut = bio[: DESCRIPTION_LENGTH - 1].rsplit(" ", 1)[0].rstrip(" ,.;:")
    return f"{cut}…"


def paragraphs(text: str | None) -> list[str]:
    """The bio as HTML paragraphs: a blank line parts them, a line break stays one."""
    blocks = re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip())
    return [
        "<br>".join(_e(line.strip()) for line in block.split("\n") if line.strip())
        for block in blocks
        if block.strip()
    ]


def price_attribute(profile: PublicProfile) -> str:
    """The price as a decimal string for the widget ("150.00"), empty when none is shown."""
    if profile.session_price is None:
        return ""
    return f"{Decimal(str(profile.session_price)):.{decimal_places(profile.currency)}f}"


def _average(value: float, language: str) -> str:
    text = f"{value:.1f}"
    return text if language == EN else text.replace(".", ",")


def _reviews(page: ProfilePage, texts: Mapping[str, str], language: str) -> str:
    parts = ['<section class="profile-reviews" aria-labelledby="reviews-heading">']
    parts.append(f'<h2 id="reviews-heading">{_e(texts["reviews"])}</h2>')
    latest = page.profile.reviews[:REVIEWS_SHOWN]
    if page.review_count == 0 or page.review_average is None or not latest:
        parts.append(f"<p>{_e(texts['no_reviews'])}</p></section>")
        return "".join(parts)
    counted = (
        texts["review_count_one"]
        if page.review_count == 1
        else texts["review_count"].format(count=page.review_count)
    )
    average = texts["average"].format(
        average=_average(page.review_average, language), count=counted
    )
    parts.append(f'<p class="profile-average">{_e(average)}</p><ul class="review-list">')
    for review in latest:
        parts.append('<li class="review">')
        parts.append(
            f'<p class="review-rating">{_e(texts["rating"].format(rating=review.rating))}</p>'
        )
        if review.comment:
            comment = "".join(f"<p>{p}</p>" for p in paragraphs(review.comment))
            parts.append(f"<blockquote>{comment}</blockquote>")
        reviewer = _e(texts["by"].format(name=review.reviewer_name))
        parts.append(f'<p class="review-by">{reviewer}</p>')
        if review.reply:
            reply = "".join(f"<p>{p}</p>" for p in paragraphs(review.reply))
            by = _e(texts["reply"].format(name=page.profile.name))
            parts.append(
                f'<div class="review-reply"><p class="review-reply-by">{by}</p>{reply}</div>'
            )
        parts.append("</li>")
    parts.append("</ul></section>")
    return "".join(parts)


def _related(profile: PublicProfile, texts: Mapping[str, str]) -> str:
    if not profile.related:
        return ""
    items = "".join(
        f'<li><a href="{_e(page_path(other.slug))}">{_e(other.name)}</a>'
        f' <span class="related-profession">{_e(other.profession)}</span></li>'
        for other in profile.related
    )
    return (
        '<nav class="profile-related" aria-labelledby="related-heading">'
        f'<h2 id="related-heading">{_e(texts["related"])}</h2>'
        f'<ul class="related-list">{items}</ul></nav>'
    )


def render_page(page: ProfilePage, *, assets: Mapping[str, str], site_url: str) -> str:
    """The HTML of /p/{slug} in the professional's language."""
    profile = page.profile
    language = language_of(profile.language)
    texts = TEXTS[language]
    locale = locale_for(language)
    url = f"{site_url}{page_path(profile.slug)}"
    title = f"{profile.name} · {profile.profession}"
    description = description_of(profile, texts)
    photo_alt = texts["photo"].format(name=profile.name)
    if profile.avatar_url:
        image, image_alt, image_size = profile.avatar_url, photo_alt, None
    else:
        image = f"{site_url}{_asset(assets, DEFAULT_IMAGE)}"
        image_alt, image_size = profile.name, DEFAULT_IMAGE_SIZE
    facts = [texts["duration"].format(minutes=profile.session_duration)]
    if profile.session_price is not None:
        price = locale.money(Decimal(str(profile.session_price)), profile.currency)
        facts.append(texts["price"].format(price=price))

    head = [
        "<!doctype html>",
        f'<html lang="{_e(language)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f'<meta name="description" content="{_e(description)}">',
        f'<link rel="canonical" href="{_e(url)}">',
        '<meta property="og:type" content="profile">',
        f'<meta property="og:url" content="{_e(url)}">',
        f'<meta property="og:title" content="{_e(title)}">',
        f'<meta property="og:description" content="{_e(description)}">',
        f'<meta property="og:image" content="{_e(image)}">',
        f'<meta property="og:image:alt" content="{_e(image_alt)}">',
    ]
    if image_size is not None:
        head.append(f'<meta property="og:image:width" content="{image_size[0]}">')
        head.append(f'<meta property="og:image:height" content="{image_size[1]}">')
    head += [
        f'<meta property="og:locale" content="{OG_LOCALES[language]}">',
        '<meta name="twitter:card" content="summary">',
        f'<meta name="twitter:title" content="{_e(title)}">',
        f'<meta name="twitter:description" content="{_e(description)}">',
        f'<meta name="twitter:image" content="{_e(image)}">',
        _icon(assets),
        f'<link rel="stylesheet" href="{_e(_asset(assets, SITE_CSS))}">',
        f'<link rel="stylesheet" href="{_e(_asset(assets, PROFILE_CSS))}">',
        f'<link rel="stylesheet" href="{_e(_asset(assets, BOOKING_CSS))}">',
        f'<link rel="modulepreload" href="{_e(_asset(assets, BOOKING_SCRIPT))}">',
        *(
            f'<link rel="modulepreload" href="{_e(_asset(assets, module))}">'
            for module in BOOKING_MODULES
        ),
        "</head>",
    ]
    photo = (
        f'<img class="profile-photo" src="{_e(profile.avatar_url)}" alt="{_e(photo_alt)}"'
        ' width="128" height="128">'
        if profile.avatar_url
        else ""
    )
    about = paragraphs(profile.bio)
    widget = {
        "slug": profile.slug,
        "language": language,
        "timezone": profile.timezone,
        "currency": profile.currency,
        "price": price_attribute(profile),
        "duration": profile.session_duration,
        "name": profile.name,
    }
    attributes = " ".join(f'data-{name}="{_e(value)}"' for name, value in widget.items())
    body = [
        "<body>",
        f'<a class="skip-link" href="#main">{_e(texts["skip"])}</a>',
        '<header class="site-header">',
        f'<a class="site-home" href="/">{_e(texts["home"])}</a>',
        "</header>",
        '<main id="main" class="page profile">',
        '<header class="profile-header">',
        photo,
        '<div class="profile-heading">',
        f'<h1 id="profile-name">{_e(profile.name)}</h1>',
        f'<p class="profile-profession">{_e(profile.profession)}</p>',
        '<ul class="profile-facts">',
        *(f"<li>{_e(fact)}</li>" for fact in facts),
        "</ul>",
        "</div>",
        "</header>",
    ]
    if about:
        body += [
            '<section class="profile-about" aria-labelledby="about-heading">',
            f'<h2 id="about-heading">{_e(texts["about"])}</h2>',
            *(f"<p>{paragraph}</p>" for paragraph in about),
            "</section>",
        ]
    body += [
        '<section id="book" class="profile-book" aria-labelledby="book-heading">',
        f'<h2 id="book-heading">{_e(texts["book"])}</h2>',
        f'<div id="booking-widget" {attributes}></div>',
        f"<noscript><p>{_e(texts['noscript'].format(name=profile.name))}</p></noscript>",
        "</section>",
        _reviews(page, texts, language),
        _related(profile, texts),
        "</main>",
        '<footer class="site-footer">',
        f"<p>{_e(texts['footer'])}</p>",
        "</footer>",
        f'<script type="module" src="{_e(_asset(assets, BOOKING_SCRIPT))}"></script>',
        "</body>",
        "</html>",
    ]
    return "\n".join(part for part in [*head, *body] if part) + "\n"


def render_redirect(
    *, target: str, name: str, language: str, assets: Mapping[str, str], site_url: str
) -> str:
    """The page left at an old slug: it sends a browser on at once, tells search engines where
    the page is now and not to keep this one, and shows a link for anyone it does not send."""
    language = language_of(language)
    texts = TEXTS[language]
    url = f"{site_url}{page_path(target)}"
    return (
        "\n".join(
            [
                "<!doctype html>",
                f'<html lang="{_e(language)}">',
                "<head>",
                '<meta charset="utf-8">',
                '<meta name="viewport" content="width=device-width, initial-scale=1">',
                f"<title>{_e(texts['moved_title'])}</title>",
                '<meta name="robots" content="noindex">',
                f'<meta http-equiv="refresh" content="0; url={_e(page_path(target))}">',
                f'<link rel="canonical" href="{_e(url)}">',
                _icon(assets),
                f'<link rel="stylesheet" href="{_e(_asset(assets, SITE_CSS))}">',
                "</head>",
                "<body>",
                '<main class="page">',
                f"<h1>{_e(texts['moved_title'])}</h1>",
                f"<p>{_e(texts['moved'].format(name=name))}"
                f' <a href="{_e(page_path(target))}">{_e(url)}</a>.</p>',
                "</main>",
                "</body>",
                "</html>",
            ]
        )
        + "\n"
    )
