// /dashboard/clients: the professional's clients. A search that runs as one types (debounced,
// kept in the address as ?q=), the list by name (contact, last and next appointment, sessions,
// what they owe, unread messages), "show more" for the next page, and a form to add a client
// by hand. /dashboard/clients/{id} is one client's page (dashboard-client-page.js, imported
// when asked for).
//
//   GET  /api/clients?q=&cursor=&limit=   a page by name; nextCursor for the next one
//   POST /api/clients {name, phone, email?, tags?}
//        409 CLIENT_EXISTS: another client has that phone or email (a link to them)
//        403 PLAN_LIMIT_REACHED: the plan's cap on clients (a link to /dashboard/plan)
//        400: the API's words at the fields

import { el, button, statusLine } from "/assets/js/account-ui.js";
import { busy, errorText, field } from "/assets/js/dashboard-kit.js";
import { STATUS_TEXTS, clientForm, clientPath, counted } from "/assets/js/dashboard-client-kit.js";
import { fill, formatDateTime, formatMoney, textsFor } from "/assets/js/i18n.js";

const PAGE_SIZE = 25;
const TYPING_PAUSE_MS = 300;

const TEXTS = {
  "pt-BR": {
    searchHeading: "Buscar",
    search: "Buscar por nome, telefone ou e-mail",
    searchHint: "A busca começa enquanto você digita; acentos e maiúsculas não importam.",
    count: { zero: "Nenhum cliente ainda.", one: "1 cliente na lista.", other: "{count} clientes na lista." },
    countMore: "{count} clientes na lista, e há mais.",
    none: "Nenhum cliente encontrado para “{q}”.",
    listHeading: "Clientes",
    noContact: "Sem contato (dados apagados a pedido do cliente)",
    last: "Último atendimento: {when} ({status})",
    next: "Próximo: {when} ({status})",
    noNext: "Nenhum horário marcado",
    sessions: { zero: "Nenhuma sessão realizada", one: "1 sessão realizada", other: "{count} sessões realizadas" },
    owes: "Deve {amount}",
    unread: { one: "1 mensagem não lida", other: "{count} mensagens não lidas" },
    anonymised: "Dados apagados",
    tags: "Etiquetas: {tags}",
    more: "Mostrar mais",
    addHeading: "Adicionar um cliente",
    addOpen: "Adicionar um cliente",
    add: "Adicionar",
    cancel: "Cancelar",
    added: "{name} foi adicionado(a) aos seus clientes.",
    planLimit: "O seu plano chegou ao limite de clientes. Para adicionar mais, mude de plano.",
    toPlan: "Ver os planos",
  },
  en: {
    searchHeading: "Search",
    search: "Search by name, phone or email",
    searchHint: "The search runs as you type; accents and capitals do not matter.",
    count: { zero: "No clients yet.", one: "1 client in the list.", other: "{count} clients in the list." },
    countMore: "{count} clients in the list, and there are more.",
    none: "No client found for “{q}”.",
    listHeading: "Clients",
    noContact: "No contact (details deleted at the client's request)",
    last: "Last session: {when} ({status})",
    next: "Next: {when} ({status})",
    noNext: "Nothing booked",
    sessions: { zero: "No sessions completed", one: "1 session completed", other: "{count} sessions completed" },
    owes: "Owes {amount}",
    unread: { one: "1 unread message", other: "{count} unread messages" },
    anonymised: "Details deleted",
    tags: "Tags: {tags}",
    more: "Show more",
    addHeading: "Add a client",
    addOpen: "Add a client",
    add: "Add",
    cancel: "Cancel",
    added: "{name} was added to your clients.",
    planLimit: "Your plan has reached its limit of clients. To add more, change your plan.",
    toPlan: "See the plans",
  },
};

function contactOf(client, t) {
  if (client.anonymised) return t.noContact;
  return [client.phone, client.email].filter(Boolean).join(" · ");
}

function clientCard(client, ctx, t) {
  const statuses = textsFor(ctx.language, STATUS_TEXTS);
  const when = (mark) => formatDateTime(mark.startsAt, ctx.language, ctx.zone);
  const link = el("a", { href: clientPath(client.id) }, client.name);
  const facts = [
    el("p", { className: "dash-client-contact" }, contactOf(client, t)),
    client.tags.length ? el("p", {}, fill(t.tags, { tags: client.tags.join(", ") })) : null,
    client.lastAppointment
      ? el("p", {}, fill(t.last, { when: when(client.lastAppointment), status: statuses[client.lastAppointment.status] }))
      : null,
    el(
      "p",
      {},
      client.nextAppointment
        ? fill(t.next, { when: when(client.nextAppointment), status: statuses[client.nextAppointment.status] })
        : t.noNext,
    ),
    el("p", {}, counted(t.sessions, client.counts.sessions)),
  ];
  const marks = el("p", { className: "dash-client-marks" });
  if (client.owed && client.owed.amount > 0) {
    marks.append(el("span", { className: "dash-pending" }, fill(t.owes, { amount: formatMoney(client.owed.amount, client.owed.currency, ctx.language) })));
  }
  if (client.unreadMessages > 0) {
    marks.append(el("span", { className: "dash-pending" }, counted(t.unread, client.unreadMessages)));
  }
  if (client.anonymised) marks.append(el("span", { className: "dash-client-tag" }, t.anonymised));
  return el(
    "li",
    { className: "dash-card dash-client-card", "data-client-id": client.id },
    el("h3", {}, link),
    facts,
    marks.childNodes.length ? marks : null,
  );
}

