// The thread between a client and their professional. On the manage page, the client's side,
// through the guest link:
//
//   GET  /api/guest/appointments/{id}/messages?token=[&cursor=]  the latest page, newest last;
//        nextCursor reaches older ones; unreadCount: the professional's messages unread until
//        now (opening the thread marks them read)
//   POST /api/guest/appointments/{id}/messages {token, text}     201 with the message
//
// On the dashboard, the professional's side: the caller gives a transport (how to read a page
// and how to send: GET /api/messages?clientId=, POST /api/messages), `viewer: "professional"`
// and the class names of its buttons; the rest is the same thread.
//
// A message's text is the sender's words, never markup: it goes in as textContent, its line
// breaks kept by CSS (white-space: pre-wrap), and nothing in it becomes a link.

import { api } from "/assets/js/api.js";
import { countedField, retryText } from "/assets/js/counted-field.js";
import { element } from "/assets/js/dom.js";
import { fill, formatDateTime, textsFor } from "/assets/js/i18n.js";

export const MAX_MESSAGE = 2000;

const TEXTS = {
  "pt-BR": {
    heading: "Mensagens",
    unread: { one: "1 nova", other: "{count} novas" },
    loading: "Carregando as mensagens…",
    empty: "Nenhuma mensagem ainda. Escreva para {name} por aqui.",
    earlier: "Mensagens anteriores",
    you: "Você",
    label: "Sua mensagem para {name}",
    hint: "Ctrl+Enter (⌘+Enter no Mac) também envia. {name} é avisado(a) na hora.",
    count: "{count} de {max} caracteres",
    send: "Enviar",
    sending: "Enviando…",
    sent: "Mensagem enviada.",
    required: "Escreva a mensagem antes de enviar.",
    tooLong: "A mensagem passou de {max} caracteres. Encurte-a ou divida-a em duas.",
    invalid: "Confira a mensagem: há caracteres que não podem ser enviados.",
    seconds: "Muitas mensagens em pouco tempo. Tente de novo em {seconds} s (às {time}).",
    minutes: "Muitas mensagens em pouco tempo. Tente de novo em {minutes} min (às {time}).",
    network: "Sem conexão com o servidor. A mensagem não foi enviada; o texto continua aqui.",
    failed: "A mensagem não foi enviada. Tente de novo; o texto continua aqui.",
    loadFailed: "Não foi possível carregar as mensagens.",
    retry: "Tentar de novo",
  },
  en: {
    heading: "Messages",
    unread: { one: "1 new", other: "{count} new" },
    loading: "Loading the messages…",
    empty: "No messages yet. Write to {name} here.",
    earlier: "Earlier messages",
    you: "You",
    label: "Your message to {name}",
    hint: "Ctrl+Enter (⌘+Enter on a Mac) sends too. {name} is told at once.",
    count: "{count} of {max} characters",
    send: "Send",
    sending: "Sending…",
    sent: "Message sent.",
    required: "Write the message before sending it.",
    tooLong: "The message is over {max} characters. Shorten it or split it in two.",
    invalid: "Check the message: it has characters that cannot be sent.",
    seconds: "Too many messages in a short time. Try again in {seconds} s (at {time}).",
    minutes: "Too many messages in a short time. Try again in {minutes} min (at {time}).",
    network: "No connection to the server. The message was not sent; your text is still here.",
    failed: "The message was not sent. Try again; your text is still here.",
    loadFailed: "The messages could not be loaded.",
    retry: "Try again",
  },
};

// The manage page's buttons and alert; the dashboard gives its own.
const LOOK = { primary: "button-primary", secondary: "button-secondary", error: "booking-error" };

// The guest link's way to the thread: a page (older ones with a cursor) and a send.
function guestTransport(appointmentId, token, language) {
  const path = `/api/guest/appointments/${encodeURIComponent(appointmentId)}/messages`;
  return {
    load: (cursor) => api(path, { query: cursor ? { token, cursor } : { token }, language }),
    send: (text) => api(path, { method: "POST", body: { token, text }, language }),
  };
}

