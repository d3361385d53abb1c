// /dashboard/profile: the professional's business settings in groups, each with its own Save
// (PATCH /api/account with the keys of that group that changed); the page's address with its
// availability checked as it is typed (GET /api/account/slug) and the free ones offered; the
// page's visibility (asked first before hiding it); the photo (POST /api/account/avatar, the
// presigned POST straight to the media bucket, POST /api/account/avatar/confirm); and the
// public page's link with the embed snippets to copy (docs/booking-widget.md, "Embeds").
//
// A 400 puts each message at its field; 409 SLUG_TAKEN offers the API's suggestions. A change
// of language or zone reads the account again and draws the whole screen anew, so everything
// (the header too) speaks the new language; the result is said there.

import { el, button } from "/assets/js/account-ui.js";
import { busy, errorText, field, showFieldErrors, zoneOptions } from "/assets/js/dashboard-kit.js";
import { fill, textsFor } from "/assets/js/i18n.js";

const TEXTS = {
  "pt-BR": {
    intro: "O que os seus clientes veem na sua página e como os horários funcionam. Cada grupo tem o seu botão de salvar.",
    save: "Salvar",
    saved: "Alterações salvas.",
    savedLanguage: "Alterações salvas. O painel agora está em português.",
    nothing: "Nada mudou neste grupo.",
    fix: "Corrija o que está indicado e salve de novo.",
    required: "Preencha este campo.",
    number: "Digite um número.",
    page: {
      legend: "A sua página",
      name: "Nome",
      profession: "Profissão",
      bio: "Sobre você",
      bioHint: "Até 2.000 caracteres, mostrados na sua página.",
      publicContact: "Contato público",
      publicContactHint: "Um link que os clientes podem usar: https://…, mailto:… ou tel:+…. Deixe vazio para não mostrar.",
    },
    contact: {
      legend: "Contato com a plataforma",
      intro: "Para onde mandamos os avisos de novos pedidos. Não aparecem na sua página.",
      phone: "WhatsApp",
      phoneHint: "Com o DDD, por exemplo (11) 98765-4321.",
      email: "E-mail",
    },
    sessions: {
      legend: "Sessões e reservas",
      sessionDuration: "Duração da sessão (minutos)",
      sessionDurationHint: "De 5 a 480, em múltiplos de 5.",
      sessionPrice: "Preço da sessão",
      sessionPriceHint: "Deixe vazio para não mostrar um preço.",
      currency: "Moeda",
      autoConfirm: "Confirmar as reservas automaticamente, sem a minha aprovação",
      cancellationNoticeHours: "Cancelamento: até quantas horas antes",
      rescheduleNoticeHours: "Remarcação: até quantas horas antes",
      noticeHint: "De 0 a 720 horas antes do horário.",
    },
    payment: {
      legend: "Pagamento na reserva",
      paymentAtBooking: "Cobrar o preço da sessão online no momento da reserva",
      paymentAtBookingHint: "Precisa de um preço acima de zero e de uma forma de pagamento.",
      paymentType: "Formas de pagamento",
      types: { none: "Nenhuma", pix: "Pix", card: "Cartão", pix_or_card: "Pix ou cartão" },
      pixKey: "Chave Pix",
      pixKeyHint: "Mostrada aos clientes que pagam por Pix. Deixe vazio para não mostrar.",
    },
    region: {
      legend: "Idioma e fuso horário",
      language: "Idioma do painel, da página e das mensagens",
      languages: { "pt-BR": "Português (Brasil)", en: "English" },
      timezone: "Fuso horário",
      timezoneHint: "Os seus horários de atendimento continuam nas mesmas horas locais.",
    },
    slug: {
      legend: "Endereço da página",
      label: "Endereço",
      hint: "Letras minúsculas, números e hífens, de 3 a 40 caracteres. A sua página fica em {origin}/p/…",
      checking: "Verificando…",
      free: "{slug} está livre.",
      yours: "{slug} é seu.",
      reasons: {
        malformed: "{slug} não serve: use de 3 a 40 letras minúsculas, números e hífens (sem hífen no começo, no fim ou dois seguidos).",
        reserved: "{slug} é uma palavra reservada do site. Escolha outro endereço.",
        taken: "{slug} já é de outra pessoa.",
      },
      unknown: "Não foi possível verificar agora; a verificação é feita de novo ao salvar.",
      suggestions: "Endereços livres parecidos:",
      use: "Usar {slug}",
      conflict: "Este endereço já é de outra pessoa. Escolha um dos endereços livres abaixo ou outro.",
      moved: "A sua página agora está em /p/{slug}. O endereço antigo, /p/{old}, leva para o novo.",
      previous: "Endereços anteriores (levam para o atual): {slugs}",
    },
    visibility: {
      legend: "Visibilidade",
      active: "A sua página está no ar: os clientes podem ver e reservar.",
      inactive: "A sua página está escondida: ninguém a vê e ninguém pode reservar. Os horários já marcados continuam.",
      hide: "Esconder a minha página",
      show: "Colocar a minha página no ar de novo",
      confirm: "Esconder a sua página? Ela deixa de aparecer e ninguém poderá reservar até você colocá-la no ar de novo. Os horários já marcados continuam.",
      yes: "Sim, esconder",
      no: "Não, manter no ar",
      hidden: "A sua página está escondida.",
      shown: "A sua página está no ar de novo.",
    },
    avatar: {
      legend: "Foto",
      current: "A sua foto atual",
      none: "Você ainda não tem uma foto.",
      choose: "Escolher uma foto",
      hint: "JPEG, PNG ou WebP, até 2 MB.",
      upload: "Enviar a foto",
      pick: "Escolha um arquivo primeiro.",
      wrongType: "Este arquivo não é uma foto JPEG, PNG ou WebP.",
      tooLarge: "Esta foto tem mais de 2 MB. Escolha uma menor ou reduza-a.",
      empty: "Este arquivo está vazio.",
      expired: "O envio demorou demais e expirou. Tente de novo.",
      refused: "O envio foi recusado. Tente de novo.",
      unreachable: "Não foi possível enviar a foto para o armazenamento. Verifique a sua conexão e tente de novo.",
      sending: "Enviando a foto…",
      done: "Foto nova salva. É ela que aparece na sua página.",
    },
    share: {
      legend: "Página pública e incorporação",
      link: "Link da sua página",
      copyLink: "Copiar o link",
      inline: "O calendário no seu site",
      inlineHint: "Cole este código onde o calendário deve aparecer.",
      popup: "Um botão que abre o calendário",
      popupHint: "Cole este código onde o botão deve aparecer.",
      iframe: "Um iframe",
      iframeHint: "Para sites que não aceitam scripts.",
      iframeTitle: "Agendar com {name}",
      copy: "Copiar o código: {what}",
      copied: "Copiado.",
      selected: "Não foi possível copiar sozinho: o texto está selecionado, use Ctrl+C (ou Cmd+C) para copiar.",
      hiddenNote: "A sua página está escondida: os links e o calendário só funcionam quando ela estiver no ar.",
    },
  },
  en: {
    intro: "What your clients see on your page and how bookings work. Each group has its own save button.",
    save: "Save",
    saved: "Changes saved.",
    savedLanguage: "Changes saved. The dashboard now speaks English.",
    nothing: "Nothing changed in this group.",
    fix: "Correct what is marked and save again.",
    required: "Fill this in.",
    number: "Enter a number.",
    page: {
      legend: "Your page",
      name: "Name",
      profession: "Profession",
      bio: "About you",
      bioHint: "Up to 2,000 characters, shown on your page.",
      publicContact: "Public contact",
      publicContactHint: "A link clients may use: https://…, mailto:… or tel:+…. Leave it empty to show none.",
    },
    contact: {
      legend: "How we reach you",
      intro: "Where we send new requests. They are not shown on your page.",
      phone: "WhatsApp",
      phoneHint: "With the country code, e.g. +1 212 555 0100.",
      email: "Email",
    },
    sessions: {
      legend: "Sessions and bookings",
      sessionDuration: "Session length (minutes)",
      sessionDurationHint: "From 5 to 480, in multiples of 5.",
      sessionPrice: "Session price",
      sessionPriceHint: "Leave it empty to show no price.",
      currency: "Currency",
      autoConfirm: "Confirm bookings automatically, without my approval",
      cancellationNoticeHours: "Cancelling: up to how many hours before",
      rescheduleNoticeHours: "Rescheduling: up to how many hours before",
      noticeHint: "From 0 to 720 hours before the appointment.",
    },
    payment: {
      legend: "Payment at booking",
      paymentAtBooking: "Take the session price online when clients book",
      paymentAtBookingHint: "Needs a price above zero and a way to pay.",
      paymentType: "Ways to pay",
      types: { none: "None", pix: "Pix", card: "Card", pix_or_card: "Pix or card" },
      pixKey: "Pix key",
      pixKeyHint: "Shown to clients who pay by Pix. Leave it empty to show none.",
    },
    region: {
      legend: "Language and time zone",
      language: "Language of the dashboard, your page and the messages",
      languages: { "pt-BR": "Português (Brasil)", en: "English" },
      timezone: "Time zone",
      timezoneHint: "Your working hours stay at the same local hours.",
    },
    slug: {
      legend: "Your page's address",
      label: "Address",
      hint: "Lowercase letters, digits and hyphens, 3 to 40 characters. Your page is at {origin}/p/…",
      checking: "Checking…",
      free: "{slug} is free.",
      yours: "{slug} is yours.",
      reasons: {
        malformed: "{slug} will not do: use 3 to 40 lowercase letters, digits and hyphens (no hyphen first, last or twice in a row).",
        reserved: "{slug} is a word the site keeps for itself. Choose another address.",
        taken: "{slug} belongs to someone else.",
      },
      unknown: "It could not be checked now; saving checks it again.",
      suggestions: "Free addresses like it:",
      use: "Use {slug}",
      conflict: "This address belongs to someone else. Choose one of the free addresses below, or another one.",
      moved: "Your page is now at /p/{slug}. The old address, /p/{old}, leads to the new one.",
      previous: "Earlier addresses (they lead to this one): {slugs}",
    },
    visibility: {
      legend: "Visibility",
      active: "Your page is live: clients can see it and book.",
      inactive: "Your page is hidden: no one sees it and no one can book. Appointments already made stay.",
      hide: "Hide my page",
      show: "Put my page live again",
      confirm: "Hide your page? It stops showing and no one can book until you put it live again. Appointments already made stay.",
      yes: "Yes, hide it",
      no: "No, keep it live",
      hidden: "Your page is hidden.",
      shown: "Your page is live again.",
    },
    avatar: {
      legend: "Photo",
      current: "Your current photo",
      none: "You have no photo yet.",
      choose: "Choose a photo",
      hint: "JPEG, PNG or WebP, up to 2 MB.",
      upload: "Upload the photo",
      pick: "Choose a file first.",
      wrongType: "This file is not a JPEG, PNG or WebP photo.",
      tooLarge: "This photo is larger than 2 MB. Choose a smaller one or shrink it.",
      empty: "This file is empty.",
      expired: "The upload took too long and expired. Please try again.",
      refused: "The upload was refused. Please try again.",
      unreachable: "The photo could not be sent to the storage. Check your connection and try again.",
      sending: "Uploading the photo…",
      done: "New photo saved. It is the one your page shows.",
    },
    share: {
      legend: "Public page and embeds",
      link: "Your page's link",
      copyLink: "Copy the link",
      inline: "The calendar on your site",
      inlineHint: "Paste this code where the calendar should appear.",
      popup: "A button that opens the calendar",
      popupHint: "Paste this code where the button should appear.",
      iframe: "An iframe",
      iframeHint: "For sites that do not take scripts.",
      iframeTitle: "Book with {name}",
      copy: "Copy the code: {what}",
      copied: "Copied.",
      selected: "It could not be copied by itself: the text is selected, press Ctrl+C (or Cmd+C) to copy it.",
      hiddenNote: "Your page is hidden: the links and the calendar work only while it is live.",
    },
  },
};

const IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp"];
const MAX_PHOTO_BYTES = 2 * 1024 * 1024;
const CURRENCIES = ["BRL", "USD", "EUR", "GBP"];
const PAYMENT_TYPES = ["none", "pix", "card", "pix_or_card"];
const SLUG_CHECK_DELAY_MS = 350;

// A save's result that must outlive the screen drawn anew (after a change of language or zone).
let carriedNotice = null;

// A status line (or an alert) that can take the focus after an action.
function resultLine({ alert = false } = {}) {
  return el("p", {
    className: alert ? "account-alert" : "account-status",
    role: alert ? "alert" : "status",
    tabindex: "-1",
    hidden: true,
  });
}

function say(line, text) {
  line.textContent = text || "";
  line.hidden = !text;
}

// How each kind of setting goes from the account into its input and back.
const KINDS = {
  text: {
    show: (entry, value) => {
      entry.input.value = value ?? "";
    },
    read: (entry) => entry.input.value.trim(),
  },
  optionalText: {
    show: (entry, value) => {
      entry.input.value = value ?? "";
    },
    read: (entry) => entry.input.value.trim() || null,
  },
  number: {
    show: (entry, value) => {
      entry.input.value = value === null || value === undefined ? "" : String(value);
    },
    read: (entry) => (entry.input.value === "" ? undefined : Number(entry.input.value)),
  },
  optionalNumber: {
    show: (entry, value) => {
      entry.input.value = value === null || value === undefined ? "" : String(value);
    },
    read: (entry) => (entry.input.value === "" ? null : Number(entry.input.value)),
  },
  choice: {
    show: (entry, value) => {
      entry.input.value = value;
    },
    read: (entry) => entry.input.value,
  },
  check: {
    show: (entry, value) => {
      entry.input.checked = Boolean(value);
    },
    read: (entry) => entry.input.checked,
  },
};

