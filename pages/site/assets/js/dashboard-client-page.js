// /dashboard/clients/{id}: one client. Their details (edited in place), a link to book them a
// time, their appointments newest first (paged as the API pages), the professional's private
// notes (dashboard-client-notes.js) and the thread of messages with them (message-thread.js,
// the professional's side; #messages in the address focuses it).
//
//   GET   /api/clients/{id}[?cursor=]   the client and a page of their history
//   PATCH /api/clients/{id}              {name?, phone?, email?, tags?}
//         409 CLIENT_ANONYMISED: their details were deleted at their request
//         409 CLIENT_EXISTS: another client has that phone or email (a link to them)
//   GET   /api/messages?clientId=[&cursor=], POST /api/messages {clientId, text}
//
// A missing client (or another professional's) is 404: "no such client", a link back.

import { el, button, statusLine } from "/assets/js/account-ui.js";
import { STATUS_TEXTS, clientForm } from "/assets/js/dashboard-client-kit.js";
import { busy, errorText } from "/assets/js/dashboard-kit.js";
import { fill, formatDateTime, formatMoney, textsFor } from "/assets/js/i18n.js";
import { mountNotes } from "/assets/js/dashboard-client-notes.js";

const TEXTS = {
  "pt-BR": {
    notFound: "Cliente não encontrado",
    notFoundText: "Não há nenhum cliente seu com este endereço. Talvez o link esteja incompleto.",
    back: "Voltar para os clientes",
    detailsHeading: "Dados",
    phone: "Telefone",
    email: "E-mail",
    tags: "Etiquetas",
    none: "—",
    account: "Conta",
    registered: "Tem conta no Agenda e vê os próprios horários",
    guest: "Sem conta (recebe os links por mensagem)",
    source: "Origem",
    sources: { booking: "Agendou pela sua página", professional: "Adicionado(a) por você" },
    since: "Cliente desde",
    sessions: "Sessões",
    sessionsText: "{sessions} realizadas · {noShows} faltas · {cancellations} cancelamentos",
    owed: "A receber",
    nothingOwed: "Nada em aberto",
    unread: "Mensagens não lidas",
    anonymised: "Este cliente pediu que os dados dele fossem apagados: o nome, o telefone e o e-mail não existem mais e não podem ser editados. O histórico e as suas notas continuam com você.",
    edit: "Editar os dados",
    editHeading: "Editar os dados",
    save: "Salvar",
    cancel: "Cancelar",
    saved: "Dados salvos.",
    cannotEdit: "Os dados deste cliente foram apagados a pedido dele e não podem mais ser editados.",
    book: "Marcar um horário",
    historyHeading: "Atendimentos",
    noHistory: "Nenhum atendimento ainda.",
    older: "Mostrar anteriores",
    price: "Valor: {price}",
    payments: { none: "sem pagamento online", pending: "pagamento pendente", paid: "pago", refunded: "devolvido", failed: "pagamento falhou" },
    messagesHeading: "Mensagens",
    threadClosed: "Os dados deste cliente foram apagados a pedido dele: a conversa foi encerrada.",
  },
  en: {
    notFound: "No such client",
    notFoundText: "None of your clients has this address. The link may be incomplete.",
    back: "Back to the clients",
    detailsHeading: "Details",
    phone: "Phone",
    email: "Email",
    tags: "Tags",
    none: "—",
    account: "Account",
    registered: "Has an Agenda account and sees their own bookings",
    guest: "No account (gets the links by message)",
    source: "Came from",
    sources: { booking: "Booked on your page", professional: "Added by you" },
    since: "Client since",
    sessions: "Sessions",
    sessionsText: "{sessions} completed · {noShows} no-shows · {cancellations} cancellations",
    owed: "Owed to you",
    nothingOwed: "Nothing owed",
    unread: "Unread messages",
    anonymised: "This client asked for their data to be deleted: their name, phone and email are gone and cannot be edited. Their history and your notes stay with you.",
    edit: "Edit the details",
    editHeading: "Edit the details",
    save: "Save",
    cancel: "Cancel",
    saved: "Details saved.",
    cannotEdit: "This client's details were deleted at their request and can no longer be edited.",
    book: "Book a time",
    historyHeading: "Appointments",
    noHistory: "No appointments yet.",
    older: "Show older ones",
    price: "Price: {price}",
    payments: { none: "no online payment", pending: "payment pending", paid: "paid", refunded: "refunded", failed: "payment failed" },
    messagesHeading: "Messages",
    threadClosed: "This client's details were deleted at their request: the conversation is closed.",
  },
};

