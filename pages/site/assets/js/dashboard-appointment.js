// One appointment as the professional's dashboard shows it, for every screen that lists one
// (Today, Appointments, a client's page):
//
//   import { appointmentCard } from <this module, by its absolute literal path>;
//   const card = appointmentCard(item, ctx, { onChange, headingLevel: 3, showDay: true });
//   list.append(el("li", {}, card));
//
// `item` is an appointment as GET /api/appointments lists it (AppointmentOut), `ctx` the
// screen's (dashboard-kit.js). The card says when (in ctx.zone), who (the client's name as a
// link to /dashboard/clients/{clientId}, the phone as a tel: link, the email), the status and
// the payment in words, and offers exactly the actions the API lists in `item.actions` (what
// the state machine, docs/appointments.md, lets the professional do now): confirm and reject
// (a reason) for a pending one, reschedule and cancel (a reason; "late cancellation") while it
// is live, complete and no-show once a confirmed one has started, paid while unpaid.
// Each is PATCH /api/appointments/{id} {action, startsAt?, reason?, lateCancellation?}; its
// answer (the appointment as it now is) is drawn in the card at once, a status line says what
// happened, and `onChange(fresh, action)` tells the screen. Reject, cancel and no-show ask
// first; reschedule picks a free time with the public slot picker (slot-picker.js, loaded
// when asked for: the same free times the reschedule checks), then asks.
// Refusals in words: 409 INVALID_TRANSITION (changed meanwhile: the card is read again and
// says what it is now), 409 SLOT_TAKEN / SLOT_UNAVAILABLE (the picker's times read again),
// 403 and 404 (the card is read again, or said gone); a 400 shows at the reason field. The
// card is read again with GET /api/appointments?view=...&from=&to= (its day, every view).
// `card.appointment` is the appointment as the card last knew it.

import { el, button } from "/assets/js/account-ui.js";
import { busy, errorText, field } from "/assets/js/dashboard-kit.js";
import { fill, formatDay, formatTime, textsFor } from "/assets/js/i18n.js";