// The groups of settings saved by one button each: {key, legend, intro?, settings: [[apiName,
// kind, field options]]}.
function groupsOf(texts, account) {
  const t = texts;
  return [
    {
      key: "page",
      legend: t.page.legend,
      settings: [
        ["name", "text", { label: t.page.name, attributes: { autocomplete: "name", required: true } }],
        ["profession", "text", { label: t.page.profession, attributes: { required: true } }],
        ["bio", "optionalText", { label: t.page.bio, hint: t.page.bioHint, multiline: true, attributes: { rows: "6" } }],
        ["publicContact", "optionalText", { label: t.page.publicContact, hint: t.page.publicContactHint, type: "url" }],
      ],
    },
    {
      key: "contact",
      legend: t.contact.legend,
      intro: t.contact.intro,
      settings: [
        ["phone", "text", { label: t.contact.phone, hint: t.contact.phoneHint, type: "tel", attributes: { autocomplete: "tel", required: true } }],
        ["email", "text", { label: t.contact.email, type: "email", attributes: { autocomplete: "email", required: true } }],
      ],
    },
    {
      key: "sessions",
      legend: t.sessions.legend,
      settings: [
        ["sessionDuration", "number", { label: t.sessions.sessionDuration, hint: t.sessions.sessionDurationHint, type: "number", attributes: { min: "5", max: "480", step: "5", inputmode: "numeric", required: true } }],
        ["sessionPrice", "optionalNumber", { label: t.sessions.sessionPrice, hint: t.sessions.sessionPriceHint, type: "number", attributes: { min: "0", step: "0.01", inputmode: "decimal" } }],
        ["currency", "choice", { label: t.sessions.currency, options: CURRENCIES.map((code) => [code, code]) }],
        ["autoConfirm", "check", { label: t.sessions.autoConfirm }],
        ["cancellationNoticeHours", "number", { label: t.sessions.cancellationNoticeHours, hint: t.sessions.noticeHint, type: "number", attributes: { min: "0", max: "720", step: "1", inputmode: "numeric", required: true } }],
        ["rescheduleNoticeHours", "number", { label: t.sessions.rescheduleNoticeHours, hint: t.sessions.noticeHint, type: "number", attributes: { min: "0", max: "720", step: "1", inputmode: "numeric", required: true } }],
      ],
    },
    {
      key: "payment",
      legend: t.payment.legend,
      settings: [
        ["paymentAtBooking", "check", { label: t.payment.paymentAtBooking, hint: t.payment.paymentAtBookingHint }],
        ["paymentType", "choice", { label: t.payment.paymentType, options: PAYMENT_TYPES.map((type) => [type, t.payment.types[type]]) }],
        ["pixKey", "optionalText", { label: t.payment.pixKey, hint: t.payment.pixKeyHint }],
      ],
    },
    {
      key: "region",
      legend: t.region.legend,
      settings: [
        ["language", "choice", { label: t.region.language, options: Object.entries(t.region.languages) }],
        ["timezone", "choice", { label: t.region.timezone, hint: t.region.timezoneHint, options: zoneOptions(account.timezone) }],
      ],
    },
  ];
}

