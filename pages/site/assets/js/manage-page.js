// /manage/{id}?token=...: a client without an account sees one booking through the signed link
// of their messages, downloads it for a calendar, cancels or reschedules it within the
// professional's notice (the policy and the refund said before the button), or, with a link
// that no longer works, asks for their links again by phone or email.
//
//   GET  /api/guest/appointments/{id}?token=     the booking, the policy, the refund a cancel makes
//   POST /api/guest/appointments/{id}/cancel      {token, reason?}
//   POST /api/guest/appointments/{id}/reschedule  {token, startsAt}; 409: the picker refreshes
//   POST /api/guest/links                         {contact}: always the same 202
//
// Below the booking, the thread with the professional (message-thread.js, while the link
// works) and, for a completed session, the review (review-form.js). Both load on demand with
// import(): the booking shows without waiting for them. `#messages` and `#review` in the
// address (the review request links to `#review`) move the focus to that part once it is there.
//
// The page speaks the professional's language once the booking is read; before that (and for
// a link that does not open) the browser's.

import { api } from "/assets/js/api.js";
import { element } from "/assets/js/dom.js";
import { fill, formatDateTime, formatMoney, languageOf, textsFor, visitorZone, zoneLabel, zonesDiffer } from "/assets/js/i18n.js";
import { mountSlotPicker } from "/assets/js/slot-picker.js";

