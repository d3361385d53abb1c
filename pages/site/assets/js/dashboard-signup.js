// The dashboard's sign-up: a signed-in person without a professional account creates theirs
// (POST /api/account). The page's address (slug) is proposed from the name until it is typed,
// and checked as it changes (GET /api/account/slug, debounced): why it is not free, and free
// ones near it as buttons that fill it in. The form speaks the browser's language until a
// language is chosen in it. A 400 is said at each field with a summary; 409 SLUG_TAKEN offers
// the free slugs; 409 ACCOUNT_EXISTS (another tab signed up) goes on with that account
// (GET /api/account). The new account goes to the shell: ctx.accountCreated(account).
//
// ctx (smaller than a screen's): {language, api, announce, setHeading, accountCreated}.

import { ApiError } from "/assets/js/api.js";
import { el, button } from "/assets/js/account-ui.js";
import { busy, errorText, field, showFieldErrors, zoneOptions } from "/assets/js/dashboard-kit.js";
import { fill, languageOf, textsFor } from "/assets/js/i18n.js";

const TEXTS = {
  "pt-BR": {
    heading: "Crie a sua página",
    intro: "Em poucos passos a sua página de agendamento fica no ar. Depois você escolhe os seus horários.",
    name: "Seu nome, como os clientes vão ver",
    nameHint: "Por exemplo: Dra. Beatriz Lima",
    slug: "Endereço da sua página",
    slugHint: "Letras minúsculas, números e hífens, de 3 a 40 caracteres. A página fica em {origin}/p/…",
    profession: "Profissão",
    professionHint: "Por exemplo: Psicóloga",
    phone: "WhatsApp",
    phoneHint: "Com DDD, por exemplo (11) 98765-4321. Os avisos dos pedidos chegam aqui.",
    email: "E-mail",
    timezone: "Fuso horário",
    timezoneHint: "Os seus horários e os avisos seguem este fuso.",
    language: "Idioma",
    languageHint: "O idioma do painel e das mensagens aos seus clientes.",
    duration: "Duração da sessão, em minutos (opcional)",
    durationHint: "De 5 a 480, em múltiplos de 5. Sem preencher: 50.",
    price: "Preço da sessão, em reais (opcional)",
    priceHint: "Sem preencher, a página não mostra preço. Você pode mudar depois.",
    submit: "Criar a minha página",
    checking: "Verificando o endereço {slug}…",
    free: "O endereço {slug} está livre.",
    malformed: "O endereço {slug} não vale: use de 3 a 40 letras minúsculas, números e hífens, sem hífen no começo ou no fim.",
    reserved: "O endereço {slug} é reservado pelo site.",
    taken: "O endereço {slug} já é de outra pessoa.",
    suggestionsLabel: "Endereços livres parecidos:",
    useSuggestion: "Usar {slug}",
    chosen: "Endereço escolhido: {slug}.",
    slugTaken: "O endereço {slug} acabou de ser escolhido por outra pessoa. Escolha outro.",
    invalid: "Confira os campos marcados: {fields}.",
    exists: "Você já tem uma conta (criada em outra aba). Abrindo o seu painel…",
    created: "Página criada. Agora escolha os seus horários.",
    languages: { "pt-BR": "Português (Brasil)", en: "English" },
  },
  en: {
    heading: "Create your page",
    intro: "In a few steps your booking page is online. Then you choose your hours.",
    name: "Your name, as clients will see it",
    nameHint: "For example: Dr. Beatrice Lima",
    slug: "Your page's address",
    slugHint: "Lowercase letters, digits and hyphens, 3 to 40 characters. The page will be at {origin}/p/…",
    profession: "Profession",
    professionHint: "For example: Psychologist",
    phone: "WhatsApp",
    phoneHint: "With the country or area code, for example +1 212 555 0100. Booking notices arrive here.",
    email: "Email",
    timezone: "Time zone",
    timezoneHint: "Your hours and notices follow this zone.",
    language: "Language",
    languageHint: "The language of the dashboard and of the messages to your clients.",
    duration: "Session length, in minutes (optional)",
    durationHint: "5 to 480, in steps of 5. Left empty: 50.",
    price: "Price of a session, in Brazilian reais (optional)",
    priceHint: "Left empty, the page shows no price. You can change it later.",
    submit: "Create my page",
    checking: "Checking the address {slug}…",
    free: "The address {slug} is free.",
    malformed: "The address {slug} is not valid: use 3 to 40 lowercase letters, digits and hyphens, with no hyphen at either end.",
    reserved: "The address {slug} is reserved by the site.",
    taken: "The address {slug} already belongs to someone else.",
    suggestionsLabel: "Free addresses like it:",
    useSuggestion: "Use {slug}",
    chosen: "Address chosen: {slug}.",
    slugTaken: "The address {slug} was just taken by someone else. Please choose another.",
    invalid: "Check the marked fields: {fields}.",
    exists: "You already have an account (made in another tab). Opening your dashboard…",
    created: "Page created. Now choose your hours.",
    languages: { "pt-BR": "Português (Brasil)", en: "English" },
  },
};