function same(first, second) {
  return JSON.stringify(first ?? null) === JSON.stringify(second ?? null);
}

// Field messages for keys this group does not show (a rule across groups), for the summary.
function otherMessages(error, entries) {
  return Object.entries((error && error.fields) || {})
    .filter(([name]) => !entries[name])
    .map(([, message]) => message);
}

export async function mount(root, ctx) {
  const texts = textsFor(ctx.language, TEXTS);
  const state = { account: ctx.account };
  const listeners = [];
  const onAccount = (listener) => listeners.push(listener);
  const changed = (account) => {
    state.account = account;
    for (const listener of listeners) listener(account);
  };

  // PATCH /api/account; answers the account, or throws the ApiError. A change the rest of the
  // dashboard shows (the name in the header, the language, the zone) is read again there.
  async function patch(changes) {
    const account = await ctx.api("/api/account", { method: "PATCH", body: changes });
    const before = state.account;
    changed(account);
    if (account.language !== before.language || account.timezone !== before.timezone) {
      const words = textsFor(account.language, TEXTS);
      carriedNotice = account.language !== before.language ? words.savedLanguage : words.saved;
      try {
        await ctx.refreshAccount();
      } catch {
        // Saved all the same: the shell reads the account again at the next load.
      }
      await ctx.navigate(location.pathname, { replace: true });
      return null;
    }
    if (account.name !== before.name) ctx.refreshAccount().catch(() => {});
    return account;
  }

  const notice = resultLine();
  root.append(el("p", {}, texts.intro), notice);

  const screen = el("div", { className: "dash-profile" });
  root.append(screen);
  screen.append(
    slugSection({ texts, state, patch, onAccount, ctx }),
    ...groupsOf(texts, state.account).map((group) => settingsForm({ group, texts, state, patch })),
    visibilitySection({ texts, state, patch, onAccount }),
    avatarSection({ texts, state, ctx, changed }),
    shareSection({ texts, state, onAccount }),
  );

  if (carriedNotice) {
    say(notice, carriedNotice);
    carriedNotice = null;
    notice.focus();
  }
}

