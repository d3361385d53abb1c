// /my-bookings: the registered client's bookings across professionals (GET /api/client-profile):
// upcoming and past (older pages by pastCursor), each in the professional's zone, with what the
// client may still do; the professionals followed; bookings with other professionals that can
// be added with a code sent to the client's phone or email; sign out. In the profile's language
// (the browser's until it is known).

import { api, ApiError } from "/assets/js/api.js";
import { accessToken, signIn, signOut } from "/assets/js/auth.js";
import { el, button, resetPage, statusLine } from "/assets/js/account-ui.js";
import { mountSlotPicker } from "/assets/js/slot-picker.js";
import {
  fill,
  formatDateTime,
  formatMoney,
  languageOf,
  textsFor,
  visitorZone,
  zoneLabel,
  zonesDiffer,
} from "/assets/js/i18n.js";

const TEXTS = {
  "pt-BR": {
    title: "Minhas reservas · Agenda",
    heading: "Minhas reservas",
    loading: "Carregando…",
    signedOut: "Entre para ver os seus horários com todos os profissionais.",
    signIn: "Entrar",
    signOut: "Sair",
    signedOutDone: "Você saiu da sua conta.",
    hello: "Olá, {name}.",
    noProfile: "Ainda não há reservas nesta conta. Abra o link “crie a sua conta” da mensagem de confirmação de uma reserva para trazê-las para cá.",
    upcoming: "Próximos",
    noUpcoming: "Nenhum horário marcado.",
    past: "Anteriores",
    noPast: "Nenhum horário anterior.",
    more: "Mostrar mais antigos",
    follows: "Profissionais que você segue",
    noFollows: "Você ainda não segue ninguém.",
    claimable: "Reservas com outros profissionais",
    claimableIntro: "Encontramos reservas com o seu telefone ou e-mail. Para trazê-las para a conta, peça um código e digite-o aqui.",
    sendCode: "Enviar código por {channel} para {to}",
    whatsapp: "WhatsApp",
    email: "e-mail",
    codeSent: "Enviamos um código para {to}. Ele vale 10 minutos.",
    codeLabel: "Código de 6 dígitos",
    confirmCode: "Confirmar",
    wrongCode: "Código errado ou vencido. Confira a mensagem ou peça um novo código.",
    codeFormat: "Digite os 6 dígitos do código.",
    added: "Reservas com {name} adicionadas à sua conta.",
    with: "com",
    price: "Valor: {amount}",
    yourTime: "No seu horário: {time}",
    cancel: "Cancelar este horário",
    cancelUntil: "Você pode cancelar até {when}.",
    cancelConfirm: "Cancelar o horário de {when}? Esta ação não pode ser desfeita.",
    cancelYes: "Sim, cancelar",
    cancelNo: "Não, manter",
    cancelled: "Horário cancelado.",
    tooLate: "O prazo para cancelar passou. Fale diretamente com o profissional.",
    rescheduleUntil: "Você pode remarcar até {when}.",
    reschedule: "Escolher outro horário",
    chosen: "Novo horário: {when}",
    rescheduleYes: "Remarcar para este horário",
    rescheduled: "Horário remarcado para {when}.",
    slotTaken: "Esse horário acabou de ser reservado. Escolha outro.",
    slotUnavailable: "Esse horário não está mais disponível. Escolha outro.",
    limited: "Muitas tentativas. Tente de novo em {seconds} segundos.",
    network: "Sem conexão. Verifique a sua internet e tente de novo.",
    failed: "Algo deu errado do nosso lado. Tente de novo em instantes.",
    retry: "Tentar de novo",
    status: {
      pending_payment: "Aguardando pagamento",
      pending_confirmation: "Aguardando confirmação",
      confirmed: "Confirmado",
      cancelled: "Cancelado",
      rejected: "Recusado",
      completed: "Realizado",
      no_show: "Não compareceu",
    },
  },
  en: {
    title: "My bookings · Agenda",
    heading: "My bookings",
    loading: "Loading…",
    signedOut: "Sign in to see your appointments with every professional.",
    signIn: "Sign in",
    signOut: "Sign out",
    signedOutDone: "You signed out.",
    hello: "Hello, {name}.",
    noProfile: "This account holds no bookings yet. Open the “create your account” link in a booking's confirmation message to bring them here.",
    upcoming: "Upcoming",
    noUpcoming: "Nothing booked.",
    past: "Past",
    noPast: "No past appointments.",
    more: "Show older ones",
    follows: "Professionals you follow",
    noFollows: "You do not follow anyone yet.",
    claimable: "Bookings with other professionals",
    claimableIntro: "We found bookings with your phone or email. To add them to your account, ask for a code and enter it here.",
    sendCode: "Send a code by {channel} to {to}",
    whatsapp: "WhatsApp",
    email: "email",
    codeSent: "We sent a code to {to}. It is valid for 10 minutes.",
    codeLabel: "6-digit code",
    confirmCode: "Confirm",
    wrongCode: "Wrong or expired code. Check the message or ask for a new code.",
    codeFormat: "Enter the code's 6 digits.",
    added: "Bookings with {name} added to your account.",
    with: "with",
    price: "Price: {amount}",
    yourTime: "Your time: {time}",
    cancel: "Cancel this appointment",
    cancelUntil: "You can cancel until {when}.",
    cancelConfirm: "Cancel the appointment on {when}? This cannot be undone.",
    cancelYes: "Yes, cancel",
    cancelNo: "No, keep it",
    cancelled: "Appointment cancelled.",
    tooLate: "The time to cancel has passed. Please contact the professional directly.",
    rescheduleUntil: "You can reschedule until {when}.",
    reschedule: "Choose another time",
    chosen: "New time: {when}",
    rescheduleYes: "Move to this time",
    rescheduled: "Appointment moved to {when}.",
    slotTaken: "That time was just taken. Please choose another.",
    slotUnavailable: "That time is no longer available. Please choose another.",
    limited: "Too many tries. Try again in {seconds} seconds.",
    network: "No connection. Check your internet and try again.",
    failed: "Something went wrong on our side. Please try again in a moment.",
    retry: "Try again",
    status: {
      pending_payment: "Awaiting payment",
      pending_confirmation: "Awaiting confirmation",
      confirmed: "Confirmed",
      cancelled: "Cancelled",
      rejected: "Declined",
      completed: "Completed",
      no_show: "No-show",
    },
  },
};