const TEXTS = {
  "pt-BR": {
    title: "Seu agendamento · Agenda",
    description: "Veja, remarque ou cancele o seu horário pelo link que você recebeu.",
    heading: "Seu agendamento",
    headingWith: "Seu horário com {name}",
    loading: "Carregando…",
    when: "Quando",
    yourTime: "No seu horário: {when}",
    with: "Com quem",
    status: "Situação",
    payment: "Pagamento",
    statuses: {
      pending_payment: "Aguardando pagamento",
      pending_confirmation: "Aguardando a confirmação do profissional",
      confirmed: "Confirmado",
      rejected: "Recusado pelo profissional",
      cancelled: "Cancelado",
      completed: "Realizado",
      no_show: "Falta registrada",
    },
    payments: {
      none: "Nada a pagar online",
      nonePrice: "Direto com o profissional (valor da sessão: {price})",
      pending: "Pagamento pendente ({price})",
      paid: "Pago ({price})",
      refunded: "Devolvido ({price})",
      failed: "O pagamento não foi concluído",
    },
    payPending:
      "Para garantir o horário, conclua o pagamento pelo link da mensagem que você recebeu ao agendar. Sem o pagamento, o horário é liberado.",
    calendar: "Baixar para o calendário (.ics)",
    cancelHeading: "Cancelar",
    cancelUntil: "Você pode cancelar por aqui até {when}.",
    refundFull: "Como você pagou online, o valor de {amount} será devolvido integralmente, no mesmo meio de pagamento.",
    refundFullNoAmount: "Como você pagou online, o valor pago será devolvido integralmente, no mesmo meio de pagamento.",
    refundByHand: "O pagamento foi feito direto ao profissional: a devolução é combinada com ele.",
    refundNone: "Nada foi pago online, então não há devolução.",
    cancelButton: "Cancelar este horário",
    cancelConfirm: "Tem certeza? O horário fica livre para outra pessoa.",
    reason: "Motivo (opcional)",
    reasonHint: "O profissional vê o que você escrever.",
    cancelYes: "Sim, cancelar",
    keep: "Manter o horário",
    cancelled: "Horário cancelado. {name} foi avisado(a).",
    cancelledRefund: "Horário cancelado. A devolução de {amount} foi pedida e aparece no seu extrato em alguns dias.",
    cannotCancel: "Cancelamentos por aqui vão até {hours} h antes do horário (até {when}). Para cancelar agora, fale com {name}.",
    cannotReschedule: "Remarcações por aqui vão até {hours} h antes do horário (até {when}). Para remarcar agora, fale com {name}.",
    started: "O horário já começou. Para qualquer mudança, fale com {name}.",
    contact: "Falar com {name}",
    noContact: "Use o contato que {name} passou a você.",
    rescheduleHeading: "Remarcar",
    rescheduleUntil: "Você pode remarcar por aqui até {when}, para qualquer horário livre.",
    rescheduleButton: "Escolher outro horário",
    chosen: "Novo horário: {when}",
    rescheduleYes: "Remarcar para este horário",
    rescheduled: "Horário remarcado para {when}. Você recebe uma mensagem com o novo horário e um link novo para gerenciá-lo.",
    slotTaken: "Esse horário acabou de ser ocupado por outra pessoa. Escolha outro.",
    slotUnavailable: "Esse horário não está mais disponível. Escolha outro.",
    over: "Este horário não pode mais ser alterado por aqui.",
    bookAgain: "Agendar outro horário",
    failed: "Não foi possível concluir. Tente de novo.",
    network: "Sem conexão com o servidor. Confira a internet e tente de novo.",
    tooMany: "Muitas tentativas. Tente de novo em {minutes} min.",
    loadFailed: "Não foi possível carregar o agendamento.",
    retry: "Tentar de novo",
    recoveryHeading: "Receber meus links de novo",
    badLink: "Este link não vale mais: ele expirou ou foi copiado pela metade.",
    notFound: "Não encontramos este agendamento.",
    noLink: "Para ver um agendamento, abra o link da mensagem que você recebeu ao agendar.",
    recoveryWhat: "Informe o telefone ou o e-mail que você usou ao agendar: enviamos para ele os links dos seus horários.",
    contactLabel: "Telefone ou e-mail",
    contactHint: "Ex.: (11) 98765-4321 ou voce@exemplo.com",
    contactRequired: "Informe um telefone ou um e-mail.",
    contactInvalid: "Confira: isso não parece um telefone com DDD nem um e-mail.",
    send: "Enviar meus links",
    sent: "Pronto. Se houver horários com esse contato, os links chegam em instantes: por WhatsApp para um telefone, por e-mail para um e-mail.",
  },
  en: {
    title: "Your booking · Agenda",
    description: "View, reschedule or cancel your session through the link you received.",
    heading: "Your booking",
    headingWith: "Your session with {name}",
    loading: "Loading…",
    when: "When",
    yourTime: "Your time: {when}",
    with: "With",
    status: "Status",
    payment: "Payment",
    statuses: {
      pending_payment: "Awaiting payment",
      pending_confirmation: "Awaiting the professional's confirmation",
      confirmed: "Confirmed",
      rejected: "Declined by the professional",
      cancelled: "Cancelled",
      completed: "Completed",
      no_show: "Marked as a no-show",
    },
    payments: {
      none: "Nothing to pay online",
      nonePrice: "Paid to the professional directly (session price: {price})",
      pending: "Payment pending ({price})",
      paid: "Paid ({price})",
      refunded: "Refunded ({price})",
      failed: "The payment did not go through",
    },
    payPending:
      "To keep the time, complete the payment through the link in the message you got when you booked. Without it, the time is released.",
    calendar: "Download to your calendar (.ics)",
    cancelHeading: "Cancel",
    cancelUntil: "You can cancel here until {when}.",
    refundFull: "As you paid online, the full {amount} will be refunded to the same payment method.",
    refundFullNoAmount: "As you paid online, the full amount will be refunded to the same payment method.",
    refundByHand: "You paid the professional directly: agree any refund with them.",
    refundNone: "Nothing was paid online, so there is no refund.",
    cancelButton: "Cancel this session",
    cancelConfirm: "Are you sure? The time becomes free for someone else.",
    reason: "Reason (optional)",
    reasonHint: "The professional sees what you write.",
    cancelYes: "Yes, cancel",
    keep: "Keep the session",
    cancelled: "Session cancelled. {name} has been told.",
    cancelledRefund: "Session cancelled. The refund of {amount} is on its way and shows on your statement within a few days.",
    cannotCancel: "Cancelling here closes {hours} hours before the session (at {when}). To cancel now, contact {name}.",
    cannotReschedule: "Rescheduling here closes {hours} hours before the session (at {when}). To reschedule now, contact {name}.",
    started: "The session has started. For any change, contact {name}.",
    contact: "Contact {name}",
    noContact: "Use the contact details {name} gave you.",
    rescheduleHeading: "Reschedule",
    rescheduleUntil: "You can reschedule here until {when}, to any free time.",
    rescheduleButton: "Choose another time",
    chosen: "New time: {when}",
    rescheduleYes: "Move to this time",
    rescheduled: "Session moved to {when}. You will get a message with the new time and a new link to manage it.",
    slotTaken: "That time was just taken by someone else. Please choose another.",
    slotUnavailable: "That time is no longer available. Please choose another.",
    over: "This session can no longer be changed here.",
    bookAgain: "Book another time",
    failed: "That did not work. Please try again.",
    network: "No connection to the server. Check your internet and try again.",
    tooMany: "Too many attempts. Try again in {minutes} min.",
    loadFailed: "The booking could not be loaded.",
    retry: "Try again",
    recoveryHeading: "Get my links again",
    badLink: "This link no longer works: it has expired or was copied only in part.",
    notFound: "We could not find this booking.",
    noLink: "To see a booking, open the link in the message you got when you booked.",
    recoveryWhat: "Enter the phone or email you booked with: we will send the links to your sessions there.",
    contactLabel: "Phone or email",
    contactHint: "E.g. +1 646 555 0100 or you@example.com",
    contactRequired: "Enter a phone or an email.",
    contactInvalid: "Check it: this does not look like a phone number with area code or an email.",
    send: "Send my links",
    sent: "Done. If there are sessions with that contact, the links arrive shortly: by WhatsApp for a phone, by email for an email.",
  },
};