const TEXTS = {
  "pt-BR": {
    when: "{day}, {start}–{end}",
    whenTime: "{start}–{end}",
    client: "Cliente: {name}",
    phone: "Telefone: {phone}",
    email: "E-mail: {email}",
    registered: "tem conta",
    status: "Situação: {words}",
    payment: "Pagamento: {words}",
    statuses: {
      pending_payment: "aguardando pagamento",
      pending_confirmation: "aguardando a sua confirmação",
      confirmed: "confirmado",
      rejected: "recusado",
      cancelled: "cancelado",
      completed: "realizado",
      no_show: "falta",
    },
    payments: {
      none: "nada registrado",
      pending: "aguardando o pagamento online",
      paid: "pago",
      refunded: "devolvido",
      failed: "o pagamento online falhou",
    },
    actionsLabel: "Ações",
    confirm: "Confirmar",
    reject: "Recusar",
    cancel: "Cancelar",
    reschedule: "Remarcar",
    paid: "Marcar como pago",
    complete: "Marcar como realizado",
    noShow: "Marcar falta",
    keep: "Voltar",
    rejectQuestion: "Recusar o pedido de {name} para {when}? O horário fica livre e {name} é avisado(a).",
    rejectYes: "Sim, recusar",
    cancelQuestion: "Cancelar o horário de {name} em {when}? O horário fica livre e {name} é avisado(a).",
    cancelYes: "Sim, cancelar",
    noShowQuestion: "Registrar que {name} faltou ao horário de {when}?",
    noShowYes: "Sim, registrar a falta",
    reason: "Motivo (opcional)",
    reasonHint: "{name} recebe este texto na mensagem.",
    late: "Contar como cancelamento tardio do cliente",
    lateHint: "Marque só quando o cliente desmarcou em cima da hora. Uma sessão paga online não é então devolvida. Desmarcado: o que foi pago online é devolvido por inteiro.",
    chooseTime: "Escolha o novo horário de {name}.",
    moveQuestion: "Remarcar {name} para {when}? {name} é avisado(a) do novo horário.",
    moveYes: "Sim, remarcar",
    done: {
      confirm: "Confirmado. {name} recebe a confirmação.",
      reject: "Pedido recusado. {name} foi avisado(a).",
      cancel: "Horário cancelado. {name} foi avisado(a).",
      reschedule: "Remarcado para {when}. {name} foi avisado(a).",
      paid: "Pagamento registrado.",
      paidConfirmed: "Pagamento registrado e horário confirmado. {name} recebe a confirmação.",
      complete: "Sessão marcada como realizada.",
      no_show: "Falta registrada.",
    },
    changed: "Este horário mudou enquanto isso: agora está {words}.",
    changedGone: "Este horário não está mais na sua agenda.",
    slotTaken: "Esse horário acabou de ser ocupado. Escolha outro.",
    slotUnavailable: "Esse horário não está mais disponível. Escolha outro.",
    forbidden: "Esta mudança não é permitida: {message}",
    notFound: "Este horário não está mais na sua agenda.",
  },
  en: {
    when: "{day}, {start}–{end}",
    whenTime: "{start}–{end}",
    client: "Client: {name}",
    phone: "Phone: {phone}",
    email: "Email: {email}",
    registered: "has an account",
    status: "Status: {words}",
    payment: "Payment: {words}",
    statuses: {
      pending_payment: "awaiting payment",
      pending_confirmation: "awaiting your confirmation",
      confirmed: "confirmed",
      rejected: "declined",
      cancelled: "cancelled",
      completed: "completed",
      no_show: "no-show",
    },
    payments: {
      none: "nothing recorded",
      pending: "awaiting the online payment",
      paid: "paid",
      refunded: "refunded",
      failed: "the online payment failed",
    },
    actionsLabel: "Actions",
    confirm: "Confirm",
    reject: "Decline",
    cancel: "Cancel",
    reschedule: "Reschedule",
    paid: "Mark as paid",
    complete: "Mark as completed",
    noShow: "Mark as no-show",
    keep: "Go back",
    rejectQuestion: "Decline {name}'s request for {when}? The time becomes free and {name} is told.",
    rejectYes: "Yes, decline",
    cancelQuestion: "Cancel {name}'s appointment on {when}? The time becomes free and {name} is told.",
    cancelYes: "Yes, cancel",
    noShowQuestion: "Record that {name} did not come on {when}?",
    noShowYes: "Yes, record the no-show",
    reason: "Reason (optional)",
    reasonHint: "{name} gets this text in the message.",
    late: "Count as a late cancellation by the client",
    lateHint: "Tick it only when the client called off at the last minute. A session paid online is then not refunded. Left off: what was paid online is refunded in full.",
    chooseTime: "Choose {name}'s new time.",
    moveQuestion: "Move {name} to {when}? {name} is told the new time.",
    moveYes: "Yes, move it",
    done: {
      confirm: "Confirmed. {name} gets the confirmation.",
      reject: "Request declined. {name} has been told.",
      cancel: "Appointment cancelled. {name} has been told.",
      reschedule: "Moved to {when}. {name} has been told.",
      paid: "Payment recorded.",
      paidConfirmed: "Payment recorded and the appointment confirmed. {name} gets the confirmation.",
      complete: "Session marked as completed.",
      no_show: "No-show recorded.",
    },
    changed: "This appointment changed meanwhile: it is now {words}.",
    changedGone: "This appointment is no longer in your agenda.",
    slotTaken: "That time was just taken. Please choose another.",
    slotUnavailable: "That time is no longer available. Please choose another.",
    forbidden: "This change is not allowed: {message}",
    notFound: "This appointment is no longer in your agenda.",
  },
};

const VIEWS = ["upcoming", "pending", "past", "cancelled"];
// The card's order of the actions the API offers (`item.actions`, the state machine's answer
// for this appointment when it was read): the likely one first, the destructive one last.
const ORDER = ["confirm", "reject", "complete", "no_show", "paid", "reschedule", "cancel"];

let cardCount = 0;

// What the professional may do with `item`, as the API said when it was read, in the card's
// order. The state machine's rules live in the API alone (agenda/domain/lifecycle.py).
export function allowedActions(item) {
  const offered = new Set(item.actions || []);
  return ORDER.filter((action) => offered.has(action));
}

// The words of a status for the professional ("awaiting your confirmation").
export function statusWords(status, language) {
  const texts = textsFor(language, TEXTS);
  return texts.statuses[status] || status;
}

// "Tuesday, 8 December 2026, 14:00–14:50" in the professional's zone (or only the times).
export function whenText(item, ctx, { showDay = true } = {}) {
  const texts = textsFor(ctx.language, TEXTS);
  const start = formatTime(item.startsAt, ctx.language, ctx.zone);
  const end = formatTime(item.endsAt, ctx.language, ctx.zone);
  if (!showDay) return fill(texts.whenTime, { start, end });
  return fill(texts.when, { day: formatDay(item.startsAt, ctx.language, ctx.zone), start, end });
}

