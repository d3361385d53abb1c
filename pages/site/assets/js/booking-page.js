// The booking widget: the free times (slot-picker.js), then the form for the time chosen, then
// what happened. It runs in the professional's page (/p/{slug}: #booking-widget carries the
// professional's data-* attributes) and, through embed-frame.js, in the embed page.
//
// What the API may answer and what the visitor sees:
//   201 confirmed / pending_confirmation  the success screen, with the calendar file
//   201 pending_payment                   on to the Checkout (in an iframe: a link to open it
//                                         at the top, since a Checkout page cannot be framed)
//   400 with fields                       each message at its field, focus on the first one
//   409                                   back to the times, refreshed, saying why
//   429                                   when to try again
//   503 or no network                     try again; what was typed stays
// Every text goes in with textContent: a name typed as "<script>" shows as those characters.

import { api } from "/assets/js/api.js";
import { calendarLink } from "/assets/js/calendar-file.js";
import { element } from "/assets/js/dom.js";
import { fill, formatDateTime, formatMoney, formatTime, textsFor, visitorZone, zoneLabel, zonesDiffer } from "/assets/js/i18n.js";
import { mountSlotPicker } from "/assets/js/slot-picker.js";

const TEXTS = {
  "pt-BR": {
    formHeading: "Seus dados",
    chosen: "{when} ({zone})",
    yourTime: "No seu horário: {when}.",
    facts: "{duration} min",
    factsPrice: "{duration} min · {price}",
    name: "Nome",
    phone: "Telefone (WhatsApp)",
    phoneHint: "Com DDD, por exemplo (11) 98765-4321.",
    email: "E-mail (opcional)",
    website: "Deixe este campo em branco",
    submit: "Agendar",
    sending: "Enviando…",
    change: "Escolher outro horário",
    needName: "Escreva seu nome (pelo menos 2 letras).",
    needPhone: "Escreva seu telefone com DDD.",
    fieldsFailed: "Confira os campos marcados.",
    taken: "Esse horário acabou de ser reservado por outra pessoa. Escolha outro horário.",
    unavailable: "Esse horário não está mais disponível. Escolha outro horário.",
    tooMany: "Muitas tentativas seguidas. Tente de novo em {minutes} min, às {time}.",
    unreachable: "Não conseguimos enviar agora. Seus dados continuam aqui: tente de novo em instantes.",
    planLimit: "Este profissional não está aceitando novos agendamentos agora.",
    notFound: "Esta agenda não existe ou não está aberta.",
    failed: "Algo deu errado. Tente de novo.",
    pendingHeading: "Pedido de agendamento enviado",
    confirmedHeading: "Agendamento confirmado",
    thanks: "Obrigado, {name}.",
    pendingNext: "{professional} vai confirmar o horário. Você recebe uma mensagem no WhatsApp assim que isso acontecer, com o link para gerenciar o agendamento.",
    confirmedNext: "Enviamos a confirmação para o seu WhatsApp, com o link para gerenciar o agendamento.",
    calendar: "Baixar para o calendário (.ics)",
    calendarFile: "agendamento.ics",
    summary: "Sessão com {professional}",
    paymentHeading: "Falta o pagamento",
    paymentHeld: "O horário fica reservado para você até {time}. Pague para concluir o agendamento.",
    paymentGo: "Indo para a página de pagamento…",
    paymentLink: "Ir para o pagamento",
  },
  en: {
    formHeading: "Your details",
    chosen: "{when} ({zone})",
    yourTime: "Your time: {when}.",
    facts: "{duration} min",
    factsPrice: "{duration} min · {price}",
    name: "Name",
    phone: "Phone (WhatsApp)",
    phoneHint: "With the country or area code, e.g. +1 212 555 0101.",
    email: "Email (optional)",
    website: "Leave this field empty",
    submit: "Book",
    sending: "Sending…",
    change: "Choose another time",
    needName: "Write your name (at least 2 letters).",
    needPhone: "Write your phone number with its area code.",
    fieldsFailed: "Check the fields marked.",
    taken: "Someone else has just booked that time. Please choose another time.",
    unavailable: "That time is no longer available. Please choose another time.",
    tooMany: "Too many attempts in a row. Try again in {minutes} min, at {time}.",
    unreachable: "We could not send it just now. Your details are still here: try again in a moment.",
    planLimit: "This professional is not taking new bookings right now.",
    notFound: "This calendar does not exist or is not open.",
    failed: "Something went wrong. Please try again.",
    pendingHeading: "Booking request sent",
    confirmedHeading: "Booking confirmed",
    thanks: "Thank you, {name}.",
    pendingNext: "{professional} will confirm the time. You will get a WhatsApp message when they do, with the link to manage your booking.",
    confirmedNext: "We sent the confirmation to your WhatsApp, with the link to manage your booking.",
    calendar: "Download for your calendar (.ics)",
    calendarFile: "booking.ics",
    summary: "Session with {professional}",
    paymentHeading: "Payment due",
    paymentHeld: "The time is held for you until {time}. Pay to complete the booking.",
    paymentGo: "Taking you to the payment page…",
    paymentLink: "Go to payment",
  },
};

