// The embed page (/embed/{slug}): the booking widget alone, for an iframe on a professional's
// own site (embed.js puts it there). It reads the slug from its path and the profile from the
// API, then tells the page that framed it how tall it is, so that page never shows a scrollbar
// inside the frame.
//
// The framing page's origin comes in the query (?origin=, set by embed.js): the height goes to
// that origin only, and a request for it is answered only from the parent window at that origin.

import { api } from "/assets/js/api.js";
import { fill, languageOf, textsFor } from "/assets/js/i18n.js";
import { mountBookingWidget } from "/assets/js/booking-page.js";

const TEXTS = {
  "pt-BR": {
    title: "Agendar com {name} · Agenda",
    book: "Escolha um horário",
    notFound: "Agenda não encontrada",
    notFoundText: "Este endereço não leva a nenhuma agenda aberta. Confira o link com o profissional.",
    failed: "Não foi possível carregar a agenda. Recarregue a página para tentar de novo.",
  },
  en: {
    title: "Book with {name} · Agenda",
    book: "Choose a time",
    notFound: "Calendar not found",
    notFoundText: "This address leads to no open calendar. Check the link with the professional.",
    failed: "The calendar could not be loaded. Reload the page to try again.",
  },
};

export const HEIGHT = "agenda:height";
export const PING = "agenda:ping";
export const CLOSE = "agenda:close";

function parentOrigin() {
  const declared = new URLSearchParams(window.location.search).get("origin");
  if (!declared) return null;
  try {
    const { origin } = new URL(declared);
    return origin === declared && origin !== "null" ? origin : null;
  } catch {
    return null;
  }
}

function slugOf(pathname) {
  const match = /^\/embed\/([^/]+)$/.exec(pathname);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

function reportHeight(origin) {
  if (!origin || window.parent === window) return;
  const send = () => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    window.parent.postMessage({ type: HEIGHT, height }, origin);
  };
  new ResizeObserver(send).observe(document.documentElement);
  window.addEventListener("message", (event) => {
    if (event.source !== window.parent || event.origin !== origin) return;
    if (event.data && event.data.type === PING) send();
  });
  // Esc pressed inside the frame never reaches the host's dialog: the frame says it instead
  // (an inline frame's host ignores it).
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") window.parent.postMessage({ type: CLOSE }, origin);
  });
  send();
}

function showMissing(language, message) {
  const t = textsFor(language, TEXTS);
  document.documentElement.lang = languageOf(language);
  document.title = t.notFound;
  document.getElementById("embed-name").textContent = t.notFound;
  document.getElementById("book-heading").textContent = message === "failed" ? t.failed : t.notFoundText;
  document.getElementById("booking-widget").replaceChildren();
}

async function start() {
  reportHeight(parentOrigin());
  const slug = slugOf(window.location.pathname);
  const visitorLanguage = languageOf(navigator.language);
  if (!slug) {
    showMissing(visitorLanguage, "missing");
    return;
  }
  let profile;
  try {
    profile = await api(`/api/professionals/${encodeURIComponent(slug)}`, { language: visitorLanguage });
  } catch (error) {
    showMissing(visitorLanguage, error.status === 404 ? "missing" : "failed");
    return;
  }
  const language = languageOf(profile.language);
  const t = textsFor(language, TEXTS);
  document.documentElement.lang = language;
  document.title = fill(t.title, { name: profile.name });
  document.getElementById("embed-name").textContent = profile.name;
  document.getElementById("book-heading").textContent = t.book;
  mountBookingWidget(document.getElementById("booking-widget"), {
    slug: profile.slug,
    language,
    timezone: profile.timezone,
    currency: profile.currency,
    price: profile.sessionPrice,
    duration: profile.sessionDuration,
    name: profile.name,
    embedded: true,
  });
}

start();