// The appointment as the list answers it now: its day in every view (an appointment is in
// exactly one); null when it is not there any more (moved to another day, or gone).
async function readAgain(item, ctx) {
  const day = { from: item.localDate, to: item.localDate };
  const views = await Promise.all(VIEWS.map((view) => everyAppointment(ctx, { view, ...day })));
  return views.flat().find((candidate) => candidate.id === item.id) || null;
}

function statusClass(status) {
  if (status === "pending_payment" || status === "pending_confirmation") return "dash-pending";
  if (status === "confirmed" || status === "completed") return "dash-done";
  return "dash-appointment-ended";
}

export function appointmentCard(initial, ctx, { onChange, headingLevel = 3, showDay = true } = {}) {
  const texts = textsFor(ctx.language, TEXTS);
  const id = `appointment-${++cardCount}`;
  let item = initial;
  const card = el("article", { className: "dash-card dash-appointment", "aria-labelledby": `${id}-heading`, "data-appointment": item.id });
  // Present from the start, so what it says is read (a live region added with its text is not).
  const status = el("p", { className: "account-status dash-appointment-result", role: "status", tabindex: "-1" });
  const alert = el("p", { className: "account-alert dash-appointment-problem", role: "alert", tabindex: "-1" });
  alert.hidden = true;
  const body = el("div", { className: "dash-appointment-body" });
  const actions = el("div", { className: "account-row dash-appointment-actions", role: "group", "aria-label": texts.actionsLabel });
  const panel = el("div", { className: "dash-appointment-panel" });
  card.append(body, actions, panel, status, alert);

  const name = () => item.client.name;

  function draw() {
    card.dataset.status = item.status;
    // A card without its day (a day's agenda) names the new day once a reschedule moved it.
    const withDay = showDay || item.localDate !== initial.localDate;
    const heading = el(`h${headingLevel}`, { id: `${id}-heading` }, whenText(item, ctx, { showDay: withDay }));
    const client = el(
      "p",
      {},
      fill(texts.client, { name: "" }),
      el("a", { href: `/dashboard/clients/${encodeURIComponent(item.client.id)}` }, item.client.name),
      item.client.registered ? ` (${texts.registered})` : "",
    );
    const contact = [];
    if (item.client.phone) {
      contact.push(el("p", {}, fill(texts.phone, { phone: "" }), el("a", { href: `tel:${item.client.phone}` }, item.client.phone)));
    }
    if (item.client.email) {
      contact.push(el("p", {}, fill(texts.email, { email: "" }), el("a", { href: `mailto:${item.client.email}` }, item.client.email)));
    }
    const state = el(
      "p",
      { className: "dash-appointment-state" },
      fill(texts.status, { words: "" }),
      el("span", { className: statusClass(item.status) }, statusWords(item.status, ctx.language)),
    );
    const payment = el(
      "p",
      { className: "dash-appointment-payment" },
      fill(texts.payment, { words: texts.payments[item.paymentStatus] || item.paymentStatus }),
    );
    body.replaceChildren(heading, client, ...contact, state, payment);
    drawActions();
  }

  function drawActions() {
    panel.replaceChildren();
    const labels = {
      confirm: texts.confirm,
      reject: texts.reject,
      cancel: texts.cancel,
      reschedule: texts.reschedule,
      paid: texts.paid,
      complete: texts.complete,
      no_show: texts.noShow,
    };
    const handlers = {
      confirm: (target) => change(target, { action: "confirm" }),
      paid: (target) => change(target, { action: "paid" }),
      complete: (target) => change(target, { action: "complete" }),
      reject: (target) => ask(target, "reject"),
      cancel: (target) => ask(target, "cancel"),
      no_show: (target) => ask(target, "no_show"),
      reschedule: (target) => chooseTime(target),
    };
    const found = allowedActions(item).map((action) => {
      const primary = action === "confirm" || action === "complete";
      const control = button(labels[action], () => handlers[action](control), {
        className: primary ? "account-button account-primary" : "account-button",
      });
      control.dataset.action = action;
      control.setAttribute("aria-describedby", `${id}-heading`);
      return control;
    });
    actions.replaceChildren(...found);
    actions.hidden = found.length === 0;
  }

  function say(text) {
    alert.hidden = true;
    alert.textContent = "";
    status.textContent = text;
    status.focus();
  }

  function problem(text) {
    status.textContent = "";
    alert.textContent = text;
    alert.hidden = false;
    alert.focus();
  }

  function closePanel(focusTo) {
    panel.replaceChildren();
    actions.hidden = actions.childElementCount === 0;
    if (focusTo && focusTo.isConnected) focusTo.focus();
  }

  // The question before a reject, a cancel or a no-show, with the reason (and, for a cancel,
  // the late cancellation) it may carry.
  function ask(origin, action) {
    const when = whenText(item, ctx);
    const question = {
      reject: [texts.rejectQuestion, texts.rejectYes],
      cancel: [texts.cancelQuestion, texts.cancelYes],
      no_show: [texts.noShowQuestion, texts.noShowYes],
    }[action];
    const prompt = el("p", { className: "account-question", tabindex: "-1" }, fill(question[0], { name: name(), when }));
    const reason =
      action === "no_show"
        ? null
        : field({
            id: `${id}-reason`,
            label: texts.reason,
            hint: fill(texts.reasonHint, { name: name() }),
            multiline: true,
            attributes: { maxlength: "500", rows: "3" },
          });
    let late = null;
    if (action === "cancel") {
      const box = el("input", { type: "checkbox", id: `${id}-late`, "aria-describedby": `${id}-late-hint` });
      late = {
        input: box,
        wrap: el(
          "div",
          { className: "dash-appointment-late" },
          el("div", { className: "dash-check" }, box, el("label", { for: `${id}-late` }, texts.late)),
          el("p", { className: "account-hint", id: `${id}-late-hint` }, texts.lateHint),
        ),
      };
    }
    const yes = button(question[1], () => {
      const request = { action };
      const words = reason ? reason.input.value.trim() : "";
      if (words) request.reason = words;
      if (late && late.input.checked) request.lateCancellation = true;
      change(yes, request, { reason });
    }, { className: "account-button account-danger" });
    const keep = button(texts.keep, () => closePanel(origin));
    panel.replaceChildren(
      el("div", { className: "account-confirm" }, prompt, reason ? reason.wrap : null, late ? late.wrap : null, el("div", { className: "account-row" }, yes, keep)),
    );
    actions.hidden = true;
    prompt.focus();
  }

  // The public picker's free times, then the question; the move itself is a PATCH.
  async function chooseTime(origin) {
    let mountSlotPicker;
    try {
      ({ mountSlotPicker } = await busy(origin, () => import("/assets/js/slot-picker.js")));
    } catch (error) {
      problem(errorText(error, ctx.language));
      return;
    }
    const intro = el("p", { className: "account-question", tabindex: "-1" }, fill(texts.chooseTime, { name: name() }));
    const host = el("div", { className: "dash-reschedule", id: `${id}-picker` });
    const question = el("p", { className: "account-question", id: `${id}-move`, tabindex: "-1" });
    // A time that went meanwhile: the question goes until another is chosen.
    const slotGone = () => {
      chosen = null;
      confirmBox.hidden = true;
    };
    const yes = button(texts.moveYes, () => change(yes, { action: "reschedule", startsAt: chosen.startsAt }, { picker, slotGone }), {
      className: "account-button account-primary",
    });
    yes.setAttribute("aria-describedby", `${id}-move`);
    const confirmRow = el("div", { className: "account-row" }, yes);
    const confirmBox = el("div", { className: "dash-appointment-move" }, question, confirmRow);
    confirmBox.hidden = true;
    const keep = button(texts.keep, () => closePanel(origin));
    panel.replaceChildren(el("div", { className: "account-confirm" }, intro, host, confirmBox, el("div", { className: "account-row" }, keep)));
    actions.hidden = true;
    let chosen = null;
    const picker = mountSlotPicker(host, {
      slug: ctx.account.slug,
      language: ctx.language,
      timezone: ctx.zone,
      headingLevel: Math.min(headingLevel + 1, 5),
      onChoose(slot) {
        chosen = slot;
        question.textContent = fill(texts.moveQuestion, { name: name(), when: `${formatDay(slot.startsAt, ctx.language, ctx.zone)}, ${formatTime(slot.startsAt, ctx.language, ctx.zone)}` });
        confirmBox.hidden = false;
        yes.focus();
      },
    });
    intro.focus();
  }

  async function change(control, body, { reason = null, picker = null, slotGone = null } = {}) {
    if (reason) reason.setError("");
    let fresh;
    try {
      fresh = await busy(control, () =>
        ctx.api(`/api/appointments/${encodeURIComponent(item.id)}`, { method: "PATCH", body }),
      );
    } catch (error) {
      await refused(error, { reason, picker, slotGone });
      return;
    }
    // Paid on a booking held for payment confirms it too.
    const outcome = body.action === "paid" && fresh.status !== item.status ? "paidConfirmed" : body.action;
    item = fresh;
    draw();
    say(fill(texts.done[outcome], { name: name(), when: whenText(item, ctx) }));
    if (onChange) onChange(item, body.action);
  }

  async function refused(error, { reason, picker, slotGone }) {
    if (error.status === 409 && (error.code === "SLOT_TAKEN" || error.code === "SLOT_UNAVAILABLE") && picker) {
      if (slotGone) slotGone();
      picker.refresh(error.code === "SLOT_TAKEN" ? texts.slotTaken : texts.slotUnavailable);
      return;
    }
    if (error.status === 400 && reason && error.fields && error.fields.reason) {
      reason.setError(error.fields.reason);
      reason.input.focus();
      return;
    }
    if (error.status === 409 && error.code === "INVALID_TRANSITION") {
      await showAgain((fresh) => (fresh ? fill(texts.changed, { words: statusWords(fresh.status, ctx.language) }) : texts.changedGone));
      return;
    }
    if (error.status === 403) {
      await showAgain(() => fill(texts.forbidden, { message: errorText(error, ctx.language) }));
      return;
    }
    if (error.status === 404) {
      await showAgain(() => texts.notFound);
      return;
    }
    problem(errorText(error, ctx.language));
  }

  // Reads the card again after a refusal and says why, in `words(fresh)`.
  async function showAgain(words) {
    let fresh = null;
    try {
      fresh = await readAgain(item, ctx);
    } catch (error) {
      problem(`${words(item)} ${errorText(error, ctx.language)}`);
      return;
    }
    if (fresh) {
      item = fresh;
      draw();
    } else {
      actions.replaceChildren();
      actions.hidden = true;
      panel.replaceChildren();
    }
    problem(words(fresh));
    if (onChange) onChange(fresh, null);
  }

  draw();
  Object.defineProperty(card, "appointment", { get: () => item });
  return card;
}