// The list and its search: answers {elements, first() (reads the first page), stop()}.
function clientList(ctx, t) {
  const initial = ctx.route.params.get("q") || "";
  const search = field({ id: "clients-search", label: t.search, type: "search", value: initial, hint: t.searchHint, attributes: { autocomplete: "off" } });
  const searchForm = el("form", { className: "dash-form", role: "search", "aria-labelledby": "clients-search-heading", novalidate: true },
    el("h2", { id: "clients-search-heading", className: "visually-hidden" }, t.searchHeading),
    search.wrap,
  );
  const status = statusLine("");
  status.setAttribute("tabindex", "-1");
  const problem = el("div", {});
  const list = el("ul", { className: "dash-cards dash-client-list", "aria-labelledby": "clients-list-heading" });
  const more = button(t.more, () => showMore());
  more.hidden = true;
  const section = el(
    "section",
    { className: "dash-client-results", "aria-labelledby": "clients-list-heading" },
    el("h2", { id: "clients-list-heading", className: "visually-hidden" }, t.listHeading),
    status,
    problem,
    list,
    more,
  );

  let query = initial.trim();
  let cursor = null;
  let asked = 0; // the latest search asked: an older answer arriving late is dropped
  let timer = null;

  function say(count) {
    if (!count && query) status.textContent = fill(t.none, { q: query });
    else if (cursor) status.textContent = fill(t.countMore, { count });
    else status.textContent = counted(t.count, count);
  }

  async function read(reset) {
    const ticket = ++asked;
    const page = await ctx.api("/api/clients", { query: { q: query || undefined, cursor: reset ? undefined : cursor, limit: PAGE_SIZE } });
    if (ticket !== asked) return null;
    problem.replaceChildren();
    cursor = page.nextCursor;
    const cards = page.items.map((client) => clientCard(client, ctx, t));
    if (reset) list.replaceChildren(...cards);
    else list.append(...cards);
    more.hidden = !cursor;
    say(list.children.length);
    return cards;
  }

  function failed(error) {
    problem.replaceChildren(statusLine(errorText(error, ctx.language), { alert: true }));
  }

  async function showMore() {
    try {
      const cards = await busy(more, () => read(false));
      // The reader goes on from the first client just added.
      if (cards && cards.length) cards[0].querySelector("a").focus();
      else if (more.hidden) status.focus();
    } catch (error) {
      failed(error);
    }
  }

  function keepInAddress() {
    const url = new URL(location.href);
    if (query) url.searchParams.set("q", query);
    else url.searchParams.delete("q");
    history.replaceState(history.state, "", url.pathname + url.search + url.hash);
  }

  search.input.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => {
      const next = search.input.value.trim();
      if (next === query) return;
      query = next;
      keepInAddress();
      read(true).catch(failed);
    }, TYPING_PAUSE_MS);
  });
  searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    window.clearTimeout(timer);
    query = search.input.value.trim();
    keepInAddress();
    read(true).catch(failed);
  });

  return {
    elements: [searchForm, section],
    first: () => read(true),
    stop: () => window.clearTimeout(timer),
  };
}

// The form to add a client, behind its button: answers its section.
function addClient(ctx, t, onAdded) {
  const close = button(t.cancel, () => toggle(false));
  const details = clientForm(ctx, {
    id: "client-new",
    heading: el("h2", { id: "client-new-heading", tabindex: "-1" }, t.addHeading),
    submitText: t.add,
    buttons: [close],
    send: (body) => ctx.api("/api/clients", { method: "POST", body }),
    saved: (client) => {
      details.clear();
      onAdded(client);
    },
    refused: (error, say) => {
      if (error.status !== 403 || error.code !== "PLAN_LIMIT_REACHED") return false;
      say(el("p", {}, t.planLimit), el("p", {}, el("a", { href: "/dashboard/plan" }, t.toPlan)));
      return true;
    },
  });
  const { form } = details;
  form.hidden = true;
  const open = button(t.addOpen, () => toggle(true), { className: "account-button account-primary" });
  open.setAttribute("aria-controls", form.id);
  open.setAttribute("aria-expanded", "false");

  function toggle(show) {
    form.hidden = !show;
    open.hidden = show;
    open.setAttribute("aria-expanded", String(show));
    if (show) details.focus();
    else open.focus();
  }

  return el("section", { className: "dash-client-add", "aria-label": t.addHeading }, open, form);
}

async function mountList(root, ctx) {
  const t = textsFor(ctx.language, TEXTS);
  const list = clientList(ctx, t);
  const add = addClient(ctx, t, (client) => {
    // The new client's page is the next thing: their details, a time to book, a first note.
    ctx.announce(fill(t.added, { name: client.name }));
    ctx.navigate(clientPath(client.id));
  });
  await list.first();
  root.append(add, ...list.elements);
  return { unmount: list.stop };
}

export async function mount(root, ctx) {
  if (ctx.route.id) {
    const page = await import("/assets/js/dashboard-client-page.js");
    return page.mount(root, ctx);
  }
  return mountList(root, ctx);
}
