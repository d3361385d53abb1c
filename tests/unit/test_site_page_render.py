"""The professional's public page and an old slug's redirect, as the publisher writes them:
escaped values, both languages, the tags a link preview reads, and the widget's container."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from agenda.service.records import (
    ProfilePage,
    PublicProfile,
    RedirectPage,
    RelatedProfessional,
    Review,
)
from agenda.service.site_pages import description_of, render_page, render_redirect

SITE = "https://agenda.example"
ASSETS = {
    "/assets/site.css": "/assets/site.11111111.css",
    "/assets/profile.css": "/assets/profile.22222222.css",
    "/assets/js/booking-page.js": "/assets/js/booking-page.33333333.js",
    "/assets/og-default.png": "/assets/og-default.44444444.png",
    "/assets/booking.css": "/assets/booking.55555555.css",
    "/assets/favicon.svg": "/assets/favicon.aaaaaaaa.svg",
    "/assets/js/dom.js": "/assets/js/dom.bbbbbbbb.js",
    "/assets/js/slot-picker.js": "/assets/js/slot-picker.66666666.js",
    "/assets/js/api.js": "/assets/js/api.77777777.js",
    "/assets/js/i18n.js": "/assets/js/i18n.88888888.js",
    "/assets/js/calendar-file.js": "/assets/js/calendar-file.99999999.js",
}
ATTACK = "<script>alert(1)</script>"


class Parsed(HTMLParser):
    """The elements of a page: tags with their attributes, and its text, as a browser reads
    them (what is not markup here is text there)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.tags if name == tag]

    def meta(self, key: str) -> str:
        found = [
            a["content"] for a in self.all("meta") if key in (a.get("property"), a.get("name"))
        ]
        assert len(found) == 1, (key, found)
        return found[0]

    def body_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def parse(document: str) -> Parsed:
    parsed = Parsed()
    parsed.feed(document)
    return parsed


def profile(**changes: object) -> PublicProfile:
    values: dict[str, object] = {
        "slug": "dra-bia",
        "name": "Dra. Bia Souza",
        "profession": "Psicóloga",
        "bio": "Atendo adultos.\nOnline e presencial.\n\nCRP 06/12345.",
        "avatar_url": "https://media.agenda.example/avatars/bia.webp",
        "session_duration": 50,
        "session_price": 180.0,
        "currency": "BRL",
        "timezone": "America/Sao_Paulo",
        "language": "pt-BR",
        "reviews": (
            Review(5, "Muito atenciosa.", "Carla", "2026-11-20T10:00:00+00:00"),
            Review(4, None, "João", "2026-11-10T10:00:00+00:00"),
        ),
        "related": (RelatedProfessional("dr-caio", "Dr. Caio", "Psicólogo", None),),
    }
    values.update(changes)
    return PublicProfile(**values)  # type: ignore[arg-type]


def page(**changes: object) -> ProfilePage:
    return ProfilePage(profile=profile(**changes), review_count=12, review_average=4.75)


def test_a_portuguese_page_has_what_a_link_preview_reads() -> None:
    parsed = parse(render_page(page(), assets=ASSETS, site_url=SITE))
    assert parsed.all("html") == [{"lang": "pt-BR"}]
    assert "Dra. Bia Souza · Psicóloga" in parsed.text
    assert parsed.meta("description") == "Atendo adultos. Online e presencial. CRP 06/12345."
    canonical = [a["href"] for a in parsed.all("link") if a.get("rel") == "canonical"]
    assert canonical == [f"{SITE}/p/dra-bia"]
    assert parsed.meta("og:url") == f"{SITE}/p/dra-bia"
    assert parsed.meta("og:type") == "profile"
    assert parsed.meta("og:title") == "Dra. Bia Souza · Psicóloga"
    assert parsed.meta("og:description") == parsed.meta("description")
    assert parsed.meta("og:image") == "https://media.agenda.example/avatars/bia.webp"
    assert parsed.meta("og:locale") == "pt_BR"
    assert parsed.meta("twitter:card") == "summary"