const CHECK_DELAY_MS = 400;
const SLUG_MAX = 40;

// "Dra. Beatriz Lima" -> "dra-beatriz-lima": the slug the name suggests (the API decides).
export function slugFrom(name) {
  const words = name
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim()
    .split(" ")
    .filter(Boolean);
  let slug = "";
  for (const word of words) {
    const next = slug ? `${slug}-${word}` : word;
    if (next.length > SLUG_MAX) break;
    slug = next;
  }
  return slug || words.join("").slice(0, SLUG_MAX);
}

function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "America/Sao_Paulo";
  } catch {
    return "America/Sao_Paulo";
  }
}

// What the form holds across a redraw in another language.
function blankValues() {
  return {
    name: "",
    slug: "",
    profession: "",
    phone: "",
    email: "",
    timezone: browserZone(),
    language: null, // null: not chosen yet, the browser's
    sessionDuration: "50",
    sessionPrice: "",
  };
}

export async function mount(root, ctx) {
  const values = blankValues();
  let slugTyped = false; // the slug follows the name until the person types one
  let slugAnswer = null; // {slug, text, suggestions} of the last check, said again on a redraw
  let checkTimer = null;
  let checkCount = 0;
  let formLanguage = languageOf(ctx.language);
  let texts = textsFor(formLanguage, TEXTS);
  let fields = {};
  let slugStatus;
  let suggestionsBox;
  let summary;
  let submit;

  function draw() {
    texts = textsFor(formLanguage, TEXTS);
    document.documentElement.lang = formLanguage;
    ctx.setHeading(texts.heading);
    const languageChoice = values.language || formLanguage;
    fields = {
      name: field({ id: "signup-name", label: texts.name, hint: texts.nameHint, value: values.name, attributes: { autocomplete: "name", "aria-required": "true", maxlength: "200" } }),
      slug: field({
        id: "signup-slug",
        label: texts.slug,
        hint: fill(texts.slugHint, { origin: location.host }),
        value: values.slug,
        attributes: { autocomplete: "off", autocapitalize: "none", spellcheck: "false", "aria-required": "true", maxlength: "100" },
      }),
      profession: field({ id: "signup-profession", label: texts.profession, hint: texts.professionHint, value: values.profession, attributes: { autocomplete: "organization-title", "aria-required": "true", maxlength: "100" } }),
      phone: field({ id: "signup-phone", label: texts.phone, hint: texts.phoneHint, type: "tel", value: values.phone, attributes: { autocomplete: "tel", "aria-required": "true" } }),
      email: field({ id: "signup-email", label: texts.email, type: "email", value: values.email, attributes: { autocomplete: "email", "aria-required": "true" } }),
      timezone: field({
        id: "signup-timezone",
        label: texts.timezone,
        hint: texts.timezoneHint,
        options: zoneOptions(values.timezone),
        value: values.timezone,
      }),
      language: field({
        id: "signup-language",
        label: texts.language,
        hint: texts.languageHint,
        options: Object.entries(texts.languages),
        value: languageChoice,
      }),
      sessionDuration: field({
        id: "signup-duration",
        label: texts.duration,
        hint: texts.durationHint,
        type: "number",
        value: values.sessionDuration,
        attributes: { min: "5", max: "480", step: "5", inputmode: "numeric" },
      }),
      sessionPrice: field({
        id: "signup-price",
        label: texts.price,
        hint: texts.priceHint,
        type: "number",
        value: values.sessionPrice,
        attributes: { min: "0", step: "0.01", inputmode: "decimal" },
      }),
    };
    slugStatus = el("p", { className: "account-status signup-slug-status", role: "status", id: "signup-slug-status" });
    suggestionsBox = el("div", { className: "signup-suggestions" });
    fields.slug.input.setAttribute("aria-describedby", `${fields.slug.input.getAttribute("aria-describedby")} signup-slug-status`);
    fields.slug.wrap.append(slugStatus, suggestionsBox);
    summary = el("div", { className: "signup-summary", role: "alert" });
    submit = el("button", { type: "submit", className: "account-button account-primary" }, texts.submit);
    const form = el(
      "form",
      { className: "dash-form signup-form", novalidate: true, "aria-labelledby": "signup-heading" },
      Object.values(fields).map((entry) => entry.wrap),
      summary,
      el("div", {}, submit),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      send();
    });
    fields.name.input.addEventListener("input", () => {
      values.name = fields.name.input.value;
      if (!slugTyped) {
        fields.slug.input.value = slugFrom(values.name);
        slugChanged();
      }
    });
    fields.slug.input.addEventListener("input", () => {
      slugTyped = fields.slug.input.value !== "";
      slugChanged();
    });
    fields.language.input.addEventListener("change", () => {
      keep();
      values.language = fields.language.input.value;
      formLanguage = languageOf(values.language);
      draw();
      fields.language.input.focus();
    });
    root.replaceChildren(
      el("section", { className: "signup", "aria-labelledby": "signup-heading" },
        el("h2", { id: "signup-heading" }, texts.heading),
        el("p", {}, texts.intro),
        form,
      ),
    );
    if (slugAnswer && slugAnswer.slug === fields.slug.input.value.trim()) showSlugAnswer(slugAnswer);
  }

  // The fields' values into `values`, before a redraw or a send.
  function keep() {
    for (const [name, entry] of Object.entries(fields)) {
      if (name === "language") continue;
      values[name] = entry.input.value;
    }
  }

  function slugChanged() {
    values.slug = fields.slug.input.value;
    fields.slug.setError("");
    window.clearTimeout(checkTimer);
    const slug = values.slug.trim();
    suggestionsBox.replaceChildren();
    slugAnswer = null;
    if (!slug) {
      slugStatus.textContent = "";
      return;
    }
    checkTimer = window.setTimeout(() => checkSlug(slug), CHECK_DELAY_MS);
  }

  async function checkSlug(slug) {
    const count = ++checkCount;
    slugStatus.textContent = fill(texts.checking, { slug });
    let answer;
    try {
      answer = await ctx.api("/api/account/slug", { query: { slug }, language: formLanguage });
    } catch (error) {
      if (count !== checkCount) return;
      slugStatus.textContent = errorText(error, formLanguage);
      return;
    }
    if (count !== checkCount || slug !== fields.slug.input.value.trim()) return; // typed on meanwhile
    slugAnswer = {
      slug,
      key: answer.available ? "free" : answer.reason || "taken",
      suggestions: answer.available ? [] : answer.suggestions || [],
    };
    showSlugAnswer(slugAnswer);
  }

  function showSlugAnswer({ slug, key, suggestions }) {
    slugStatus.textContent = fill(texts[key], { slug });
    slugStatus.classList.toggle("signup-slug-free", key === "free");
    showSuggestions(suggestions);
  }

  function showSuggestions(suggestions) {
    suggestionsBox.replaceChildren();
    if (!suggestions.length) return;
    const labelId = "signup-suggestions-label";
    suggestionsBox.append(
      el("p", { id: labelId, className: "account-hint" }, texts.suggestionsLabel),
      el(
        "ul",
        { className: "signup-suggestion-list", "aria-labelledby": labelId },
        suggestions.map((slug) =>
          el("li", {}, button(slug, () => useSuggestion(slug), { className: "account-button signup-suggestion" })),
        ),
      ),
    );
    for (const choice of suggestionsBox.querySelectorAll("button")) {
      choice.setAttribute("aria-label", fill(texts.useSuggestion, { slug: choice.textContent }));
    }
  }

  function useSuggestion(slug) {
    fields.slug.input.value = slug;
    slugTyped = true;
    values.slug = slug;
    fields.slug.setError("");
    window.clearTimeout(checkTimer);
    suggestionsBox.replaceChildren();
    slugAnswer = { slug, key: "free", suggestions: [] };
    slugStatus.textContent = fill(texts.free, { slug });
    slugStatus.classList.add("signup-slug-free");
    summary.replaceChildren();
    fields.slug.input.focus();
    ctx.announce(fill(texts.chosen, { slug }));
  }

  function body() {
    keep();
    const number = (text) => (text.trim() === "" ? undefined : Number(text.trim().replace(",", ".")));
    const sent = {
      name: values.name.trim(),
      slug: values.slug.trim(),
      profession: values.profession.trim(),
      phone: values.phone.trim(),
      email: values.email.trim(),
      timezone: values.timezone,
      language: fields.language.input.value,
    };
    const duration = number(values.sessionDuration);
    if (duration !== undefined) sent.sessionDuration = Number.isNaN(duration) ? values.sessionDuration : duration;
    const price = number(values.sessionPrice);
    if (price !== undefined) sent.sessionPrice = Number.isNaN(price) ? values.sessionPrice : price;
    return sent;
  }

  async function send() {
    summary.replaceChildren();
    showFieldErrors(fields, null);
    const sent = body();
    try {
      const account = await busy(submit, () => ctx.api("/api/account", { method: "POST", body: sent, language: formLanguage }));
      ctx.announce(texts.created);
      await ctx.accountCreated(account);
    } catch (error) {
      await refused(error, sent);
    }
  }

  function say(text) {
    summary.replaceChildren(el("p", { className: "account-alert" }, text));
  }

  async function refused(error, sent) {
    if (error instanceof ApiError && error.status === 409 && error.code === "ACCOUNT_EXISTS") {
      say(texts.exists);
      try {
        const account = await ctx.api("/api/account", { language: formLanguage });
        await ctx.accountCreated(account);
      } catch (again) {
        say(errorText(again, formLanguage));
      }
      return;
    }
    if (error instanceof ApiError && error.status === 409 && error.code === "SLUG_TAKEN") {
      const message = fill(texts.slugTaken, { slug: sent.slug });
      fields.slug.setError(message);
      slugAnswer = { slug: sent.slug, key: "taken", suggestions: error.suggestions || [] };
      showSlugAnswer(slugAnswer);
      say(message);
      fields.slug.input.focus();
      return;
    }
    if (error instanceof ApiError && error.status === 400 && error.fields && Object.keys(error.fields).length) {
      const first = showFieldErrors(fields, error);
      const named = Object.entries(fields)
        .filter(([name]) => error.fields[name])
        .map(([, entry]) => entry.wrap.querySelector("label").textContent);
      const unknown = Object.keys(error.fields).filter((name) => !fields[name]);
      say(named.length ? fill(texts.invalid, { fields: named.join("; ") }) : unknown.map((name) => error.fields[name]).join(" "));
      if (first) first.input.focus();
      return;
    }
    say(errorText(error, formLanguage));
    submit.focus();
  }

  draw();
  const first = fields.name.input;
  first.focus();
  return {
    unmount() {
      window.clearTimeout(checkTimer);
    },
  };
}