const LIVE = new Set(["pending_payment", "pending_confirmation", "confirmed"]);
const RELEASED = new Set(["rejected", "cancelled"]);

function minutesOf(error) {
  return Math.max(1, Math.ceil((error.retryAfter || 60) / 60));
}

// The words for a failed call that is not one the caller handles itself.
function failureText(t, error) {
  if (error.status === 0) return t.network;
  if (error.status === 429) return fill(t.tooMany, { minutes: minutesOf(error) });
  return t.failed;
}

const main = document.getElementById("manage");
const heading = document.getElementById("manage-heading");

function setLanguage(language) {
  const t = textsFor(language, TEXTS);
  document.documentElement.lang = languageOf(language);
  document.title = t.title;
  const description = document.querySelector('meta[name="description"]');
  if (description) description.setAttribute("content", t.description);
  return t;
}

function clearBelowHeading() {
  for (const node of [...main.children]) {
    if (node !== heading) node.remove();
  }
}

// --- the link that does not open, and "send me my links again" ------------------------------

function showRecovery(language, reason) {
  const t = setLanguage(language);
  heading.textContent = t.heading;
  clearBelowHeading();
  const section = element("section", { className: "manage-recovery", attributes: { "aria-labelledby": "recovery-heading" } });
  section.append(element("p", { className: "manage-problem", text: t[reason] }));
  section.append(element("h2", { text: t.recoveryHeading, attributes: { id: "recovery-heading" } }));
  section.append(element("p", { text: t.recoveryWhat }));

  const form = element("form", { className: "manage-links-form", attributes: { novalidate: "", "aria-labelledby": "recovery-heading" } });
  const wrapper = element("div", { className: "field" });
  const label = element("label", { text: t.contactLabel, attributes: { for: "links-contact" } });
  const hint = element("p", { className: "field-hint", text: t.contactHint, attributes: { id: "links-contact-hint" } });
  const input = element("input", {
    attributes: {
      id: "links-contact",
      name: "contact",
      type: "text",
      autocomplete: "email",
      required: "",
      "aria-describedby": "links-contact-hint links-contact-error",
    },
  });
  const fieldError = element("p", { className: "field-error", attributes: { id: "links-contact-error" } });
  wrapper.append(label, hint, input, fieldError);
  const formError = element("p", { className: "booking-error", attributes: { role: "alert", tabindex: "-1" } });
  formError.hidden = true;
  const submit = element("button", { className: "button-primary", text: t.send, attributes: { type: "submit" } });
  const sending = element("p", { className: "manage-status", attributes: { role: "status" } });
  form.append(wrapper, formError, submit, sending);
  section.append(form);
  main.append(section);

  function fieldProblem(text) {
    fieldError.textContent = text;
    input.setAttribute("aria-invalid", text ? "true" : "false");
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError.hidden = true;
    const contact = input.value.trim();
    if (!contact) {
      fieldProblem(t.contactRequired);
      input.focus();
      return;
    }
    fieldProblem("");
    submit.disabled = true;
    sending.textContent = t.loading;
    try {
      await api("/api/guest/links", { method: "POST", body: { contact }, language });
    } catch (error) {
      submit.disabled = false;
      sending.textContent = "";
      if (error.status === 400) {
        fieldProblem(t.contactInvalid);
        input.focus();
      } else {
        formError.textContent = failureText(t, error);
        formError.hidden = false;
        formError.focus();
      }
      return;
    }
    // The same words whatever the API found: it answers the same too.
    const done = element("p", { className: "manage-done", text: t.sent, attributes: { role: "status", tabindex: "-1" } });
    form.replaceWith(done);
    done.focus();
  });
}

