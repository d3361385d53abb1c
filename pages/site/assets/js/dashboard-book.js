// /dashboard/book[?clientId=]: the professional books a time by hand (a phone call, a walk-in).
// First the client: one of theirs, found as they type (GET /api/clients?q=, debounced) and picked
// from a radio list, or preselected by ?clientId= (GET /api/clients/{id}); or a new client's
// name, phone and email. Then the time: one of the public free times (slot-picker.js on the
// professional's own page), or another time, a date and a time in the professional's zone
// (booking by hand skips the minimum notice and the horizon the public times keep). Then a
// summary and "Book": POST /api/appointments {clientId | client, startsAt}. A 201 shows the
// appointment with links to Today, the week and the client; 409 SLOT_TAKEN / SLOT_UNAVAILABLE,
// 403 PLAN_LIMIT_REACHED, 404 (the client) and 400 (at the fields) are each said in words.

import { ApiError } from "/assets/js/api.js";
import { el, button, statusLine } from "/assets/js/account-ui.js";
import { addDays, busy, errorText, field, localInstant, showFieldErrors, todayIn } from "/assets/js/dashboard-kit.js";
import { fill, formatDateTime, textsFor, zoneLabel } from "/assets/js/i18n.js";
import { mountSlotPicker } from "/assets/js/slot-picker.js";

const TEXTS = {
  "pt-BR": {
    clientHeading: "Cliente",
    whoLegend: "Para quem é o horário?",
    known: "Um cliente seu",
    fresh: "Um cliente novo",
    search: "Buscar cliente",
    searchHint: "Parte do nome, do telefone ou do e-mail.",
    searching: "Buscando…",
    found: "{count} clientes encontrados.",
    foundOne: "1 cliente encontrado.",
    foundNone: "Nenhum cliente encontrado. Confira o que digitou ou marque para um cliente novo.",
    moreFound: "Há mais clientes com essa busca: digite mais para encontrar quem procura.",
    listLegend: "Clientes encontrados",
    noPhone: "sem telefone",
    name: "Nome",
    phone: "Telefone (WhatsApp)",
    phoneHint: "Com DDD, por exemplo (11) 98765-4321. A confirmação vai por WhatsApp.",
    email: "E-mail (opcional)",
    timeHeading: "Horário",
    whenLegend: "Como escolher o horário?",
    free: "Um horário livre da sua página",
    other: "Outro horário",
    otherHint: "No seu fuso ({zone}). Marcando você mesmo, a antecedência mínima não vale: um cliente que chegou agora pode ser atendido agora. Os seus horários de atendimento e os intervalos continuam valendo.",
    date: "Dia",
    time: "Hora de início",
    summaryHeading: "Resumo",
    summaryClient: "Cliente: {client}",
    summaryNew: "Cliente novo: {name}",
    summaryNoClient: "Cliente: ainda não escolhido",
    summaryWhen: "Quando: {when}",
    summaryNoWhen: "Quando: ainda não escolhido",
    book: "Marcar",
    fixBelow: "Corrija o que está indicado abaixo.",
    chooseClient: "Escolha um cliente da lista.",
    needName: "Digite o nome do cliente.",
    needPhone: "Digite o telefone do cliente.",
    chooseSlot: "Escolha um dia e um horário livre.",
    needDate: "Escolha o dia.",
    needTime: "Escolha a hora.",
    noSuchTime: "Esta hora não existe neste dia (o relógio pula por causa do horário de verão).",
    slotTaken: "Este horário acabou de ser ocupado por outra reserva. Escolha outro.",
    slotUnavailable: "Este horário não está entre os seus horários livres: fora do horário de atendimento, num dia bloqueado, encostado em outro atendimento, fora da grade de início das sessões ou no passado. Escolha outro.",
    planLimit: "O seu plano chegou ao limite: {message}",
    planLink: "Ver os planos",
    clientGone: "Não encontramos este cliente: ele pode ter sido excluído. Busque de novo ou marque para um cliente novo.",
    bookedHeading: "Horário marcado",
    booked: "{name}, {when}. Confirmado.",
    bookedNote: "O cliente recebe a confirmação por WhatsApp e, se tiver e-mail, por e-mail.",
    toToday: "Ver a agenda de hoje",
    toWeek: "Ver a semana deste horário",
    toClient: "Abrir a página de {name}",
    again: "Marcar outro horário",
    loadingClient: "Carregando o cliente…",
  },
  en: {
    clientHeading: "Client",
    whoLegend: "Who is the time for?",
    known: "One of your clients",
    fresh: "A new client",
    search: "Find a client",
    searchHint: "Part of the name, the phone or the email.",
    searching: "Searching…",
    found: "{count} clients found.",
    foundOne: "1 client found.",
    foundNone: "No client found. Check what you typed, or book for a new client.",
    moreFound: "More clients match: type more to find the one you want.",
    listLegend: "Clients found",
    noPhone: "no phone",
    name: "Name",
    phone: "Phone (WhatsApp)",
    phoneHint: "With the area code, e.g. (11) 98765-4321. The confirmation goes by WhatsApp.",
    email: "Email (optional)",
    timeHeading: "Time",
    whenLegend: "How to choose the time?",
    free: "A free time of your page",
    other: "Another time",
    otherHint: "In your zone ({zone}). Booking it yourself, the minimum notice does not apply: a walk-in can be seen now. Your hours and the breaks around sessions still do.",
    date: "Day",
    time: "Start time",
    summaryHeading: "Summary",
    summaryClient: "Client: {client}",
    summaryNew: "New client: {name}",
    summaryNoClient: "Client: not chosen yet",
    summaryWhen: "When: {when}",
    summaryNoWhen: "When: not chosen yet",
    book: "Book",
    fixBelow: "Fix what is marked below.",
    chooseClient: "Choose a client from the list.",
    needName: "Type the client's name.",
    needPhone: "Type the client's phone.",
    chooseSlot: "Choose a day and a free time.",
    needDate: "Choose the day.",
    needTime: "Choose the time.",
    noSuchTime: "This time does not exist on this day (the clock jumps for daylight saving).",
    slotTaken: "This time was just taken by another booking. Choose another one.",
    slotUnavailable: "This time is not one of your free times: outside your hours, on a blocked day, against another session, off the grid sessions start on, or in the past. Choose another one.",
    planLimit: "Your plan has reached its limit: {message}",
    planLink: "See the plans",
    clientGone: "We could not find this client: they may have been deleted. Search again or book for a new client.",
    bookedHeading: "Time booked",
    booked: "{name}, {when}. Confirmed.",
    bookedNote: "The client gets the confirmation by WhatsApp and, with an email, by email.",
    toToday: "See today's agenda",
    toWeek: "See this time's week",
    toClient: "Open {name}'s page",
    again: "Book another time",
    loadingClient: "Loading the client…",
  },
};