// One group of settings: a form with its fieldset, the fields, Save, and its result lines.
function settingsForm({ group, texts, state, patch }) {
  const entries = {};
  const fieldset = el("fieldset", { className: "dash-group" }, el("legend", {}, group.legend));
  if (group.intro) fieldset.append(el("p", { className: "account-hint" }, group.intro));
  for (const [name, kind, options] of group.settings) {
    const id = `profile-${name}`;
    const entry = field({ id, ...options, ...(kind === "check" ? { type: "checkbox" } : {}) });
    entry.kind = KINDS[kind];
    entry.kind.show(entry, state.account[name]);
    entries[name] = entry;
    fieldset.append(entry.wrap);
  }
  const save = el("button", { type: "submit", className: "account-button account-primary" }, texts.save);
  const status = resultLine();
  const alert = resultLine({ alert: true });
  const form = el("form", { className: "dash-form", novalidate: true }, fieldset, alert, el("div", { className: "account-row" }, save), status);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    say(status, "");
    say(alert, "");
    const changes = {};
    let missing = null;
    for (const [name, entry] of Object.entries(entries)) {
      entry.setError("");
      const unreadable = entry.input.validity && entry.input.validity.badInput;
      const value = unreadable ? undefined : entry.kind.read(entry);
      if (value === undefined || value === "" || Number.isNaN(value)) {
        entry.setError(unreadable ? texts.number : texts.required);
        missing = missing || entry;
        continue;
      }
      if (!same(value, state.account[name])) changes[name] = value;
    }
    if (missing) {
      say(alert, texts.fix);
      missing.input.focus();
      return;
    }
    if (!Object.keys(changes).length) {
      say(status, texts.nothing);
      status.focus();
      return;
    }
    try {
      const account = await busy(save, () => patch(changes));
      if (!account) return; // the screen was drawn anew in the new language
      for (const [name, entry] of Object.entries(entries)) entry.kind.show(entry, account[name]);
      say(status, texts.saved);
      status.focus();
    } catch (error) {
      const first = showFieldErrors(entries, error);
      say(alert, [errorText(error, state.account.language), ...otherMessages(error, entries)].join(" "));
      if (first) first.input.focus();
      else alert.focus();
    }
  });
  return form;
}