const PENDING = new Set(["pending_payment", "pending_confirmation"]);

function notFound(root, ctx, t) {
  ctx.setHeading(t.notFound);
  root.append(el("p", {}, t.notFoundText), el("p", {}, el("a", { href: "/dashboard/clients" }, t.back)));
}

function term(name, value) {
  return [el("dt", {}, name), el("dd", {}, value)];
}

// The details as a list of terms (drawn again after an edit).
function detailsList(client, ctx, t) {
  const money = (amount) => formatMoney(amount, client.owed.currency, ctx.language);
  return el(
    "dl",
    { className: "dash-client-details" },
    term(t.phone, client.phone || t.none),
    term(t.email, client.email || t.none),
    term(t.tags, client.tags.length ? client.tags.join(", ") : t.none),
    term(t.account, client.registered ? t.registered : t.guest),
    term(t.source, t.sources[client.source] || client.source),
    term(t.since, formatDateTime(client.createdAt, ctx.language, ctx.zone)),
    term(t.sessions, fill(t.sessionsText, client.counts)),
    term(t.owed, client.owed.amount > 0 ? money(client.owed.amount) : t.nothingOwed),
    term(t.unread, String(client.unreadMessages)),
  );
}

// The details with their edit form: answers the section.
function detailsSection(state, ctx, t) {
  const status = statusLine("");
  status.setAttribute("tabindex", "-1");
  const holder = el("div", {});
  const editButton = button(t.edit, () => openEdit());
  const book = el("a", { href: `/dashboard/book?clientId=${encodeURIComponent(state.client.id)}`, className: "account-button account-primary dash-client-book" }, t.book);
  const section = el(
    "section",
    { className: "dash-client-section", "aria-labelledby": "client-details-heading" },
    el("h2", { id: "client-details-heading" }, t.detailsHeading),
    holder,
    status,
  );

  function draw() {
    const { client } = state;
    const parts = [detailsList(client, ctx, t), el("div", { className: "account-row" }, book, client.anonymised ? null : editButton)];
    if (client.anonymised) parts.unshift(el("p", { className: "account-hint dash-client-anonymised" }, t.anonymised));
    holder.replaceChildren(...parts);
  }

  function openEdit() {
    const { client } = state;
    status.textContent = "";
    const cancel = button(t.cancel, () => {
      draw();
      editButton.focus();
    });
    const details = clientForm(ctx, {
      id: "client-edit",
      heading: el("h3", { id: "client-edit-heading" }, t.editHeading),
      client,
      submitText: t.save,
      buttons: [cancel],
      send: (body) => ctx.api(`/api/clients/${encodeURIComponent(client.id)}`, { method: "PATCH", body }),
      saved: (fresh) => {
        state.client = { ...state.client, ...fresh };
        ctx.setHeading(state.client.name);
        draw();
        status.textContent = t.saved;
        status.focus();
      },
      refused: (error) => {
        if (error.status !== 409 || error.code !== "CLIENT_ANONYMISED") return false;
        state.client = { ...state.client, anonymised: true, phone: null, email: null };
        draw();
        status.textContent = t.cannotEdit;
        status.focus();
        return true;
      },
    });
    holder.replaceChildren(details.form);
    details.focus();
  }

  draw();
  return section;
}