// --- the booking ---------------------------------------------------------------------------------

function place() {
  const match = /^\/manage\/([^/]+)\/?$/.exec(location.pathname);
  const token = new URLSearchParams(location.search).get("token");
  return { id: match ? decodeURIComponent(match[1]) : null, token };
}

function whenText(instant, language, zone) {
  return `${formatDateTime(instant, language, zone)} (${zoneLabel(zone, language, instant)})`;
}

// Inside a sentence, on the professional's clock that the facts above name.
function deadlineText(instant, language, zone) {
  return formatDateTime(instant, language, zone);
}

function money(amount, currency, language) {
  return amount === null || amount === undefined ? null : formatMoney(amount, currency, language);
}

function paymentWords(t, booking, language) {
  const price = money(booking.price, booking.currency, language);
  if (booking.paymentStatus === "none") return price ? fill(t.payments.nonePrice, { price }) : t.payments.none;
  if (booking.paymentStatus === "failed") return t.payments.failed;
  const words = t.payments[booking.paymentStatus];
  return price ? fill(words, { price }) : words.replace(/ \(\{price\}\)/, "");
}

function contactLine(t, professional) {
  const line = element("p", { className: "manage-contact" });
  if (professional.contact) {
    line.append(element("a", { text: fill(t.contact, { name: professional.name }), attributes: { href: professional.contact } }));
  } else {
    line.textContent = fill(t.noContact, { name: professional.name });
  }
  return line;
}

function refundWords(t, booking, language) {
  const policy = booking.policy;
  if (policy.refundOnCancel === "full") {
    const amount = money(policy.refundAmount, policy.refundCurrency || booking.currency, language);
    return amount ? fill(t.refundFull, { amount }) : t.refundFullNoAmount;
  }
  return booking.paymentStatus === "paid" ? t.refundByHand : t.refundNone;
}

function section(id, title) {
  const node = element("section", { className: "manage-section", attributes: { "aria-labelledby": id } });
  node.append(element("h2", { text: title, attributes: { id } }));
  return node;
}

function refusalFor(t, booking, action, language) {
  const policy = booking.policy;
  const hours = action === "cancel" ? policy.cancellationNoticeHours : policy.rescheduleNoticeHours;
  const until = action === "cancel" ? policy.cancelUntil : policy.rescheduleUntil;
  const name = booking.professional.name;
  if (hours === 0 || Date.now() >= Date.parse(booking.startsAt)) return fill(t.started, { name });
  const template = action === "cancel" ? t.cannotCancel : t.cannotReschedule;
  return fill(template, { hours, when: deadlineText(until, language, booking.timezone), name });
}