def test_the_profile_is_written_in_the_locale_with_one_h1_and_landmarks() -> None:
    parsed = parse(render_page(page(), assets=ASSETS, site_url=SITE))
    text = parsed.body_text()
    assert len(parsed.all("h1")) == 1
    assert len(parsed.all("main")) == 1
    assert parsed.all("main")[0]["id"] == "main"
    assert parsed.all("a")[0] == {"class": "skip-link", "href": "#main"}
    assert "Sessão de 50 min" in text
    assert "R$ 180,00 por sessão" in text
    assert "Nota média 4,8 de 5, em 12 avaliações." in text
    assert "Carla" in text
    assert "João" in text
    (photo,) = parsed.all("img")
    assert photo["alt"] == "Foto de Dra. Bia Souza"
    # The bio's paragraphs and line breaks.
    assert len(parsed.all("br")) == 1
    assert {"href": "/p/dr-caio"} in parsed.all("a")
    stylesheets = [a["href"] for a in parsed.all("link") if a.get("rel") == "stylesheet"]
    assert stylesheets == [
        "/assets/site.11111111.css",
        "/assets/profile.22222222.css",
        "/assets/booking.55555555.css",
    ]
    # The widget's whole module graph is asked for at once, not import by import.
    preloaded = {a["href"] for a in parsed.all("link") if a.get("rel") == "modulepreload"}
    assert preloaded == {
        "/assets/js/booking-page.33333333.js",
        "/assets/js/slot-picker.66666666.js",
        "/assets/js/api.77777777.js",
        "/assets/js/i18n.88888888.js",
        "/assets/js/calendar-file.99999999.js",
        "/assets/js/dom.bbbbbbbb.js",
    }


def test_the_widget_container_follows_the_dom_contract() -> None:
    parsed = parse(render_page(page(), assets=ASSETS, site_url=SITE))
    (section,) = [a for a in parsed.all("section") if a.get("id") == "book"]
    assert section["aria-labelledby"] == "book-heading"
    (widget,) = [a for a in parsed.all("div") if a.get("id") == "booking-widget"]
    assert widget == {
        "id": "booking-widget",
        "data-slug": "dra-bia",
        "data-language": "pt-BR",
        "data-timezone": "America/Sao_Paulo",
        "data-currency": "BRL",
        "data-price": "180.00",
        "data-duration": "50",
        "data-name": "Dra. Bia Souza",
    }
    scripts = parsed.all("script")
    assert scripts == [{"type": "module", "src": "/assets/js/booking-page.33333333.js"}]
    assert parsed.tags[-1][0] == "script"  # the end of the body
    assert "noscript" in [tag for tag, _ in parsed.tags]


def test_an_english_page_is_in_english() -> None:
    english = page(language="en", currency="USD", session_price=95.5)
    parsed = parse(render_page(english, assets=ASSETS, site_url=SITE))
    text = parsed.body_text()
    assert parsed.all("html") == [{"lang": "en"}]
    assert parsed.meta("og:locale") == "en_US"
    assert "50-minute session" in text
    assert "$95.50 per session" in text
    assert "Average rating 4.8 out of 5, from 12 reviews." in text
    assert "Skip to content" in text
    assert "Sessão" not in text


def test_no_price_no_photo_no_reviews_no_bio() -> None:
    bare = ProfilePage(
        profile=profile(session_price=None, avatar_url=None, bio=None, reviews=(), related=()),
        review_count=0,
        review_average=None,
    )
    document = render_page(bare, assets=ASSETS, site_url=SITE)
    parsed = parse(document)
    text = parsed.body_text()
    assert "por sessão" not in text
    assert parsed.all("img") == []
    assert parsed.meta("og:image") == f"{SITE}/assets/og-default.44444444.png"
    assert parsed.meta("og:image:width") == "1200"
    assert "Ainda não há avaliações." in text
    assert parsed.meta("description") == "Agende uma sessão com Dra. Bia Souza, Psicóloga."
    (widget,) = [a for a in parsed.all("div") if a.get("id") == "booking-widget"]
    assert widget["data-price"] == ""
    assert "related-heading" not in document