// Every page of one view between two local dates (`from`, `to`: YYYY-MM-DD), in the API's
// order: a day or a week holds few, so this is one call almost always.
export async function everyAppointment(ctx, { view, from, to }) {
  const items = [];
  let cursor;
  do {
    const page = await ctx.api("/api/appointments", { query: { view, from, to, limit: 100, cursor } });
    items.push(...page.items);
    cursor = page.nextCursor || undefined;
  } while (cursor);
  return items;
}

// One view's appointments a page at a time: the first page (as the screen read it) drawn as
// cards, and "show more" reading the next by its cursor, the focus on the first new card.
// `words`: {more, moreShown ("{count} more"), empty}. Answers the parts to place: {list,
// empty, more, status, alert}.
export function appointmentPages(ctx, { view, limit, firstPage, words, labelledBy, card = {} }) {
  const list = el("ul", { className: "dash-cards", "aria-labelledby": labelledBy });
  const empty = el("p", { className: "dash-appointments-empty" }, words.empty);
  const status = el("p", { className: "account-status", role: "status" });
  const alert = el("p", { className: "account-alert", role: "alert" });
  alert.hidden = true;
  let cursor = firstPage.nextCursor;
  const more = button(words.more, () => showMore(), { className: "account-button" });

  function add(items) {
    for (const item of items) list.append(el("li", {}, appointmentCard(item, ctx, { headingLevel: 3, ...card })));
    empty.hidden = list.childElementCount > 0;
    list.hidden = list.childElementCount === 0;
    more.hidden = !cursor;
  }

  async function showMore() {
    alert.hidden = true;
    try {
      const page = await busy(more, () => ctx.api("/api/appointments", { query: { view, limit, cursor } }));
      const before = list.childElementCount;
      cursor = page.nextCursor;
      add(page.items);
      status.textContent = fill(words.moreShown, { count: page.items.length });
      const added = list.children[before];
      const heading = added ? added.querySelector("h3") : null;
      if (heading) {
        heading.setAttribute("tabindex", "-1");
        heading.focus();
      }
    } catch (error) {
      alert.textContent = errorText(error, ctx.language);
      alert.hidden = false;
    }
  }

  add(firstPage.items);
  return { list, empty, more, status, alert };
}