function showBooking(state, notice) {
  const { booking, token } = state;
  const language = booking.professional.language;
  const t = setLanguage(language);
  const zone = booking.timezone;
  const visitor = visitorZone();
  const professional = booking.professional;
  heading.textContent = fill(t.headingWith, { name: professional.name });
  clearBelowHeading();

  // What just happened, read first.
  const done = element("p", { className: "manage-done", attributes: { role: "status", tabindex: "-1" } });
  done.hidden = !notice;
  if (notice) done.textContent = notice;
  main.append(done);

  const facts = element("dl", { className: "manage-facts" });
  const when = element("dd");
  when.append(element("span", { className: "manage-when", text: whenText(booking.startsAt, language, zone) }));
  if (zonesDiffer(zone, visitor, booking.startsAt)) {
    when.append(
      element("br"),
      element("span", { className: "manage-local", text: fill(t.yourTime, { when: whenText(booking.startsAt, language, visitor) }) }),
    );
  }
  const pairs = [
    [t.when, when],
    [t.with, element("dd", { text: professional.profession ? `${professional.name}, ${professional.profession}` : professional.name })],
    [t.status, element("dd", { className: "manage-status-words", text: t.statuses[booking.status] || booking.status })],
    [t.payment, element("dd", { className: "manage-payment", text: paymentWords(t, booking, language) })],
  ];
  for (const [term, detail] of pairs) facts.append(element("dt", { text: term }), detail);
  main.append(facts);

  if (booking.status === "pending_payment" && booking.paymentStatus !== "paid") {
    main.append(element("p", { className: "manage-policy", text: t.payPending }));
  }

  const calendarUrl = `/api/guest/appointments/${encodeURIComponent(booking.id)}/calendar.ics?${new URLSearchParams({ token })}`;
  const calendar = element("p");
  calendar.append(element("a", { className: "manage-calendar", text: t.calendar, attributes: { href: calendarUrl, download: `appointment-${booking.id}.ics` } }));
  main.append(calendar);

  if (booking.status === "completed" && (booking.canReview || booking.review)) {
    main.append(reviewSection(state));
  }

  if (LIVE.has(booking.status)) {
    main.append(rescheduleSection(state, t, language), cancelSection(state, t, language));
  } else {
    const over = section("manage-over", t.statuses[booking.status] || booking.status);
    over.append(element("p", { text: t.over }));
    if (RELEASED.has(booking.status)) {
      const again = element("p");
      again.append(element("a", { className: "button-link", text: t.bookAgain, attributes: { href: `/p/${encodeURIComponent(professional.slug)}` } }));
      over.append(again);
    }
    main.append(over);
  }
  main.append(threadSection(state));
  if (notice) done.focus();
}

// --- the thread and the review, loaded when the booking is on the page --------------------------

function linkExpired(state) {
  showRecovery(state.booking.professional.language, "badLink");
}

// The part the address names (#messages, #review) gets the focus once, when it is ready.
let hashFocused = false;
function focusIfNamed(name, mounted) {
  if (location.hash === `#${name}` && !hashFocused) {
    hashFocused = true;
    mounted.focus();
  }
}

// The thread is mounted once and kept across the page's redraws (a cancel, a reschedule), so
// a message being written survives them.
function threadSection(state) {
  if (state.thread) return state.thread;
  const { booking } = state;
  const node = element("section", { attributes: { id: "messages" } });
  state.thread = node;
  import("/assets/js/message-thread.js").then(({ mountThread }) => {
    node.mounted = mountThread(node, {
      appointmentId: booking.id,
      token: state.token,
      language: booking.professional.language,
      timezone: booking.timezone,
      names: { professional: booking.professional.name },
      onLinkExpired: () => linkExpired(state),
    });
    focusIfNamed("messages", node.mounted);
  }, () => {
    // The module did not arrive (the network dropped): the booking above still works.
    node.remove();
    state.thread = null;
  });
  return node;
}

function reviewSection(state) {
  const { booking } = state;
  const node = element("section", { attributes: { id: "review" } });
  import("/assets/js/review-form.js").then(({ mountReviewForm }) => {
    node.mounted = mountReviewForm(node, {
      appointmentId: booking.id,
      token: state.token,
      language: booking.professional.language,
      timezone: booking.timezone,
      professionalName: booking.professional.name,
      review: booking.review,
      onDone(review) {
        state.booking = { ...state.booking, review, canReview: false };
      },
      onLinkExpired: () => linkExpired(state),
    });
    focusIfNamed("review", node.mounted);
  }, () => node.remove());
  return node;
}