// The page's address: checked as it is typed, free ones offered, saved on its own.
function slugSection({ texts, state, patch, onAccount, ctx }) {
  const t = texts.slug;
  const slug = field({
    id: "profile-slug",
    label: t.label,
    hint: fill(t.hint, { origin: location.origin }),
    value: state.account.slug,
    attributes: { autocomplete: "off", autocapitalize: "none", spellcheck: "false", maxlength: "40" },
  });
  const check = el("p", { className: "account-hint", id: "profile-slug-check", "aria-live": "polite" });
  slug.input.setAttribute("aria-describedby", `${slug.input.getAttribute("aria-describedby")} profile-slug-check`);
  const offers = el("div", { className: "dash-suggestions" });
  const previous = el("p", { className: "account-hint" });
  const save = el("button", { type: "submit", className: "account-button account-primary" }, texts.save);
  const status = resultLine();
  const alert = resultLine({ alert: true });
  let timer = null;
  let asked = 0;

  function showPrevious(account) {
    const slugs = account.previousSlugs || [];
    say(previous, slugs.length ? fill(t.previous, { slugs: slugs.join(", ") }) : "");
  }

  function offer(suggestions) {
    offers.replaceChildren();
    if (!suggestions || !suggestions.length) return;
    const list = el("ul", { className: "account-row dash-suggestion-list" });
    for (const suggestion of suggestions) {
      list.append(
        el(
          "li",
          {},
          button(fill(t.use, { slug: suggestion }), () => {
            slug.input.value = suggestion;
            slug.setError("");
            offers.replaceChildren();
            slug.input.focus();
            checkNow();
          }),
        ),
      );
    }
    offers.append(el("p", { id: "profile-slug-offers" }, t.suggestions), list);
    list.setAttribute("aria-labelledby", "profile-slug-offers");
  }

  async function checkNow() {
    const wanted = slug.input.value.trim().toLowerCase();
    const count = ++asked;
    if (!wanted || wanted === state.account.slug) {
      check.textContent = "";
      offers.replaceChildren();
      return;
    }
    check.textContent = t.checking;
    try {
      const answer = await ctx.api("/api/account/slug", { query: { slug: wanted } });
      if (count !== asked) return;
      if (answer.available) {
        const own = (state.account.previousSlugs || []).includes(answer.slug);
        check.textContent = fill(own ? t.yours : t.free, { slug: answer.slug });
        offers.replaceChildren();
      } else {
        // The check's own message is not in the professional's language: the reason is.
        const reason = t.reasons[answer.reason] || t.reasons.malformed;
        check.textContent = fill(reason, { slug: answer.slug });
        offer(answer.suggestions);
      }
    } catch {
      if (count === asked) check.textContent = t.unknown;
    }
  }

  slug.input.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(checkNow, SLUG_CHECK_DELAY_MS);
  });

  const form = el(
    "form",
    { className: "dash-form", novalidate: true },
    el("fieldset", { className: "dash-group" }, el("legend", {}, t.legend), slug.wrap, check, offers, previous),
    alert,
    el("div", { className: "account-row" }, save),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    window.clearTimeout(timer);
    say(status, "");
    say(alert, "");
    slug.setError("");
    const wanted = slug.input.value.trim().toLowerCase();
    if (!wanted) {
      slug.setError(texts.required);
      say(alert, texts.fix);
      slug.input.focus();
      return;
    }
    const old = state.account.slug;
    if (wanted === old) {
      say(status, texts.nothing);
      status.focus();
      return;
    }
    try {
      const account = await busy(save, () => patch({ slug: wanted }));
      if (!account) return;
      slug.input.value = account.slug;
      check.textContent = "";
      offers.replaceChildren();
      say(status, fill(t.moved, { slug: account.slug, old }));
      status.focus();
    } catch (error) {
      if (error && error.code === "SLUG_TAKEN") {
        slug.setError(t.conflict);
        check.textContent = "";
        offer(error.suggestions);
        say(alert, t.conflict);
        const first = offers.querySelector("button");
        (first || slug.input).focus();
        return;
      }
      const first = showFieldErrors({ slug }, error);
      say(alert, errorText(error, state.account.language));
      (first ? first.input : alert).focus();
    }
  });
  showPrevious(state.account);
  onAccount(showPrevious);
  return form;
}