const SEARCH_DELAY_MS = 300;
const SEARCH_LIMIT = 20;

// A radio choice: {wrap, input}, the label beside its input.
function radio(name, value, label, checked = false) {
  const input = el("input", { type: "radio", name, value, id: `${name}-${value}`, checked });
  const wrap = el("div", { className: "dash-check" }, input, el("label", { for: input.id }, label));
  return { wrap, input };
}

function fieldset(legend, ...children) {
  return el("fieldset", { className: "dash-book-choice" }, el("legend", {}, legend), ...children);
}

// The Monday of the week of a local date (YYYY-MM-DD), as the week view names a week.
function mondayOf(isoDate) {
  const weekday = new Date(`${isoDate}T12:00:00Z`).getUTCDay();
  return addDays(isoDate, -((weekday + 6) % 7));
}

export async function mount(root, ctx) {
  const t = textsFor(ctx.language, TEXTS);
  const state = {
    clientMode: "known",
    chosenClient: null, // {id, name, phone} of the list
    timeMode: "free",
    chosenSlot: null, // startsAt of the picker
  };

  // -- the client --------------------------------------------------------------------------
  const knownRadio = radio("book-who", "known", t.known, true);
  const freshRadio = radio("book-who", "new", t.fresh);
  const search = field({ id: "book-search", label: t.search, type: "search", hint: t.searchHint, attributes: { autocomplete: "off" } });
  const searchStatus = el("p", { className: "account-status", role: "status" });
  const list = el("div", { className: "dash-book-results" });
  const listSet = fieldset(t.listLegend, list);
  listSet.hidden = true;
  const listError = el("p", { className: "account-field-error", id: "book-client-error" });
  const knownPart = el("div", { className: "dash-book-part" }, search.wrap, searchStatus, listSet, listError);

  const name = field({ id: "book-name", label: t.name, attributes: { autocomplete: "off", maxlength: "120" } });
  const phone = field({ id: "book-phone", label: t.phone, type: "tel", hint: t.phoneHint, attributes: { autocomplete: "off" } });
  const email = field({ id: "book-email", label: t.email, type: "email", attributes: { autocomplete: "off" } });
  const freshPart = el("div", { className: "dash-book-part" }, name.wrap, phone.wrap, email.wrap);
  freshPart.hidden = true;

  // -- the time ----------------------------------------------------------------------------
  const freeRadio = radio("book-when", "free", t.free, true);
  const otherRadio = radio("book-when", "other", t.other);
  const pickerRoot = el("div", { className: "dash-book-picker" });
  const slotError = el("p", { className: "account-field-error", id: "book-slot-error" });
  const freePart = el("div", { className: "dash-book-part" }, pickerRoot, slotError);
  const date = field({ id: "book-date", label: t.date, type: "date", value: todayIn(ctx.zone) });
  const time = field({ id: "book-time", label: t.time, type: "time", attributes: { step: "300" } });
  const otherPart = el(
    "div",
    { className: "dash-book-part" },
    el("p", { className: "account-hint", id: "book-other-hint" }, fill(t.otherHint, { zone: zoneLabel(ctx.zone, ctx.language) })),
    el("div", { className: "dash-book-when" }, date.wrap, time.wrap),
  );
  otherPart.hidden = true;
  for (const entry of [date, time]) {
    entry.input.setAttribute("aria-describedby", `book-other-hint ${entry.input.getAttribute("aria-describedby")}`);
  }

  // -- the summary -------------------------------------------------------------------------
  const summaryClient = el("p", {});
  const summaryWhen = el("p", {});
  const alert = el("div", { className: "account-alert", role: "alert", tabindex: "-1" });
  alert.hidden = true;
  const bookButton = el("button", { type: "submit", className: "account-button account-primary" }, t.book);

  const form = el(
    "form",
    { className: "dash-form dash-book", novalidate: true },
    el("section", { "aria-labelledby": "book-client-heading" },
      el("h2", { id: "book-client-heading" }, t.clientHeading),
      fieldset(t.whoLegend, knownRadio.wrap, freshRadio.wrap),
      knownPart,
      freshPart),
    el("section", { "aria-labelledby": "book-time-heading" },
      el("h2", { id: "book-time-heading" }, t.timeHeading),
      fieldset(t.whenLegend, freeRadio.wrap, otherRadio.wrap),
      freePart,
      otherPart),
    el("section", { "aria-labelledby": "book-summary-heading" },
      el("h2", { id: "book-summary-heading" }, t.summaryHeading),
      summaryClient,
      summaryWhen,
      alert,
      bookButton),
  );
  root.append(form);

  const picker = mountSlotPicker(pickerRoot, {
    slug: ctx.account.slug,
    language: ctx.language,
    timezone: ctx.zone,
    headingLevel: 3,
    onChoose: (slot) => {
      state.chosenSlot = slot.startsAt;
      slotError.textContent = "";
      drawSummary();
    },
  });

  function clientLabel(client) {
    return `${client.name} · ${client.phone || t.noPhone}`;
  }

  function chosenStart() {
    if (state.timeMode === "free") return state.chosenSlot;
    if (!date.input.value || !time.input.value) return null;
    return localInstant(date.input.value, time.input.value, ctx.zone);
  }

  function drawSummary() {
    if (state.clientMode === "known") {
      summaryClient.textContent = state.chosenClient
        ? fill(t.summaryClient, { client: clientLabel(state.chosenClient) })
        : t.summaryNoClient;
    } else {
      const typed = name.input.value.trim();
      summaryClient.textContent = typed ? fill(t.summaryNew, { name: typed }) : t.summaryNoClient;
    }
    const start = chosenStart();
    summaryWhen.textContent = start
      ? fill(t.summaryWhen, { when: formatDateTime(start, ctx.language, ctx.zone) })
      : t.summaryNoWhen;
  }

  function showResults(clients, { more = false } = {}) {
    list.replaceChildren();
    for (const client of clients) {
      const choice = radio("book-client", client.id, clientLabel(client), state.chosenClient?.id === client.id);
      choice.input.setAttribute("aria-describedby", listError.id);
      choice.input.addEventListener("change", () => {
        state.chosenClient = { id: client.id, name: client.name, phone: client.phone };
        listError.textContent = "";
        drawSummary();
      });
      list.append(choice.wrap);
    }
    listSet.hidden = clients.length === 0;
    if (clients.length === 0) searchStatus.textContent = t.foundNone;
    else if (more) searchStatus.textContent = `${fill(t.found, { count: clients.length })} ${t.moreFound}`;
    else searchStatus.textContent = clients.length === 1 ? t.foundOne : fill(t.found, { count: clients.length });
  }

  let searchTimer = null;
  let searchCount = 0;
  async function runSearch() {
    const count = ++searchCount;
    const query = search.input.value.trim();
    searchStatus.textContent = t.searching;
    try {
      const page = await ctx.api("/api/clients", { query: { q: query, limit: SEARCH_LIMIT } });
      if (count !== searchCount) return;
      const clients = page.items.filter((client) => !client.anonymised);
      // The one chosen stays chosen only while it is still listed.
      if (state.chosenClient && !clients.some((client) => client.id === state.chosenClient.id)) {
        state.chosenClient = null;
        drawSummary();
      }
      showResults(clients, { more: Boolean(page.nextCursor) });
    } catch (error) {
      if (count !== searchCount) return;
      searchStatus.textContent = errorText(error, ctx.language);
    }
  }

  search.input.addEventListener("input", () => {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(runSearch, SEARCH_DELAY_MS);
  });
  // Enter in the search runs it at once rather than submitting the form.
  search.input.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    window.clearTimeout(searchTimer);
    runSearch();
  });

  function setClientMode(mode) {
    state.clientMode = mode;
    knownPart.hidden = mode !== "known";
    freshPart.hidden = mode !== "new";
    drawSummary();
  }
  knownRadio.input.addEventListener("change", () => setClientMode("known"));
  freshRadio.input.addEventListener("change", () => setClientMode("new"));
  name.input.addEventListener("input", drawSummary);

  function setTimeMode(mode) {
    state.timeMode = mode;
    freePart.hidden = mode !== "free";
    otherPart.hidden = mode !== "other";
    drawSummary();
  }
  freeRadio.input.addEventListener("change", () => setTimeMode("free"));
  otherRadio.input.addEventListener("change", () => setTimeMode("other"));
  date.input.addEventListener("input", drawSummary);
  time.input.addEventListener("input", drawSummary);

  function showAlert(...children) {
    alert.replaceChildren(...children);
    alert.hidden = false;
  }

  function clearErrors() {
    alert.hidden = true;
    alert.replaceChildren();
    for (const entry of [name, phone, email, date, time]) entry.setError("");
    listError.textContent = "";
    slotError.textContent = "";
  }

  // What is missing before asking: answers the element to move the focus to, or null.
  function missing() {
    let first = null;
    const mark = (target) => {
      if (!first) first = target;
    };
    if (state.clientMode === "known" && !state.chosenClient) {
      listError.textContent = t.chooseClient;
      mark(list.querySelector("input") || search.input);
    }
    if (state.clientMode === "new") {
      if (!name.input.value.trim()) {
        name.setError(t.needName);
        mark(name.input);
      }
      if (!phone.input.value.trim()) {
        phone.setError(t.needPhone);
        mark(phone.input);
      }
    }
    if (state.timeMode === "free" && !state.chosenSlot) {
      slotError.textContent = t.chooseSlot;
      mark(pickerRoot.querySelector(".slot-time, .slot-day") || freeRadio.input);
    }
    if (state.timeMode === "other") {
      if (!date.input.value) {
        date.setError(t.needDate);
        mark(date.input);
      } else if (!time.input.value) {
        time.setError(t.needTime);
        mark(time.input);
      } else if (!chosenStart()) {
        time.setError(t.noSuchTime);
        mark(time.input);
      }
    }
    return first;
  }

  function requestBody() {
    const body = { startsAt: chosenStart() };
    if (state.clientMode === "known") body.clientId = state.chosenClient.id;
    else {
      body.client = { name: name.input.value.trim(), phone: phone.input.value.trim() };
      if (email.input.value.trim()) body.client.email = email.input.value.trim();
    }
    return body;
  }

  // The time was refused: said at the time, and the picker read again.
  function timeRefused(message) {
    showAlert(el("p", {}, message));
    if (state.timeMode === "free") {
      state.chosenSlot = null;
      slotError.textContent = message;
      drawSummary();
      picker.refresh(message);
      return null; // the picker's notice takes the focus
    }
    time.setError(message);
    return time.input;
  }

  function refused(error) {
    if (!(error instanceof ApiError)) {
      showAlert(el("p", {}, errorText(error, ctx.language)));
      return alert;
    }
    if (error.status === 409 && error.code === "SLOT_TAKEN") return timeRefused(t.slotTaken);
    if (error.status === 409 && error.code === "SLOT_UNAVAILABLE") return timeRefused(t.slotUnavailable);
    if (error.status === 403 && error.code === "PLAN_LIMIT_REACHED") {
      showAlert(
        el("p", {}, fill(t.planLimit, { message: errorText(error, ctx.language) })),
        el("p", {}, el("a", { href: "/dashboard/plan" }, t.planLink)),
      );
      return alert;
    }
    if (error.status === 404 && state.clientMode === "known") {
      state.chosenClient = null;
      listError.textContent = t.clientGone;
      showAlert(el("p", {}, t.clientGone));
      drawSummary();
      runSearch();
      return alert;
    }
    if (error.status === 400) {
      const fields = {
        "client.name": name,
        "client.phone": phone,
        "client.email": email,
        startsAt: state.timeMode === "other" ? time : { setError: (text) => (slotError.textContent = text || "") },
      };
      const first = showFieldErrors(fields, error);
      showAlert(el("p", {}, first ? t.fixBelow : errorText(error, ctx.language)));
      return first && first.input ? first.input : alert;
    }
    showAlert(el("p", {}, errorText(error, ctx.language)));
    return alert;
  }

  function showBooked(appointment) {
    const client = appointment.client;
    const when = formatDateTime(appointment.startsAt, ctx.language, ctx.zone);
    const heading = el("h2", { id: "book-done-heading", tabindex: "-1" }, t.bookedHeading);
    // Empty when it enters the page, filled a moment later: a live region added with its text
    // is often not read.
    const result = statusLine("");
    const done = el(
      "section",
      { className: "dash-book-done", "aria-labelledby": "book-done-heading" },
      heading,
      result,
      el("p", { className: "account-hint" }, t.bookedNote),
      el(
        "ul",
        { className: "dash-book-links" },
        el("li", {}, el("a", { href: "/dashboard" }, t.toToday)),
        el("li", {}, el("a", { href: `/dashboard/appointments?view=week&week=${mondayOf(appointment.localDate)}` }, t.toWeek)),
        el("li", {}, el("a", { href: `/dashboard/clients/${encodeURIComponent(client.id)}` }, fill(t.toClient, { name: client.name }))),
      ),
      button(t.again, () => ctx.navigate("/dashboard/book"), { className: "account-button" }),
    );
    root.replaceChildren(done);
    heading.focus();
    window.setTimeout(() => {
      result.textContent = fill(t.booked, { name: client.name, when });
    }, 50);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    const gap = missing();
    if (gap) {
      showAlert(el("p", {}, t.fixBelow));
      gap.focus();
      return;
    }
    let appointment;
    try {
      appointment = await busy(bookButton, () => ctx.api("/api/appointments", { method: "POST", body: requestBody() }));
    } catch (error) {
      const target = refused(error);
      if (target) target.focus();
      return;
    }
    showBooked(appointment);
  });

  // ?clientId= : that client chosen from the start.
  const preselected = ctx.route.params.get("clientId");
  if (preselected) {
    searchStatus.textContent = t.loadingClient;
    try {
      const client = await ctx.api(`/api/clients/${encodeURIComponent(preselected)}`);
      if (client.anonymised) throw new ApiError(404, {});
      state.chosenClient = { id: client.id, name: client.name, phone: client.phone };
      showResults([client]);
    } catch (error) {
      searchStatus.textContent = "";
      if (error instanceof ApiError && error.status === 404) {
        listError.textContent = t.clientGone;
        showAlert(el("p", {}, t.clientGone));
      } else {
        showAlert(el("p", {}, errorText(error, ctx.language)));
      }
    }
  }
  drawSummary();
  return {
    unmount() {
      window.clearTimeout(searchTimer);
      searchCount += 1;
    },
  };
}