// The API's field names and the form's.
const FIELDS = ["clientName", "clientPhone", "clientEmail"];
// The build rewrites this to the stylesheet's hashed name, as it does the imports above.
const STYLESHEET = "/assets/booking.css";
let mounted = 0;

// A page that does not link the widget's stylesheet in its head gets it here (a page that does
// shows the widget styled from its first paint).
function ensureStylesheet() {
  const linked = [...document.querySelectorAll('link[rel="stylesheet"]')].some(
    (link) => new URL(link.href, window.location.href).pathname === STYLESHEET,
  );
  if (linked) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = STYLESHEET;
  document.head.append(link);
}

function field(id, { name, label, type = "text", autocomplete, inputmode, hint, required }) {
  const wrapper = element("div", { className: "field" });
  const labelNode = element("label", { text: label, attributes: { for: `${id}-${name}` } });
  const input = element("input", {
    attributes: { id: `${id}-${name}`, name, type, autocomplete },
  });
  if (inputmode) input.setAttribute("inputmode", inputmode);
  if (required) input.setAttribute("aria-required", "true");
  const described = [];
  wrapper.append(labelNode);
  if (hint) {
    const hintNode = element("p", { className: "field-hint", text: hint, attributes: { id: `${id}-${name}-hint` } });
    wrapper.append(hintNode);
    described.push(hintNode.id);
  }
  const error = element("p", { className: "field-error", attributes: { id: `${id}-${name}-error` } });
  error.hidden = true;
  wrapper.append(input, error);
  if (described.length) input.setAttribute("aria-describedby", described.join(" "));
  return { wrapper, input, error, hints: described };
}

