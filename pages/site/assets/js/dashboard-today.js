// /dashboard: the professional's day. First the requests waiting for an answer (every
// pending one, soonest first, a page at a time with "show more"), each with confirm and reject
// right there; then today's agenda in the professional's zone (today from todayIn(ctx.zone)),
// the upcoming and past views of that one date merged in time order; an empty state for each,
// and the way to book a time by hand (/dashboard/book). Each appointment is the shared card
// (dashboard-appointment.js).
//
//   GET /api/appointments?view=pending&cursor=                 the requests, page by page
//   GET /api/appointments?view=upcoming|past&from=today&to=today  the day, every page
//   PATCH /api/appointments/{id}                              through the cards

import { el } from "/assets/js/account-ui.js";
import { appointmentCard, appointmentPages, everyAppointment } from "/assets/js/dashboard-appointment.js";
import { todayIn } from "/assets/js/dashboard-kit.js";
import { fill, formatDay, textsFor } from "/assets/js/i18n.js";

const TEXTS = {
  "pt-BR": {
    requests: "Pedidos aguardando resposta",
    noRequests: "Nenhum pedido aguardando resposta.",
    more: "Mostrar mais pedidos",
    moreShown: "{count} pedidos a mais.",
    day: "Agenda de hoje, {day}",
    noDay: "Nada marcado para hoje.",
    book: "Marcar um horário",
  },
  en: {
    requests: "Requests waiting for an answer",
    noRequests: "No requests waiting for an answer.",
    more: "Show more requests",
    moreShown: "{count} more requests.",
    day: "Today's agenda, {day}",
    noDay: "Nothing booked for today.",
    book: "Book a time",
  },
};

const PAGE = 20;

function requestsSection(ctx, texts, firstPage) {
  const heading = el("h2", { id: "today-requests" }, texts.requests);
  const parts = appointmentPages(ctx, {
    view: "pending",
    limit: PAGE,
    firstPage,
    words: { more: texts.more, moreShown: texts.moreShown, empty: texts.noRequests },
    labelledBy: "today-requests",
  });
  const { list, empty, more, status, alert } = parts;
  return el("section", { className: "dash-today-requests", "aria-labelledby": "today-requests" }, heading, empty, list, more, status, alert);
}

function daySection(ctx, texts, today, items) {
  const dayName = formatDay(`${today}T12:00:00Z`, ctx.language, "UTC");
  const heading = el("h2", { id: "today-agenda" }, fill(texts.day, { day: dayName }));
  const list = el("ul", { className: "dash-cards", "aria-labelledby": "today-agenda" });
  for (const item of items) list.append(el("li", {}, appointmentCard(item, ctx, { headingLevel: 3, showDay: false })));
  const empty = el("p", { className: "dash-appointments-empty" }, texts.noDay);
  empty.hidden = items.length > 0;
  list.hidden = items.length === 0;
  const book = el("p", {}, el("a", { href: "/dashboard/book", className: "account-button dash-appointments-book" }, texts.book));
  return el("section", { className: "dash-today-agenda", "aria-labelledby": "today-agenda" }, heading, empty, list, book);
}

export async function mount(root, ctx) {
  const texts = textsFor(ctx.language, TEXTS);
  const today = todayIn(ctx.zone);
  const [pending, upcoming, past] = await Promise.all([
    ctx.api("/api/appointments", { query: { view: "pending", limit: PAGE } }),
    everyAppointment(ctx, { view: "upcoming", from: today, to: today }),
    everyAppointment(ctx, { view: "past", from: today, to: today }),
  ]);
  const day = [...past, ...upcoming].sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt));
  root.append(requestsSection(ctx, texts, pending), daySection(ctx, texts, today, day));
}