function appointmentCard(item, ctx, t, currency) {
  const statuses = textsFor(ctx.language, STATUS_TEXTS);
  const mark = PENDING.has(item.status) ? "dash-pending" : item.status === "completed" ? "dash-done" : "dash-client-status";
  const facts = [t.payments[item.paymentStatus] || item.paymentStatus];
  if (item.price !== null && item.price !== undefined) facts.unshift(fill(t.price, { price: formatMoney(item.price, currency, ctx.language) }));
  return el(
    "li",
    { className: "dash-card", "data-appointment-id": item.id },
    el("h3", {}, el("time", { datetime: item.startsAt }, formatDateTime(item.startsAt, ctx.language, ctx.zone))),
    el("p", {}, el("span", { className: mark }, statuses[item.status] || item.status)),
    el("p", {}, facts.join(" · ")),
  );
}

// The history, newest first, with the older pages behind a button.
function historySection(state, ctx, t) {
  const { client } = state;
  let cursor = client.appointmentsCursor;
  const list = el("ul", { className: "dash-cards", "aria-labelledby": "client-history-heading" });
  const currency = client.owed.currency;
  list.append(...client.appointments.map((item) => appointmentCard(item, ctx, t, currency)));
  const problem = el("div", {});
  const older = button(t.older, async () => {
    try {
      const page = await busy(older, () => ctx.api(`/api/clients/${encodeURIComponent(client.id)}`, { query: { cursor } }));
      problem.replaceChildren();
      const cards = page.appointments.map((item) => appointmentCard(item, ctx, t, currency));
      list.append(...cards);
      cursor = page.appointmentsCursor;
      older.hidden = !cursor;
      if (cards.length) {
        const first = cards[0].querySelector("h3");
        first.setAttribute("tabindex", "-1");
        first.focus();
      }
    } catch (error) {
      problem.replaceChildren(statusLine(errorText(error, ctx.language), { alert: true }));
    }
  });
  older.hidden = !cursor;
  return el(
    "section",
    { className: "dash-client-section", "aria-labelledby": "client-history-heading" },
    el("h2", { id: "client-history-heading" }, t.historyHeading),
    client.appointments.length ? null : el("p", {}, t.noHistory),
    list,
    problem,
    older,
  );
}

// The thread, the professional's side: mounted once its module is here; #messages focuses it.
// An anonymised client's thread is gone (the API answers 404): said instead.
function threadSection(state, ctx, t) {
  if (state.client.anonymised) {
    return el(
      "section",
      { id: "messages", className: "dash-client-section", "aria-labelledby": "messages-heading" },
      el("h2", { id: "messages-heading", tabindex: "-1" }, t.messagesHeading),
      el("p", {}, t.threadClosed),
    );
  }
  const node = el("section", { id: "messages", className: "dash-client-section dash-thread" });
  const clientId = state.client.id;
  let focused = false;
  import("/assets/js/message-thread.js").then(({ mountThread }) => {
    const mounted = mountThread(node, {
      language: ctx.language,
      timezone: ctx.zone,
      names: { client: state.client.name },
      viewer: "professional",
      look: { primary: "account-button account-primary", secondary: "account-button", error: "account-alert" },
      transport: {
        load: (cursor) => ctx.api("/api/messages", { query: { clientId, cursor: cursor || undefined } }),
        send: (text) => ctx.api("/api/messages", { method: "POST", body: { clientId, text } }),
      },
      onRead() {
        if (!focused && ctx.route.hash === "messages") {
          focused = true;
          mounted.focus();
        }
      },
    });
  });
  return node;
}

export async function mount(root, ctx) {
  const t = textsFor(ctx.language, TEXTS);
  let client;
  try {
    client = await ctx.api(`/api/clients/${encodeURIComponent(ctx.route.id)}`);
  } catch (error) {
    if (error.status === 404) return notFound(root, ctx, t);
    throw error;
  }
  const state = { client };
  ctx.setHeading(client.name);
  root.append(
    el("p", {}, el("a", { href: "/dashboard/clients" }, t.back)),
    detailsSection(state, ctx, t),
    historySection(state, ctx, t),
    mountNotes(ctx, client.id),
    threadSection(state, ctx, t),
  );
  return null;
}
