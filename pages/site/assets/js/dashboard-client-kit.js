// What the clients screens share (dashboard-clients.js, dashboard-client-page.js): the words
// of an appointment's status, a plural, a client's address, the tags typed as "a, b", who has
// the phone or email a 409 CLIENT_EXISTS named, and the form of a client's details (to add one
// and to edit one).
//
//   GET /api/clients/{id}, GET /api/clients?q=   to name the client who has them

import { el } from "/assets/js/account-ui.js";
import { busy, errorText, field, showFieldErrors } from "/assets/js/dashboard-kit.js";
import { fill, textsFor } from "/assets/js/i18n.js";

export const STATUS_TEXTS = {
  "pt-BR": {
    pending_payment: "aguardando pagamento",
    pending_confirmation: "aguardando confirmação",
    confirmed: "confirmado",
    rejected: "recusado",
    cancelled: "cancelado",
    completed: "realizado",
    no_show: "falta",
  },
  en: {
    pending_payment: "awaiting payment",
    pending_confirmation: "awaiting confirmation",
    confirmed: "confirmed",
    rejected: "declined",
    cancelled: "cancelled",
    completed: "completed",
    no_show: "no-show",
  },
};

// The plural of a {zero?, one, other} text.
export function counted(texts, count) {
  const chosen = count === 0 && texts.zero ? texts.zero : count === 1 ? texts.one : texts.other;
  return fill(chosen, { count });
}

export function clientPath(id) {
  return `/dashboard/clients/${encodeURIComponent(id)}`;
}

// "a, b,  c" -> ["a", "b", "c"]; the API trims and drops duplicates itself.
export function tagsOf(text) {
  return text
    .split(",")
    .map((tag) => tag.trim())
    .filter(Boolean);
}

// Finds who has the phone or email a 409 named, when the answer did not say (ApiError keeps no
// clientId): the search finds a phone by its digits and an email by a part of it.
export async function whoHas(ctx, error, body) {
  if (error.clientId) {
    try {
      return await ctx.api(`/api/clients/${encodeURIComponent(error.clientId)}`, { query: { limit: 1 } });
    } catch {
      return { id: error.clientId, name: "" };
    }
  }
  const digits = (text) => (text || "").replace(/\D/g, "");
  const tries = [];
  if (error.fields.phone) tries.push([body.phone, (client) => digits(client.phone).endsWith(digits(body.phone).replace(/^0+/, ""))]);
  if (error.fields.email && body.email) tries.push([body.email, (client) => (client.email || "").toLowerCase() === body.email.trim().toLowerCase()]);
  for (const [q, matches] of tries) {
    try {
      const page = await ctx.api("/api/clients", { query: { q, limit: 10 } });
      const found = page.items.find(matches);
      if (found) return found;
    } catch {
      return null;
    }
  }
  return null;
}

const FORM_TEXTS = {
  "pt-BR": {
    name: "Nome",
    phone: "Telefone (WhatsApp)",
    phoneHint: "Com DDD, ex.: (11) 98765-4321. Um número de fora do Brasil começa com +.",
    email: "E-mail (opcional)",
    emailHint: "Deixe em branco para apagar.",
    tags: "Etiquetas (opcional)",
    tagsHint: "Separadas por vírgula, ex.: online, convênio.",
    fix: "Confira os campos marcados.",
    required: "Preencha este campo.",
    exists: "Você já tem um cliente com este telefone ou e-mail.",
    existsPhone: "Você já tem um cliente com este telefone.",
    existsEmail: "Você já tem um cliente com este e-mail.",
    openExisting: "Abrir a página de {name}",
    openExistingUnknown: "Procure-o(a) na lista de clientes.",
  },
  en: {
    name: "Name",
    phone: "Phone (WhatsApp)",
    phoneHint: "With the area code, e.g. +1 646 555 0100.",
    email: "Email (optional)",
    emailHint: "Leave it empty to remove it.",
    tags: "Tags (optional)",
    tagsHint: "Separated by commas, e.g. online, insurance.",
    fix: "Check the fields marked.",
    required: "Fill in this field.",
    exists: "You already have a client with this phone or email.",
    existsPhone: "You already have a client with this phone.",
    existsEmail: "You already have a client with this email.",
    openExisting: "Open {name}'s page",
    openExistingUnknown: "Look for them in your clients.",
  },
};