export function mountBookingWidget(root, config) {
  const { slug, name: professional, timezone, currency, price, duration, embedded = false } = config;
  const language = config.language || "pt-BR";
  const t = textsFor(language, TEXTS);
  const id = `booking-${++mounted}`;
  const visitor = visitorZone();
  let chosen = null;
  let sending = false;
  ensureStylesheet();

  const container = element("div", { className: "booking" });
  const pickerHost = element("div", { className: "booking-picker" });

  const form = element("form", { className: "booking-form", attributes: { novalidate: "", "aria-labelledby": `${id}-form-heading` } });
  form.hidden = true;
  const formHeading = element("h3", { text: t.formHeading, attributes: { id: `${id}-form-heading`, tabindex: "-1" } });
  const chosenText = element("p", { className: "booking-chosen" });
  const chosenLocal = element("p", { className: "booking-chosen-local" });
  const factsText = element("p", { className: "booking-facts" });
  const formError = element("p", { className: "booking-error", attributes: { role: "alert", tabindex: "-1" } });
  formError.hidden = true;
  const fields = {
    clientName: field(id, { name: "clientName", label: t.name, autocomplete: "name", required: true }),
    clientPhone: field(id, {
      name: "clientPhone",
      label: t.phone,
      type: "tel",
      autocomplete: "tel",
      inputmode: "tel",
      hint: t.phoneHint,
      required: true,
    }),
    clientEmail: field(id, { name: "clientEmail", label: t.email, type: "email", autocomplete: "email", inputmode: "email" }),
  };
  // The honeypot: no person sees it, no screen reader reads it, no Tab reaches it; a bot that
  // fills every field fills it, and the API then stores nothing.
  const trap = element("div", { className: "booking-trap", attributes: { "aria-hidden": "true" } });
  const trapInput = element("input", {
    attributes: { id: `${id}-website`, name: "website", type: "text", tabindex: "-1", autocomplete: "off" },
  });
  trap.append(element("label", { text: t.website, attributes: { for: trapInput.id } }), trapInput);
  const actions = element("div", { className: "booking-actions" });
  const submit = element("button", { className: "button-primary", text: t.submit, attributes: { type: "submit" } });
  const change = element("button", { className: "button-secondary", text: t.change, attributes: { type: "button" } });
  actions.append(submit, change);
  const sendingStatus = element("p", { className: "booking-sending", attributes: { role: "status" } });
  form.append(
    formHeading,
    chosenText,
    chosenLocal,
    factsText,
    formError,
    fields.clientName.wrapper,
    fields.clientPhone.wrapper,
    fields.clientEmail.wrapper,
    trap,
    actions,
    sendingStatus,
  );

  const done = element("div", { className: "booking-done" });
  done.hidden = true;
  container.append(pickerHost, form, done);
  root.replaceChildren(container);

  const picker = mountSlotPicker(pickerHost, { slug, language, timezone, onChoose: choose });

  const priceText = price !== undefined && price !== null && price !== "" && currency ? formatMoney(price, currency, language) : null;
  factsText.textContent = priceText ? fill(t.factsPrice, { duration, price: priceText }) : fill(t.facts, { duration });
  factsText.hidden = !duration;

  function when(slot) {
    return fill(t.chosen, { when: formatDateTime(slot.startsAt, language, timezone), zone: zoneLabel(timezone, language, slot.startsAt) });
  }

  function localWhen(slot) {
    if (!zonesDiffer(timezone, visitor, slot.startsAt)) return "";
    return fill(t.yourTime, { when: formatDateTime(slot.startsAt, language, visitor) });
  }

  function choose(slot) {
    chosen = slot;
    chosenText.textContent = when(slot);
    chosenLocal.textContent = localWhen(slot);
    chosenLocal.hidden = !chosenLocal.textContent;
    showFormError("");
    form.hidden = false;
    formHeading.focus();
  }

  change.addEventListener("click", () => {
    form.hidden = true;
    chosen = null;
    const back = picker.element.querySelector('.slot-time[aria-pressed="true"]') || picker.element.querySelector(".slot-time, .slot-day");
    if (back) back.focus();
  });

  function showFormError(message, { focus = false } = {}) {
    formError.textContent = message;
    formError.hidden = !message;
    if (message && focus) formError.focus();
  }

  function setFieldError(name, message) {
    const { input, error, hints } = fields[name];
    error.textContent = message || "";
    error.hidden = !message;
    if (message) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", [...hints, error.id].join(" "));
    } else {
      input.removeAttribute("aria-invalid");
      if (hints.length) input.setAttribute("aria-describedby", hints.join(" "));
      else input.removeAttribute("aria-describedby");
    }
  }

  function showFieldErrors(errors) {
    let first = null;
    for (const name of FIELDS) {
      setFieldError(name, errors[name]);
      if (errors[name] && !first) first = fields[name].input;
    }
    if (first) first.focus();
    return first !== null;
  }

  function values() {
    return {
      clientName: fields.clientName.input.value.trim(),
      clientPhone: fields.clientPhone.input.value.trim(),
      clientEmail: fields.clientEmail.input.value.trim(),
      website: trapInput.value,
    };
  }

  // Only what needs no server to know: an empty name or phone is not worth a request, which
  // the rate limit would count.
  function missing(entered) {
    const errors = {};
    if (entered.clientName.replace(/\s+/g, " ").length < 2) errors.clientName = t.needName;
    if (!entered.clientPhone) errors.clientPhone = t.needPhone;
    return errors;
  }

  function retryText(seconds) {
    const wait = seconds === null || seconds === undefined ? 60 : seconds;
    return fill(t.tooMany, {
      minutes: Math.max(1, Math.ceil(wait / 60)),
      time: formatTime(Date.now() + wait * 1000, language, visitor),
    });
  }

  function setSending(busy) {
    sending = busy;
    submit.disabled = busy;
    form.setAttribute("aria-busy", busy ? "true" : "false");
    sendingStatus.textContent = busy ? t.sending : "";
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (sending || !chosen) return;
    const entered = values();
    showFormError("");
    const local = missing(entered);
    if (Object.keys(local).length > 0) {
      showFieldErrors(local);
      return;
    }
    showFieldErrors({});
    const body = { slug, startsAt: chosen.startsAt, clientName: entered.clientName, clientPhone: entered.clientPhone };
    if (entered.clientEmail) body.clientEmail = entered.clientEmail;
    if (entered.website) body.website = entered.website;
    const slot = chosen;
    setSending(true);
    let answer;
    try {
      answer = await api("/api/booking", { method: "POST", body, language });
    } catch (error) {
      setSending(false);
      failed(error);
      return;
    }
    setSending(false);
    if (answer.status === "pending_payment" && answer.checkoutUrl) {
      toPayment(answer);
    } else {
      succeeded(answer.status, slot, entered.clientName);
    }
  });

  function failed(error) {
    const status = error.status;
    if (status === 400 && Object.keys(error.fields).some((name) => FIELDS.includes(name))) {
      showFieldErrors(error.fields);
      showFormError(t.fieldsFailed);
    } else if (status === 409) {
      form.hidden = true;
      chosen = null;
      picker.refresh(error.code === "SLOT_TAKEN" ? t.taken : t.unavailable);
    } else if (status === 429) {
      showFormError(retryText(error.retryAfter), { focus: true });
    } else if (status === 0 || status === 503) {
      showFormError(t.unreachable, { focus: true });
    } else if (status === 403) {
      showFormError(error.code === "PLAN_LIMIT_REACHED" ? t.planLimit : error.message || t.failed, { focus: true });
    } else if (status === 404) {
      showFormError(t.notFound, { focus: true });
    } else {
      showFormError(error.message || t.failed, { focus: true });
    }
  }

  function finish(heading, ...content) {
    const title = element("h3", { text: heading, attributes: { tabindex: "-1" } });
    done.replaceChildren(title, ...content);
    pickerHost.hidden = true;
    form.hidden = true;
    done.hidden = false;
    title.focus();
  }

  function succeeded(status, slot, clientName) {
    const confirmed = status === "confirmed";
    const whenText = element("p", { className: "booking-when", text: when(slot) });
    const local = localWhen(slot);
    const link = calendarLink(
      {
        slug,
        startsAt: slot.startsAt,
        endsAt: slot.endsAt,
        summary: fill(t.summary, { professional }),
        language,
      },
      { label: t.calendar, filename: t.calendarFile },
    );
    finish(
      confirmed ? t.confirmedHeading : t.pendingHeading,
      element("p", { className: "booking-thanks", text: fill(t.thanks, { name: clientName }) }),
      whenText,
      ...(local ? [element("p", { text: local })] : []),
      element("p", { text: confirmed ? t.confirmedNext : fill(t.pendingNext, { professional }) }),
      element("p", { className: "booking-calendar" }),
    );
    done.querySelector(".booking-calendar").append(link);
  }

  function toPayment(answer) {
    const link = element("a", { className: "button-link", text: t.paymentLink, attributes: { href: answer.checkoutUrl } });
    const held = answer.paymentExpiresAt
      ? fill(t.paymentHeld, { time: formatTime(answer.paymentExpiresAt, language, visitor) })
      : "";
    if (embedded) {
      // Checkout refuses to be framed: it opens in the whole window, by the visitor's click.
      link.target = "_top";
      finish(t.paymentHeading, ...(held ? [element("p", { text: held })] : []), element("p", {}));
      done.lastChild.append(link);
      return;
    }
    finish(t.paymentHeading, element("p", { text: t.paymentGo }), element("p", {}));
    done.lastChild.append(link);
    window.location.assign(answer.checkoutUrl);
  }

  return { picker, element: container };
}

// The professional's page: #booking-widget carries what the widget needs, written from the
// profile when the page is generated.
export function mountFromPage(root = document.getElementById("booking-widget")) {
  if (!root || !root.dataset.slug) return null;
  const data = root.dataset;
  return mountBookingWidget(root, {
    slug: data.slug,
    language: data.language,
    timezone: data.timezone || "America/Sao_Paulo",
    currency: data.currency,
    price: data.price,
    duration: data.duration ? Number(data.duration) : null,
    name: data.name,
  });
}

mountFromPage();