// A link on the page itself to #messages or #review (or the address edited): the same focus.
window.addEventListener("hashchange", () => {
  const target = document.getElementById(location.hash.slice(1));
  if (target && target.mounted && (target.id === "messages" || target.id === "review")) target.mounted.focus();
});

function cancelSection(state, t, language) {
  const { booking } = state;
  const node = section("manage-cancel", t.cancelHeading);
  if (!booking.policy.canCancel) {
    node.append(element("p", { className: "manage-policy", text: refusalFor(t, booking, "cancel", language) }), contactLine(t, booking.professional));
    return node;
  }
  // The policy and the refund come before the button.
  const policy = element("div", { className: "manage-policy" });
  policy.append(
    element("p", { className: "manage-cancel-until", text: fill(t.cancelUntil, { when: deadlineText(booking.policy.cancelUntil, language, booking.timezone) }) }),
    element("p", { className: "manage-refund", text: refundWords(t, booking, language) }),
  );
  const start = element("button", { className: "button-secondary", text: t.cancelButton, attributes: { type: "button", "aria-expanded": "false", "aria-controls": "cancel-confirm" } });
  const form = element("form", { className: "manage-confirm", attributes: { id: "cancel-confirm", novalidate: "", "aria-labelledby": "cancel-confirm-text" } });
  form.hidden = true;
  const field = element("div", { className: "field" });
  field.append(
    element("label", { text: t.reason, attributes: { for: "cancel-reason" } }),
    element("p", { className: "field-hint", text: t.reasonHint, attributes: { id: "cancel-reason-hint" } }),
    element("textarea", { attributes: { id: "cancel-reason", name: "reason", maxlength: "500", rows: "3", "aria-describedby": "cancel-reason-hint" } }),
  );
  const error = element("p", { className: "booking-error", attributes: { role: "alert", tabindex: "-1" } });
  error.hidden = true;
  const actions = element("div", { className: "manage-actions" });
  const yes = element("button", { className: "button-primary", text: t.cancelYes, attributes: { type: "submit" } });
  const keep = element("button", { className: "button-secondary", text: t.keep, attributes: { type: "button" } });
  actions.append(yes, keep);
  form.append(element("p", { text: t.cancelConfirm, attributes: { id: "cancel-confirm-text" } }), field, error, actions);

  start.addEventListener("click", () => {
    form.hidden = false;
    start.hidden = true;
    start.setAttribute("aria-expanded", "true");
    form.querySelector("textarea").focus();
  });
  keep.addEventListener("click", () => {
    form.hidden = true;
    start.hidden = false;
    start.setAttribute("aria-expanded", "false");
    start.focus();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    yes.disabled = true;
    const reason = form.querySelector("textarea").value.trim();
    try {
      const answer = await api(`/api/guest/appointments/${encodeURIComponent(booking.id)}/cancel`, {
        method: "POST",
        body: reason ? { token: state.token, reason } : { token: state.token },
        language,
      });
      const refunded = booking.policy.refundOnCancel === "full" && answer.paymentStatus === "refunded";
      const amount = money(booking.policy.refundAmount, booking.policy.refundCurrency || booking.currency, language);
      state.booking = answer;
      showBooking(
        state,
        refunded && amount ? fill(t.cancelledRefund, { amount }) : fill(t.cancelled, { name: booking.professional.name }),
      );
    } catch (failure) {
      yes.disabled = false;
      if (failure.status === 401) return showRecovery(language, "badLink");
      if (failure.status === 403 || failure.status === 409) {
        // The notice passed or the status moved on meanwhile: show it as it now is.
        return reload(state, failure.message);
      }
      error.textContent = failureText(t, failure);
      error.hidden = false;
      error.focus();
    }
  });
  node.append(policy, start, form);
  return node;
}