// A client's details as a form: name, phone (WhatsApp), email, tags, to add a client (no
// `client`: POST's body leaves out what is empty) or to edit one (PATCH's body sends every
// field, an empty email as null). The required ones are said before any call; a 400's words go
// to the fields; a clash (409 CLIENT_EXISTS) is said at the field with a link to the client who
// has that phone or email. `send(body)` makes the call, `saved(answer, body)` takes its answer;
// `refused(error, say)` may answer a refusal of the screen's own (true: it did, `say(...nodes)`
// puts them in the form's alert). Answers {form, focus(), clear()}.
export function clientForm(ctx, { id, heading, client = null, submitText, buttons = [], send, saved, refused = () => false }) {
  const t = textsFor(ctx.language, FORM_TEXTS);
  const text = { autocomplete: "off" };
  const name = field({ id: `${id}-name`, label: t.name, value: client && client.name, attributes: { ...text, required: true } });
  const phone = field({ id: `${id}-phone`, label: t.phone, type: "tel", value: client && client.phone, hint: t.phoneHint, attributes: { ...text, required: true } });
  const email = field({ id: `${id}-email`, label: t.email, type: "email", value: client && client.email, hint: client ? t.emailHint : undefined, attributes: text });
  const tags = field({ id: `${id}-tags`, label: t.tags, value: client ? client.tags.join(", ") : undefined, hint: t.tagsHint, attributes: text });
  const fields = { name, phone, email, tags };
  const summary = el("div", { className: "dash-client-summary", tabindex: "-1" });
  const submit = el("button", { type: "submit", className: "account-button account-primary" }, submitText);
  const form = el(
    "form",
    { className: "dash-form", id: `${id}-form`, novalidate: true, "aria-labelledby": heading.id },
    heading,
    name.wrap,
    phone.wrap,
    email.wrap,
    tags.wrap,
    summary,
    el("div", { className: "account-row" }, submit, ...buttons),
  );
  const say = (...children) => {
    summary.replaceChildren(el("div", { className: "account-alert", role: "alert" }, ...children));
    summary.focus();
  };

  function bodyOf() {
    const typedEmail = email.input.value.trim();
    const tagList = tagsOf(tags.input.value);
    const body = { name: name.input.value.trim(), phone: phone.input.value.trim() };
    if (client) return { ...body, email: typedEmail || null, tags: tagList };
    if (typedEmail) body.email = typedEmail;
    if (tagList.length) body.tags = tagList;
    return body;
  }

  async function clash(error, body) {
    const { fields: named } = error;
    const sentence = named.phone && !named.email ? t.existsPhone : named.email && !named.phone ? t.existsEmail : t.exists;
    if (named.phone) phone.setError(sentence);
    if (named.email) email.setError(sentence);
    const who = await whoHas(ctx, error, body);
    const other = who && (!client || who.id !== client.id) ? who : null;
    say(
      el("p", {}, sentence),
      el("p", {}, other ? el("a", { href: clientPath(other.id) }, fill(t.openExisting, { name: other.name })) : t.openExistingUnknown),
    );
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    summary.replaceChildren();
    for (const entry of Object.values(fields)) entry.setError("");
    const body = bodyOf();
    const missing = [name, phone].filter((entry) => !entry.input.value.trim());
    if (missing.length) {
      for (const entry of missing) entry.setError(t.required);
      summary.replaceChildren(el("div", { className: "account-alert", role: "alert" }, el("p", {}, t.fix)));
      missing[0].input.focus();
      return;
    }
    try {
      saved(await busy(submit, () => send(body)), body);
    } catch (error) {
      if (error.status === 400) {
        const first = showFieldErrors(fields, error);
        summary.replaceChildren(el("div", { className: "account-alert", role: "alert" }, el("p", {}, t.fix)));
        (first || name).input.focus();
      } else if (error.status === 409 && error.code === "CLIENT_EXISTS") {
        await clash(error, body);
      } else if (!refused(error, say)) {
        say(el("p", {}, errorText(error, ctx.language)));
      }
    }
  });

  return {
    form,
    focus: () => name.input.focus(),
    clear: () => {
      for (const entry of Object.values(fields)) entry.input.value = "";
    },
  };
}