// The page live or hidden; hiding it asks first.
function visibilitySection({ texts, state, patch, onAccount }) {
  const t = texts.visibility;
  const section = el("section", { className: "dash-group", "aria-labelledby": "profile-visibility" });
  const now = el("p", {});
  const actions = el("div", {});
  const status = resultLine();
  const alert = resultLine({ alert: true });

  async function change(active, trigger) {
    say(status, "");
    say(alert, "");
    try {
      await busy(trigger, () => patch({ active }));
      draw();
      say(status, active ? t.shown : t.hidden);
      status.focus();
    } catch (error) {
      say(alert, errorText(error, state.account.language));
      alert.focus();
    }
  }

  function ask(start) {
    start.hidden = true;
    const question = el("p", { className: "account-question", tabindex: "-1" }, t.confirm);
    const yes = button(t.yes, () => change(false, yes), { className: "account-button account-danger" });
    const keep = button(t.no, () => {
      box.remove();
      start.hidden = false;
      start.focus();
    });
    const box = el("div", { className: "account-confirm" }, question, el("div", { className: "account-row" }, yes, keep));
    actions.append(box);
    question.focus();
  }

  function draw() {
    const active = state.account.active;
    now.textContent = active ? t.active : t.inactive;
    actions.replaceChildren();
    if (active) {
      const hide = button(t.hide, () => ask(hide));
      actions.append(hide);
    } else {
      const show = button(t.show, () => change(true, show), { className: "account-button account-primary" });
      actions.append(show);
    }
  }

  draw();
  onAccount(draw);
  section.append(el("h2", { id: "profile-visibility" }, t.legend), now, actions, alert, status);
  return section;
}

// The bucket did not take the file: the message is the sentence to show.
class UploadRefused extends Error {}

// The words for an S3 refusal of the presigned POST (its XML error's Code).
async function uploadRefusal(response, t) {
  let answer = "";
  try {
    answer = await response.text();
  } catch {
    answer = "";
  }
  const part = (name) => {
    const found = new RegExp(`<${name}>([^<]*)</${name}>`).exec(answer);
    return found ? found[1] : "";
  };
  const code = part("Code");
  if (code === "EntityTooLarge") return t.tooLarge;
  if (code === "EntityTooSmall") return t.empty;
  if (code === "AccessDenied" && /expired/i.test(part("Message"))) return t.expired;
  return t.refused;
}