function rescheduleSection(state, t, language) {
  const { booking } = state;
  const node = section("manage-reschedule", t.rescheduleHeading);
  if (!booking.policy.canReschedule) {
    node.append(element("p", { className: "manage-policy", text: refusalFor(t, booking, "reschedule", language) }), contactLine(t, booking.professional));
    return node;
  }
  node.append(element("p", { className: "manage-policy", text: fill(t.rescheduleUntil, { when: deadlineText(booking.policy.rescheduleUntil, language, booking.timezone) }) }));
  const start = element("button", { className: "button-secondary", text: t.rescheduleButton, attributes: { type: "button", "aria-expanded": "false", "aria-controls": "reschedule-picker" } });
  const host = element("div", { className: "manage-picker", attributes: { id: "reschedule-picker" } });
  host.hidden = true;
  const confirm = element("div", { className: "manage-confirm" });
  confirm.hidden = true;
  const chosen = element("p", { className: "booking-chosen", attributes: { id: "reschedule-chosen" } });
  const error = element("p", { className: "booking-error", attributes: { role: "alert", tabindex: "-1" } });
  error.hidden = true;
  const yes = element("button", { className: "button-primary", text: t.rescheduleYes, attributes: { type: "button", "aria-describedby": "reschedule-chosen" } });
  confirm.append(chosen, error, yes);
  let picker = null;
  let slot = null;

  start.addEventListener("click", () => {
    start.hidden = true;
    start.setAttribute("aria-expanded", "true");
    host.hidden = false;
    picker = mountSlotPicker(host, {
      slug: booking.professional.slug,
      language,
      timezone: booking.timezone,
      onChoose(chosenSlot) {
        slot = chosenSlot;
        error.hidden = true;
        chosen.textContent = fill(t.chosen, { when: whenText(chosenSlot.startsAt, language, booking.timezone) });
        confirm.hidden = false;
        yes.focus();
      },
    });
    const first = host.querySelector("h3");
    if (first) {
      first.setAttribute("tabindex", "-1");
      first.focus();
    }
  });
  yes.addEventListener("click", async () => {
    if (!slot) return;
    error.hidden = true;
    yes.disabled = true;
    try {
      const answer = await api(`/api/guest/appointments/${encodeURIComponent(booking.id)}/reschedule`, {
        method: "POST",
        body: { token: state.token, startsAt: slot.startsAt },
        language,
      });
      state.booking = answer;
      showBooking(state, fill(t.rescheduled, { when: whenText(answer.startsAt, language, answer.timezone) }));
    } catch (failure) {
      yes.disabled = false;
      if (failure.status === 401) return showRecovery(language, "badLink");
      if (failure.status === 409 && (failure.code === "SLOT_TAKEN" || failure.code === "SLOT_UNAVAILABLE")) {
        slot = null;
        confirm.hidden = true;
        picker.refresh(failure.code === "SLOT_TAKEN" ? t.slotTaken : t.slotUnavailable);
        return;
      }
      if (failure.status === 403 || failure.status === 409) return reload(state, failure.message);
      error.textContent = failure.status === 400 ? t.slotUnavailable : failureText(t, failure);
      error.hidden = false;
      error.focus();
    }
  });
  node.append(start, host, confirm);
  return node;
}

// --- loading -----------------------------------------------------------------------------------

async function reload(state, notice) {
  try {
    state.booking = await api(`/api/guest/appointments/${encodeURIComponent(state.id)}`, {
      query: { token: state.token },
      language: state.booking ? state.booking.professional.language : navigator.language,
    });
    showBooking(state, notice);
  } catch (error) {
    const language = state.booking ? state.booking.professional.language : navigator.language;
    if (error.status === 401 || error.status === 400) return showRecovery(language, "badLink");
    if (error.status === 404) return showRecovery(language, "notFound");
    const t = setLanguage(language);
    clearBelowHeading();
    const problem = element("p", { className: "booking-error", text: `${t.loadFailed} ${failureText(t, error)}`, attributes: { role: "alert" } });
    const retry = element("button", { className: "button-secondary", text: t.retry, attributes: { type: "button" } });
    retry.addEventListener("click", () => reload(state, notice));
    main.append(problem, retry);
  }
}

const { id, token } = place();
if (!id || !token) {
  showRecovery(navigator.language, "noLink");
} else {
  reload({ id, token, booking: null }, null);
}
