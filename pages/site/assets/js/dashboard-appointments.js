// /dashboard/appointments?view=upcoming|pending|past|cancelled|week: every appointment of the
// professional. Tabs (links, the current one aria-current) name the API's four views and the
// week. A view is its list, soonest or latest first as the API orders it, 20 at a time with
// "show more" (the answer's nextCursor); the week (&week=YYYY-MM-DD, any date of it; the
// current week in the professional's zone without it) is seven days from Monday, each with
// its appointments in time order, read from the four views over Monday..Sunday (so every
// appointment of the week, the cancelled and declined ones included, with its status), and
// links to the previous and next week and this week. Each appointment is the shared card
// (dashboard-appointment.js), its actions in place.
//
//   GET /api/appointments?view=&limit=20&cursor=          a view's list
//   GET /api/appointments?view=&from=&to=&limit=100       the week, every page of each view
//   PATCH /api/appointments/{id}                          through the cards

import { el } from "/assets/js/account-ui.js";
import { appointmentCard, appointmentPages, everyAppointment } from "/assets/js/dashboard-appointment.js";
import { addDays, todayIn } from "/assets/js/dashboard-kit.js";
import { fill, formatDay, formatShortDay, textsFor } from "/assets/js/i18n.js";

const TEXTS = {
  "pt-BR": {
    tabs: "Visões da agenda",
    views: {
      upcoming: "Próximos",
      pending: "Pedidos",
      past: "Anteriores",
      cancelled: "Cancelados",
      week: "Semana",
    },
    empty: {
      upcoming: "Nenhum horário confirmado pela frente.",
      pending: "Nenhum pedido aguardando resposta.",
      past: "Nenhum horário anterior.",
      cancelled: "Nenhum horário cancelado ou recusado.",
    },
    more: "Mostrar mais",
    moreShown: "{count} horários a mais.",
    week: "Semana de {first} a {last}",
    weekNav: "Outras semanas",
    previous: "Semana anterior",
    next: "Próxima semana",
    thisWeek: "Esta semana",
    nothing: "Nada marcado.",
    book: "Marcar um horário",
  },
  en: {
    tabs: "Agenda views",
    views: {
      upcoming: "Upcoming",
      pending: "Requests",
      past: "Past",
      cancelled: "Cancelled",
      week: "Week",
    },
    empty: {
      upcoming: "No confirmed appointments ahead.",
      pending: "No requests waiting for an answer.",
      past: "No past appointments.",
      cancelled: "No cancelled or declined appointments.",
    },
    more: "Show more",
    moreShown: "{count} more appointments.",
    week: "Week of {first} to {last}",
    weekNav: "Other weeks",
    previous: "Previous week",
    next: "Next week",
    thisWeek: "This week",
    nothing: "Nothing booked.",
    book: "Book a time",
  },
};

const VIEWS = ["upcoming", "pending", "past", "cancelled"];
const TABS = [...VIEWS, "week"];
const PAGE = 20;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function viewPath(view, week) {
  const query = new URLSearchParams({ view });
  if (week) query.set("week", week);
  return `/dashboard/appointments?${query}`;
}

// The Monday of the week holding `isoDate`.
export function mondayOf(isoDate) {
  const [year, month, day] = isoDate.split("-").map(Number);
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay(); // 0 = Sunday
  return addDays(isoDate, -((weekday + 6) % 7));
}

function validDate(text) {
  if (!text || !ISO_DATE.test(text)) return null;
  const parsed = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === text ? text : null;
}

// A calendar date named in the locale: noon UTC formatted in UTC is that date everywhere.
function calendarInstant(isoDate) {
  return `${isoDate}T12:00:00Z`;
}

function tabs(texts, current) {
  const list = el("ul", { className: "dash-tabs" });
  for (const view of TABS) {
    const link = el("a", { href: viewPath(view), "aria-current": view === current ? "page" : null }, texts.views[view]);
    list.append(el("li", {}, link));
  }
  return el("nav", { "aria-label": texts.tabs }, list);
}

async function listView(root, ctx, texts, view) {
  const firstPage = await ctx.api("/api/appointments", { query: { view, limit: PAGE } });
  const headingId = `appointments-${view}`;
  const { list, empty, more, status, alert } = appointmentPages(ctx, {
    view,
    limit: PAGE,
    firstPage,
    words: { more: texts.more, moreShown: texts.moreShown, empty: texts.empty[view] },
    labelledBy: headingId,
  });
  root.append(
    el("section", { "aria-labelledby": headingId }, el("h2", { id: headingId }, texts.views[view]), empty, list, more, status, alert),
  );
}

async function weekView(root, ctx, texts) {
  const thisMonday = mondayOf(todayIn(ctx.zone));
  const asked = validDate(ctx.route.params.get("week"));
  const monday = asked ? mondayOf(asked) : thisMonday;
  const sunday = addDays(monday, 6);
  const views = await Promise.all(VIEWS.map((view) => everyAppointment(ctx, { view, from: monday, to: sunday })));
  const all = views.flat().sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt));

  const title = fill(texts.week, {
    first: formatShortDay(calendarInstant(monday), ctx.language, "UTC"),
    last: formatShortDay(calendarInstant(sunday), ctx.language, "UTC"),
  });
  const links = el(
    "ul",
    { className: "dash-week-nav" },
    el("li", {}, el("a", { href: viewPath("week", addDays(monday, -7)) }, texts.previous)),
    el("li", {}, el("a", { href: viewPath("week", thisMonday), "aria-current": monday === thisMonday ? "date" : null }, texts.thisWeek)),
    el("li", {}, el("a", { href: viewPath("week", addDays(monday, 7)) }, texts.next)),
  );
  const days = el("div", { className: "dash-week" });
  for (let offset = 0; offset < 7; offset += 1) {
    const date = addDays(monday, offset);
    const headingId = `week-${date}`;
    const mine = all.filter((item) => item.localDate === date);
    const day = el(
      "section",
      { className: "dash-week-day", "aria-labelledby": headingId, "data-date": date },
      el("h3", { id: headingId }, formatDay(calendarInstant(date), ctx.language, "UTC")),
    );
    if (mine.length === 0) {
      day.append(el("p", { className: "dash-appointments-empty" }, texts.nothing));
    } else {
      const list = el("ul", { className: "dash-cards", "aria-labelledby": headingId });
      for (const item of mine) list.append(el("li", {}, appointmentCard(item, ctx, { headingLevel: 4, showDay: false })));
      day.append(list);
    }
    days.append(day);
  }
  root.append(
    el(
      "section",
      { "aria-labelledby": "appointments-week" },
      el("h2", { id: "appointments-week" }, title),
      el("nav", { "aria-label": texts.weekNav }, links),
      days,
      el("p", {}, el("a", { href: "/dashboard/book", className: "account-button dash-appointments-book" }, texts.book)),
    ),
  );
}

export async function mount(root, ctx) {
  const texts = textsFor(ctx.language, TEXTS);
  const asked = ctx.route.params.get("view");
  const view = TABS.includes(asked) ? asked : "upcoming";
  root.append(tabs(texts, view));
  if (view === "week") await weekView(root, ctx, texts);
  else await listView(root, ctx, texts, view);
}