const main = document.getElementById("my-bookings");
let language = languageOf(navigator.language);
let texts = textsFor(language, TEXTS);
let past = [];
let pastCursor = null;
let notice = null;

function page() {
  return resetPage(main, { language, title: texts.title, heading: texts.heading });
}

function problemText(error) {
  if (error instanceof ApiError && error.status === 429) return fill(texts.limited, { seconds: error.retryAfter ?? 60 });
  if (error instanceof ApiError && error.status === 0) return texts.network;
  return texts.failed;
}

function showProblem(error) {
  const heading = page();
  main.append(statusLine(problemText(error), { alert: true }), el("p", {}, button(texts.retry, load)));
  heading.focus();
}

function signedOutPage(message) {
  const heading = page();
  if (message) main.append(statusLine(message));
  main.append(
    el("p", {}, texts.signedOut),
    el("p", {}, button(texts.signIn, () => signIn({ returnTo: "/my-bookings" }), {
      className: "account-button account-primary",
    })),
  );
  if (message) heading.focus();
}

function signOutButton() {
  return button(texts.signOut, () => {
    signOut();
    signedOutPage(texts.signedOutDone);
  });
}

// The token, or the signed-out page when there is none.
async function token() {
  const found = await accessToken();
  if (!found) signedOutPage();
  return found;
}

function when(item) {
  return `${formatDateTime(item.startsAt, language, item.timezone)} (${zoneLabel(item.timezone, language, item.startsAt)})`;
}