def test_every_value_is_text_never_markup() -> None:
    hostile = page(
        name=ATTACK,
        profession='"><img src=x onerror=alert(1)>',
        bio=f"{ATTACK}\n\nsecond",
        reviews=(Review(5, ATTACK, ATTACK, "2026-11-20T10:00:00+00:00"),),
        related=(RelatedProfessional("dr-x", ATTACK, ATTACK, None),),
        avatar_url='https://m.example/a.webp" onload="alert(1)',
    )
    document = render_page(hostile, assets=ASSETS, site_url=SITE)
    parsed = parse(document)
    assert "<script>alert" not in document
    # One script, ours; no element or attribute the values brought.
    assert [tag for tag, _ in parsed.tags].count("script") == 1
    assert not any(name.startswith("on") for _, attrs in parsed.tags for name in attrs)
    assert [a["src"] for a in parsed.all("img")] == ['https://m.example/a.webp" onload="alert(1)']
    assert ATTACK in parsed.body_text()
    assert parsed.meta("og:title").startswith(ATTACK)
    (widget,) = [a for a in parsed.all("div") if a.get("id") == "booking-widget"]
    assert widget["data-name"] == ATTACK


def test_a_long_bio_is_cut_at_a_word_for_the_description() -> None:
    long_bio = "palavra " * 60
    described = description_of(profile(bio=long_bio), {"description": ""})
    assert len(described) <= 155
    assert described.endswith("palavra…")


def test_a_page_never_names_an_asset_the_build_lacks() -> None:
    missing = {k: v for k, v in ASSETS.items() if k != "/assets/js/booking-page.js"}
    with pytest.raises(LookupError, match=r"booking-page\.js"):
        render_page(page(), assets=missing, site_url=SITE)


@pytest.mark.parametrize(
    ("language", "title", "words"),
    [
        ("pt-BR", "Esta página mudou de endereço", "A página de Dra. Bia agora está em"),
        ("en", "This page has moved", "Dra. Bia's page is now at"),
    ],
)
def test_an_old_slug_leaves_a_redirect_page(language: str, title: str, words: str) -> None:
    moved = RedirectPage(slug="bia-old", target="dra-bia", name="Dra. Bia", language=language)
    document = render_redirect(
        target=moved.target, name=moved.name, language=moved.language, assets=ASSETS, site_url=SITE
    )
    parsed = parse(document)
    assert parsed.all("html") == [{"lang": language}]
    assert parsed.meta("robots") == "noindex"
    refresh = [a["content"] for a in parsed.all("meta") if a.get("http-equiv") == "refresh"]
    assert refresh == ["0; url=/p/dra-bia"]
    canonical = [a["href"] for a in parsed.all("link") if a.get("rel") == "canonical"]
    assert canonical == [f"{SITE}/p/dra-bia"]
    assert {"href": "/p/dra-bia"} in parsed.all("a")
    assert title in parsed.text
    assert words in parsed.body_text()
    assert "script" not in [tag for tag, _ in parsed.tags]


def test_a_redirect_escapes_the_name() -> None:
    document = render_redirect(
        target="dra-bia", name=ATTACK, language="en", assets=ASSETS, site_url=SITE
    )
    assert "<script>" not in document
    assert ATTACK in parse(document).body_text()


def test_the_preloaded_modules_are_the_booking_scripts_whole_import_graph() -> None:
    from agenda.service.site_pages import BOOKING_MODULES, BOOKING_SCRIPT
    from infra.paths import ROOT

    imported = re.compile(r"""^import .* from "(/assets/js/[^"]+)";$""", re.MULTILINE)
    graph: set[str] = set()
    pending = [BOOKING_SCRIPT]
    while pending:
        source = (ROOT / "pages" / "site" / pending.pop().removeprefix("/")).read_text()
        for module in imported.findall(source):
            if module not in graph:
                graph.add(module)
                pending.append(module)
    assert graph == set(BOOKING_MODULES)


@pytest.mark.parametrize(
    ("language", "label"),
    [("pt-BR", "Resposta de Dra. Bia Souza"), ("en", "Reply from Dra. Bia Souza")],
)
def test_the_professionals_reply_shows_under_its_review_as_text(language: str, label: str) -> None:
    replied = page(
        language=language,
        reviews=(
            Review(5, "Ótima.", "Carla", "2026-11-20T10:00:00+00:00", f"Obrigada!\n{ATTACK}"),
            Review(4, None, "João", "2026-11-10T10:00:00+00:00"),
        ),
    )
    document = render_page(replied, assets=ASSETS, site_url=SITE)
    assert "<script>alert" not in document
    assert document.count('class="review-reply"') == 1
    text = parse(document).body_text()
    assert f"Carla {label} Obrigada! {ATTACK}" in text