// The photo: choose, upload straight to the bucket with the presigned POST, confirm, show it.
function avatarSection({ texts, state, ctx, changed }) {
  const t = texts.avatar;
  const picture = el("div", { className: "dash-avatar" });
  const chooser = field({
    id: "profile-avatar",
    label: t.choose,
    hint: t.hint,
    type: "file",
    attributes: { accept: IMAGE_TYPES.join(",") },
  });
  const upload = button(t.upload, () => send(), { className: "account-button account-primary" });
  const status = resultLine();
  const alert = resultLine({ alert: true });

  function showPicture(url) {
    picture.replaceChildren(url ? el("img", { src: url, alt: t.current, width: "120", height: "120" }) : el("p", {}, t.none));
  }

  function refuse(text) {
    chooser.setError(text);
    say(status, "");
    say(alert, text);
    chooser.input.focus();
  }

  async function send() {
    chooser.setError("");
    say(alert, "");
    const file = chooser.input.files && chooser.input.files[0];
    if (!file) return refuse(t.pick);
    if (!IMAGE_TYPES.includes(file.type)) return refuse(t.wrongType);
    if (file.size > MAX_PHOTO_BYTES) return refuse(t.tooLarge);
    if (!file.size) return refuse(t.empty);
    say(status, t.sending);
    try {
      await busy(upload, async () => {
        const form = await ctx.api("/api/account/avatar", { method: "POST", body: { contentType: file.type } });
        const body = new FormData();
        for (const [name, value] of Object.entries(form.fields)) body.append(name, value);
        body.append("file", file);
        let response;
        try {
          response = await fetch(form.url, { method: "POST", body });
        } catch {
          // No answer from the bucket: the network, or a policy of the page refusing it.
          throw new UploadRefused(t.unreachable);
        }
        if (!response.ok) throw new UploadRefused(await uploadRefusal(response, t));
        const confirmed = await ctx.api("/api/account/avatar/confirm", { method: "POST", body: { key: form.key } });
        changed({ ...state.account, avatarUrl: confirmed.avatarUrl });
        showPicture(confirmed.avatarUrl);
      });
      chooser.input.value = "";
      say(status, t.done);
      status.focus();
    } catch (error) {
      if (error instanceof UploadRefused) return refuse(error.message);
      if (error && error.status === 413) return refuse(t.tooLarge);
      if (error && error.status === 404) return refuse(t.expired);
      if (error && error.status === 400 && error.fields && error.fields.key) return refuse(t.wrongType);
      if (error && error.status === 400 && error.fields && error.fields.contentType) return refuse(t.wrongType);
      refuse(errorText(error, state.account.language));
    }
  }

  showPicture(state.account.avatarUrl);
  return el(
    "section",
    { className: "dash-group", "aria-labelledby": "profile-avatar-heading" },
    el("h2", { id: "profile-avatar-heading" }, t.legend),
    picture,
    chooser.wrap,
    alert,
    el("div", { className: "account-row" }, upload),
    status,
  );
}

// Copies `text`; where the clipboard refuses, selects the shown text for the person to copy.
async function copyText(text, shown, status, t) {
  try {
    if (!navigator.clipboard) throw new Error("no clipboard");
    await navigator.clipboard.writeText(text);
    say(status, t.copied);
  } catch {
    const selection = window.getSelection();
    selection.removeAllRanges();
    const range = document.createRange();
    range.selectNodeContents(shown);
    selection.addRange(range);
    say(status, t.selected);
  }
}

// Text as an HTML attribute's value in a snippet the professional pastes into their own site.
function attributeText(text) {
  return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function snippetsOf(account, texts) {
  const origin = location.origin;
  const title = attributeText(fill(texts.share.iframeTitle, { name: account.name }));
  return [
    ["inline", `<script src="${origin}/embed.js" data-agenda="${account.slug}" async></script>`],
    ["popup", `<script src="${origin}/embed.js" data-agenda="${account.slug}" data-mode="popup" async></script>`],
    ["iframe", `<iframe src="${origin}/embed/${account.slug}" title="${title}" width="100%" height="720" loading="lazy"></iframe>`],
  ];
}

// The public page's link and the embed snippets, each with a copy button.
function shareSection({ texts, state, onAccount }) {
  const t = texts.share;
  const section = el("section", { className: "dash-group dash-share", "aria-labelledby": "profile-share" });

  function draw(account) {
    const url = `${location.origin}/p/${account.slug}`;
    const linkStatus = resultLine();
    const shownLink = el("a", { href: `/p/${encodeURIComponent(account.slug)}`, id: "profile-page-link" }, url);
    const parts = [
      el("h2", { id: "profile-share" }, t.legend),
      account.active ? null : el("p", { className: "account-alert" }, t.hiddenNote),
      el("h3", {}, t.link),
      el("p", { className: "dash-share-link" }, shownLink),
      el("div", { className: "account-row" }, button(t.copyLink, () => copyText(url, shownLink, linkStatus, t))),
      linkStatus,
    ];
    for (const [kind, code] of snippetsOf(account, texts)) {
      const id = `profile-snippet-${kind}`;
      const shown = el("pre", { className: "dash-snippet", id }, el("code", {}, code));
      const copyStatus = resultLine();
      const copy = button(fill(t.copy, { what: t[kind] }), () => copyText(code, shown, copyStatus, t));
      parts.push(
        el("h3", { id: `${id}-heading` }, t[kind]),
        el("p", { className: "account-hint" }, t[`${kind}Hint`]),
        shown,
        el("div", { className: "account-row" }, copy),
        copyStatus,
      );
    }
    section.replaceChildren(...parts.filter(Boolean));
  }

  draw(state.account);
  onAccount(draw);
  return section;
}