function booking(item, { upcoming }) {
  const professional = item.professional || {};
  const details = [
    el("h3", { className: "account-when" }, when(item)),
    el(
      "p",
      {},
      `${texts.with} `,
      el("a", { href: `/p/${encodeURIComponent(professional.slug)}` }, professional.name),
      professional.profession ? ` · ${professional.profession}` : "",
    ),
    el("p", { className: `account-state account-state-${item.status}` }, texts.status[item.status] || item.status),
  ];
  if (zonesDiffer(item.timezone, visitorZone(), item.startsAt)) {
    details.push(
      el("p", { className: "account-hint" }, fill(texts.yourTime, { time: formatDateTime(item.startsAt, language, visitorZone()) })),
    );
  }
  if (item.price !== null && item.price !== undefined && item.currency) {
    details.push(el("p", {}, fill(texts.price, { amount: formatMoney(item.price, item.currency, language) })));
  }
  const article = el("li", { className: "account-booking" }, el("article", { "aria-label": when(item) }, details));
  if (upcoming) article.firstChild.append(...actions(item));
  return article;
}

function actions(item) {
  const found = [];
  const cancel = item.actions && item.actions.cancel;
  const reschedule = item.actions && item.actions.reschedule;
  if (reschedule && reschedule.allowed) found.push(rescheduler(item, reschedule));
  if (cancel && cancel.allowed) {
    const holder = el("div", { className: "account-actions" });
    if (cancel.until) {
      holder.append(el("p", { className: "account-hint" }, fill(texts.cancelUntil, { when: formatDateTime(cancel.until, language, item.timezone) })));
    }
    const start = button(texts.cancel, () => confirmCancel(item, holder, start));
    holder.append(start);
    found.push(holder);
  } else if (cancel && !cancel.allowed && cancel.until) {
    found.push(el("p", { className: "account-hint" }, texts.tooLate));
  }
  return found;
}

// A new time from the same picker as the booking page, then PATCH {action: "reschedule"}.
function rescheduler(item, reschedule) {
  const holder = el("div", { className: "account-actions" });
  if (reschedule.until) {
    holder.append(el("p", { className: "account-hint" }, fill(texts.rescheduleUntil, { when: formatDateTime(reschedule.until, language, item.timezone) })));
  }
  const pickerId = `reschedule-${item.id}`;
  const host = el("div", { id: pickerId, className: "account-picker" });
  host.hidden = true;
  const chosen = el("p", { id: `${pickerId}-chosen`, className: "account-state" });
  const error = el("p", { className: "account-field-error", role: "alert" });
  const yes = button(texts.rescheduleYes, () => move(), { className: "account-button account-primary" });
  yes.setAttribute("aria-describedby", chosen.id);
  const confirm = el("div", { className: "account-confirm" }, chosen, error, yes);
  confirm.hidden = true;
  const start = button(texts.reschedule, () => {
    start.hidden = true;
    host.hidden = false;
    picker = mountSlotPicker(host, {
      slug: item.professional.slug,
      language,
      timezone: item.timezone,
      headingLevel: 4,
      onChoose(chosenSlot) {
        slot = chosenSlot;
        error.textContent = "";
        chosen.textContent = fill(texts.chosen, { when: formatDateTime(chosenSlot.startsAt, language, item.timezone) });
        confirm.hidden = false;
        yes.focus();
      },
    });
    const first = host.querySelector("h4");
    if (first) {
      first.setAttribute("tabindex", "-1");
      first.focus();
    }
  });
  start.setAttribute("aria-controls", pickerId);
  let picker = null;
  let slot = null;

  async function move() {
    if (!slot) return;
    yes.disabled = true;
    const bearer = await token();
    if (!bearer) return;
    try {
      const answer = await api(`/api/appointments/${encodeURIComponent(item.id)}`, {
        method: "PATCH",
        body: { action: "reschedule", startsAt: slot.startsAt },
        token: bearer,
        language,
      });
      notice = fill(texts.rescheduled, { when: formatDateTime(answer.startsAt || slot.startsAt, language, item.timezone) });
      await load();
    } catch (failure) {
      yes.disabled = false;
      if (failure instanceof ApiError && failure.status === 409 && (failure.code === "SLOT_TAKEN" || failure.code === "SLOT_UNAVAILABLE")) {
        slot = null;
        confirm.hidden = true;
        picker.refresh(failure.code === "SLOT_TAKEN" ? texts.slotTaken : texts.slotUnavailable);
        return;
      }
      error.textContent = failure instanceof ApiError && failure.status === 403 ? texts.tooLate : problemText(failure);
    }
  }

  holder.append(start, host, confirm);
  return holder;
}