// mountThread(element, {appointmentId, token, language, timezone, names: {professional, client},
//   onLinkExpired, transport?: {load(cursor), send(text)}, viewer?: "client" | "professional",
//   look?: {primary, secondary, error}, onRead?(thread)}): fills `element` (the page's
// <section id="messages">) and answers {element, focus(), reload()}. `viewer` is whose side the
// page is: their messages are "You", the other side's carry the other's name.
export function mountThread(
  root,
  { appointmentId, token, language, timezone, names = {}, onLinkExpired = () => {}, transport, viewer = "client", look = LOOK, onRead = () => {} },
) {
  const t = textsFor(language, TEXTS);
  const calls = transport || guestTransport(appointmentId, token, language);
  const otherSide = viewer === "client" ? "professional" : "client";
  let professionalName = names[otherSide] || "";

  root.classList.add("manage-section", "thread");
  root.setAttribute("aria-labelledby", "messages-heading");
  const heading = element("h2", { attributes: { id: "messages-heading", tabindex: "-1" } });
  const title = element("span", { text: t.heading });
  const unread = element("span", { className: "thread-unread" });
  unread.hidden = true;
  heading.append(title, unread);
  const loading = element("p", { className: "thread-loading", text: t.loading, attributes: { role: "status" } });
  const earlier = element("button", { className: `${look.secondary} thread-earlier`, text: t.earlier, attributes: { type: "button" } });
  earlier.hidden = true;
  const list = element("ol", { className: "thread-list", attributes: { "aria-labelledby": "messages-heading" } });
  const empty = element("p", { className: "thread-empty" });
  empty.hidden = true;
  const problem = element("div", { className: "thread-problem" });
  problem.hidden = true;

  const form = element("form", { className: "thread-form", attributes: { novalidate: "" } });
  const field = countedField({ id: "thread-text", label: t.label, hint: t.hint, max: MAX_MESSAGE, language, countText: t.count });
  const formError = element("p", { className: look.error, attributes: { role: "alert", tabindex: "-1" } });
  formError.hidden = true;
  const send = element("button", { className: look.primary, text: t.send, attributes: { type: "submit" } });
  // Polite: the visitor is still typing where the focus stays.
  const status = element("p", { className: "thread-status", attributes: { role: "status", "aria-live": "polite" } });
  form.append(field.element, formError, send, status);
  form.hidden = true;
  root.replaceChildren(heading, loading, problem, earlier, list, empty, form);

  function named(name) {
    professionalName = name || professionalName;
    field.label.textContent = fill(t.label, { name: professionalName });
    field.hint.textContent = fill(t.hint, { name: professionalName });
    empty.textContent = fill(t.empty, { name: professionalName });
  }
  named(professionalName);

  function item(message) {
    const mine = message.sender === viewer;
    const node = element("li", { className: `thread-message ${mine ? "thread-mine" : "thread-theirs"}`, attributes: { "data-id": message.id } });
    const meta = element("p", { className: "thread-meta" });
    meta.append(
      element("span", { className: "thread-sender", text: mine ? t.you : professionalName }),
      document.createTextNode(" · "),
      element("time", { text: formatDateTime(message.createdAt, language, timezone), attributes: { datetime: message.createdAt } }),
    );
    node.append(meta, element("p", { className: "thread-text", text: message.text }));
    return node;
  }

  function showEmpty() {
    empty.hidden = list.children.length > 0;
  }

  let cursor = null;

  async function load() {
    problem.hidden = true;
    loading.hidden = false;
    try {
      const thread = await calls.load(null);
      named(thread[otherSide] && thread[otherSide].name);
      list.replaceChildren(...thread.items.map(item));
      cursor = thread.nextCursor;
      earlier.hidden = !cursor;
      const count = thread.unreadCount || 0;
      unread.textContent = count ? fill(count === 1 ? t.unread.one : t.unread.other, { count }) : "";
      unread.hidden = !count;
      form.hidden = false;
      showEmpty();
      onRead(thread);
    } catch (failure) {
      if (failure.status === 401) return onLinkExpired();
      problem.replaceChildren(element("p", { className: look.error, text: t.loadFailed, attributes: { role: "alert" } }));
      const retry = element("button", { className: look.secondary, text: t.retry, attributes: { type: "button" } });
      retry.addEventListener("click", load);
      problem.append(retry);
      problem.hidden = false;
    } finally {
      loading.hidden = true;
    }
  }

  earlier.addEventListener("click", async () => {
    earlier.disabled = true;
    try {
      const page = await calls.load(cursor);
      const older = page.items.map(item);
      list.prepend(...older);
      cursor = page.nextCursor;
      earlier.hidden = !cursor;
      if (older.length) {
        // The reader goes on from the oldest one just added, down towards what was there.
        older[0].setAttribute("tabindex", "-1");
        older[0].focus();
      }
    } catch (failure) {
      if (failure.status === 401) return onLinkExpired();
      status.textContent = failure.status === 0 ? t.network : t.loadFailed;
    } finally {
      earlier.disabled = false;
    }
  });

  function refuse(message) {
    field.setError(message);
    field.input.focus();
  }

  field.input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (send.disabled) return;
    formError.hidden = true;
    const text = field.value();
    // Said at once, without a request: every attempt counts against the rate limit.
    if (!text.trim()) return refuse(t.required);
    if (field.tooLong()) return refuse(fill(t.tooLong, { max: new Intl.NumberFormat(language).format(MAX_MESSAGE) }));
    field.setError("");
    send.disabled = true;
    status.textContent = t.sending;
    try {
      const message = await calls.send(text);
      list.append(item(message));
      showEmpty();
      field.clear();
      status.textContent = t.sent;
      field.input.focus();
    } catch (failure) {
      status.textContent = "";
      if (failure.status === 401) return onLinkExpired();
      if (failure.status === 400) {
        // The API's own words for the field, in the professional's language.
        return refuse(failure.fields.text || t.invalid);
      }
      formError.textContent =
        failure.status === 429 ? retryText(failure, language, t) : failure.status === 0 ? t.network : t.failed;
      formError.hidden = false;
      field.input.focus();
    } finally {
      send.disabled = false;
    }
  });

  load();
  return {
    element: root,
    focus() {
      heading.focus();
    },
    reload: load,
  };
}