function confirmCancel(item, holder, start) {
  start.hidden = true;
  const question = el("p", { className: "account-question", tabindex: "-1" }, fill(texts.cancelConfirm, { when: when(item) }));
  const keep = button(texts.cancelNo, () => {
    box.remove();
    start.hidden = false;
    start.focus();
  });
  const yes = button(texts.cancelYes, () => cancelNow(item, box, yes), { className: "account-button account-danger" });
  const box = el("div", { className: "account-confirm" }, question, el("div", { className: "account-row" }, yes, keep));
  holder.append(box);
  question.focus();
}

async function cancelNow(item, box, yes) {
  yes.disabled = true;
  const bearer = await token();
  if (!bearer) return;
  try {
    await api(`/api/appointments/${encodeURIComponent(item.id)}`, {
      method: "PATCH",
      body: { action: "cancel" },
      token: bearer,
      language,
    });
    notice = texts.cancelled;
    await load();
  } catch (error) {
    yes.disabled = false;
    const message = error instanceof ApiError && error.status === 403 ? texts.tooLate : problemText(error);
    box.append(statusLine(message, { alert: true }));
  }
}

function listSection(id, title, items, empty, render) {
  const list = el("ul", { className: "account-list", id: `${id}-list` }, items.map(render));
  return el(
    "section",
    { className: "account-section", "aria-labelledby": `${id}-heading` },
    el("h2", { id: `${id}-heading` }, title),
    items.length ? list : el("p", {}, empty),
  );
}

function pastSection() {
  const section = listSection("past", texts.past, past, texts.noPast, (item) => booking(item, { upcoming: false }));
  if (pastCursor) {
    const more = button(texts.more, () => loadMore(more));
    section.append(el("p", {}, more));
  }
  return section;
}

async function loadMore(more) {
  more.disabled = true;
  const bearer = await token();
  if (!bearer) return;
  try {
    const profile = await api("/api/client-profile", { token: bearer, language, query: { cursor: pastCursor } });
    const list = document.getElementById("past-list");
    const added = profile.past.map((item) => booking(item, { upcoming: false }));
    past.push(...profile.past);
    list.append(...added);
    pastCursor = profile.pastCursor;
    if (pastCursor) {
      more.disabled = false;
    } else {
      more.parentElement.remove();
    }
    // The first new booking takes the focus, so the keyboard goes on where the list grew.
    if (added.length) {
      const heading = added[0].querySelector("h3");
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  } catch (error) {
    more.disabled = false;
    more.parentElement.append(statusLine(problemText(error), { alert: true }));
  }
}

function followsSection(follows) {
  return listSection("follows", texts.follows, follows, texts.noFollows, (item) =>
    el("li", {}, el("a", { href: `/p/${encodeURIComponent(item.slug)}` }, item.name), item.profession ? ` · ${item.profession}` : ""),
  );
}

function claimableSection(claimable) {
  const section = el(
    "section",
    { className: "account-section", "aria-labelledby": "claimable-heading" },
    el("h2", { id: "claimable-heading" }, texts.claimable),
    el("p", {}, texts.claimableIntro),
  );
  const list = el("ul", { className: "account-list" });
  for (const offer of claimable) {
    const item = el("li", { className: "account-booking" }, el("h3", {}, offer.professional.name));
    const buttons = el("div", { className: "account-row" });
    for (const channel of offer.channels) {
      buttons.append(
        button(fill(texts.sendCode, { channel: texts[channel.channel] || channel.channel, to: channel.to }), () =>
          sendCode(offer, channel, item),
        ),
      );
    }
    item.append(buttons);
    list.append(item);
  }
  section.append(list);
  return section;
}

async function sendCode(offer, channel, item) {
  const bearer = await token();
  if (!bearer) return;
  item.querySelector(".account-code")?.remove();
  const box = el("div", { className: "account-code" });
  item.append(box);
  try {
    const sent = await api("/api/client-profile/claim/codes", {
      method: "POST",
      body: { clientId: offer.clientId, channel: channel.channel },
      token: bearer,
      language,
    });
    codeForm(offer, box, sent.sentTo);
  } catch (error) {
    box.append(statusLine(problemText(error), { alert: true }));
  }
}

function codeForm(offer, box, sentTo) {
  const id = `code-${offer.clientId}`;
  const errorId = `${id}-error`;
  const input = el("input", {
    id,
    name: "code",
    type: "text",
    inputmode: "numeric",
    autocomplete: "one-time-code",
    pattern: "[0-9]{6}",
    maxlength: "6",
    required: true,
    "aria-describedby": errorId,
  });
  const error = el("p", { id: errorId, className: "account-field-error" });
  const form = el(
    "form",
    { className: "account-code-form", novalidate: true },
    el("label", { for: id }, texts.codeLabel),
    input,
    error,
    el("button", { type: "submit", className: "account-button account-primary" }, texts.confirmCode),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = input.value.replace(/\s+/g, "");
    if (!/^\d{6}$/.test(code)) {
      input.setAttribute("aria-invalid", "true");
      error.textContent = texts.codeFormat;
      input.focus();
      return;
    }
    const bearer = await token();
    if (!bearer) return;
    try {
      const claimed = await api("/api/client-profile/claim", {
        method: "POST",
        body: { clientId: offer.clientId, code },
        token: bearer,
        language,
      });
      notice = fill(texts.added, { name: claimed.professionalName });
      await load();
    } catch (failure) {
      input.setAttribute("aria-invalid", "true");
      error.textContent = failure instanceof ApiError && failure.status === 403 ? texts.wrongCode : problemText(failure);
      input.focus();
    }
  });
  box.append(statusLine(fill(texts.codeSent, { to: sentTo })), form);
  input.focus();
}

function render(profile) {
  language = languageOf(profile.language);
  texts = textsFor(language, TEXTS);
  past = [...profile.past];
  pastCursor = profile.pastCursor;
  const heading = page();
  if (notice) {
    main.append(statusLine(notice));
    notice = null;
  }
  main.append(
    el("div", { className: "account-who" }, el("p", {}, fill(texts.hello, { name: profile.name })), signOutButton()),
    listSection("upcoming", texts.upcoming, profile.upcoming, texts.noUpcoming, (item) => booking(item, { upcoming: true })),
    pastSection(),
    followsSection(profile.follows),
  );
  if (profile.claimable.length) main.append(claimableSection(profile.claimable));
  return heading;
}

async function load() {
  let bearer;
  try {
    bearer = await token();
  } catch (error) {
    showProblem(error);
    return;
  }
  if (!bearer) return;
  try {
    const profile = await api("/api/client-profile", { token: bearer, language });
    const hadNotice = Boolean(notice);
    const heading = render(profile);
    if (hadNotice) heading.focus();
  } catch (error) {
    if (error instanceof ApiError && error.code === "CLIENT_PROFILE_NOT_FOUND") {
      page();
      main.append(el("p", {}, texts.noProfile), el("p", {}, signOutButton()));
    } else if (error instanceof ApiError && error.status === 401) {
      signOut();
      signedOutPage();
    } else {
      showProblem(error);
    }
  }
}

load();
