// /dashboard/availability: the professional's hours and scheduling settings. It reads the
// document (GET /api/availability) and edits it as a whole: the weekly hours (several windows a
// day, added, removed, copied to other days), dates with their own hours (overrides), days off
// (a date or a range, with a reason), the session length, buffers before and after, the slot
// step, the minimum notice, the booking horizon and the time zone. "Show free times" sends the
// unsaved document to POST /api/availability/preview (the one slot engine answers; nothing is
// computed here) and lists the next days' times grouped by day in the document's zone; "Save"
// replaces the document (PUT /api/availability). A 400 names paths of the document sent
// ("weekly[2].end"): each lands at the input it came from, with a summary in role=alert.
// Unsaved changes are said on the page, and again when the screen is left.

import { el, button, statusLine } from "/assets/js/account-ui.js";
import { busy, errorText, field, localInstant, todayIn, zoneOptions } from "/assets/js/dashboard-kit.js";
import { fill, formatDay, formatTime, textsFor } from "/assets/js/i18n.js";

const TEXTS = {
  "pt-BR": {
    heading: "Seus horários",
    intro: "Os horários em que os clientes podem marcar. Nada muda na sua página até você salvar.",
    weeklyHeading: "Horários da semana",
    weeklyHint: "Horários de início e fim em quartos de hora (:00, :15, :30, :45). Um dia sem intervalos fica fechado.",
    window: "intervalo {number}",
    from: "das",
    to: "até",
    removeWindow: "Remover intervalo {number} de {day}",
    removeWindowShort: "Remover",
    addWindow: "Adicionar intervalo em {day}",
    closed: "Fechado",
    copy: "Copiar {day} para outros dias",
    copyQuestion: "Substituir os horários dos dias escolhidos pelos de {day}?",
    copyDays: "Dias que recebem os horários de {day}",
    copyYes: "Copiar",
    copyNo: "Cancelar",
    copied: "Horários de {day} copiados para {days}.",
    copyNone: "Escolha pelo menos um dia.",
    overridesHeading: "Datas com horários próprios",
    overridesHint: "Nessas datas, estes intervalos substituem os da semana.",
    noOverrides: "Nenhuma data com horários próprios.",
    overrideLabel: "Data {number}",
    overrideDate: "Data {number}: dia",
    overrideWindow: "Data {number}, intervalo {window}",
    addOverride: "Adicionar uma data com horários próprios",
    removeOverride: "Remover a data {number}",
    addOverrideWindow: "Adicionar intervalo à data {number}",
    blockedHeading: "Dias de folga",
    blockedHint: "Dias sem nenhum horário (férias, feriados). Para um dia só, use a mesma data no início e no fim.",
    noBlocked: "Nenhum dia de folga.",
    blockedLabel: "Folga {number}",
    blockedStart: "Folga {number}: primeiro dia",
    blockedEnd: "Folga {number}: último dia",
    blockedReason: "Folga {number}: motivo (opcional)",
    addBlocked: "Adicionar dias de folga",
    removeBlocked: "Remover a folga {number}",
    settingsHeading: "Sessões e regras",
    sessionDuration: "Duração da sessão, em minutos",
    bufferBefore: "Intervalo livre antes de cada sessão, em minutos",
    bufferAfter: "Intervalo livre depois de cada sessão, em minutos",
    bufferHint: "De 0 a 240, múltiplos de 5.",
    slotStep: "Minutos entre um início e o próximo",
    slotStepHint: "Vazio: uma sessão depois da outra, com os intervalos livres. 15 ou 30 oferecem mais inícios.",
    minNotice: "Antecedência mínima, em minutos",
    minNoticeHint: "Ninguém marca com menos antecedência que isto (120 = 2 horas).",
    horizon: "Agenda aberta por quantos dias",
    horizonHint: "De 1 a 730 dias a partir de hoje.",
    timezone: "Fuso horário",
    timezoneHint: "Os horários acima são horas locais deste fuso.",
    preview: "Ver horários livres",
    save: "Salvar",
    saved: "Horários salvos. A sua página já oferece os novos horários.",
    unsaved: "Há alterações não salvas.",
    leftUnsaved: "As alterações nos horários não foram salvas.",
    previewHeading: "Horários livres nos próximos {days} dias",
    previewIntro: "Assim a sua página ficaria com os horários acima, no fuso {zone}. Nada foi salvo.",
    previewStale: "Você mudou os horários depois desta prévia: veja de novo para atualizar.",
    previewEmpty: "Nenhum horário livre nos próximos {days} dias com estes horários.",
    previewDone: "{count} dias com horários livres.",
    previewTimes: "{count} horários",
    invalid: "Os horários não foram salvos: corrija os campos marcados.",
    invalidPreview: "Não foi possível mostrar os horários livres: corrija os campos marcados.",
    notProfessional: "Esta conta não tem horários de profissional.",
  },
  en: {
    heading: "Your hours",
    intro: "The times clients can book. Nothing changes on your page until you save.",
    weeklyHeading: "Weekly hours",
    weeklyHint: "Start and end on quarter hours (:00, :15, :30, :45). A day without windows is closed.",
    window: "window {number}",
    from: "from",
    to: "to",
    removeWindow: "Remove window {number} of {day}",
    removeWindowShort: "Remove",
    addWindow: "Add a window on {day}",
    closed: "Closed",
    copy: "Copy {day} to other days",
    copyQuestion: "Replace the hours of the chosen days with {day}'s?",
    copyDays: "Days that get {day}'s hours",
    copyYes: "Copy",
    copyNo: "Cancel",
    copied: "{day}'s hours copied to {days}.",
    copyNone: "Choose at least one day.",
    overridesHeading: "Dates with their own hours",
    overridesHint: "On these dates, these windows replace the weekly ones.",
    noOverrides: "No date has its own hours.",
    overrideLabel: "Date {number}",
    overrideDate: "Date {number}: day",
    overrideWindow: "Date {number}, window {window}",
    addOverride: "Add a date with its own hours",
    removeOverride: "Remove date {number}",
    addOverrideWindow: "Add a window to date {number}",
    blockedHeading: "Days off",
    blockedHint: "Days with no times at all (vacation, holidays). For a single day, use the same date as first and last.",
    noBlocked: "No days off.",
    blockedLabel: "Days off {number}",
    blockedStart: "Days off {number}: first day",
    blockedEnd: "Days off {number}: last day",
    blockedReason: "Days off {number}: reason (optional)",
    addBlocked: "Add days off",
    removeBlocked: "Remove days off {number}",
    settingsHeading: "Sessions and rules",
    sessionDuration: "Session length, in minutes",
    bufferBefore: "Free time before each session, in minutes",
    bufferAfter: "Free time after each session, in minutes",
    bufferHint: "0 to 240, multiples of 5.",
    slotStep: "Minutes between one start and the next",
    slotStepHint: "Empty: one session after another, free time included. 15 or 30 offer more starts.",
    minNotice: "Minimum notice, in minutes",
    minNoticeHint: "Nobody books with less notice than this (120 = 2 hours).",
    horizon: "Bookings open for how many days",
    horizonHint: "1 to 730 days from today.",
    timezone: "Time zone",
    timezoneHint: "The hours above are local times of this zone.",
    preview: "Show free times",
    save: "Save",
    saved: "Hours saved. Your page now offers the new times.",
    unsaved: "You have unsaved changes.",
    leftUnsaved: "Your changes to the hours were not saved.",
    previewHeading: "Free times in the next {days} days",
    previewIntro: "Your page would offer these with the hours above, in {zone}. Nothing was saved.",
    previewStale: "You changed the hours after this preview: show it again to update it.",
    previewEmpty: "No free time in the next {days} days with these hours.",
    previewDone: "{count} days with free times.",
    previewTimes: "{count} times",
    invalid: "The hours were not saved: fix the marked fields.",
    invalidPreview: "The free times could not be shown: fix the marked fields.",
    notProfessional: "This account has no professional hours.",
  },
};

// Monday first, as a working week reads; the document's weekday is 0 = Sunday ... 6 = Saturday.
const WEEK_ORDER = [1, 2, 3, 4, 5, 6, 0];
const PREVIEW_DAYS = 14;
const QUARTER_HOUR = 900; // seconds, the time inputs' step

let screenCount = 0;

// "Monday" / "Segunda-feira" for weekday 0-6 (2023-01-01 was a Sunday).
function weekdayName(weekday, language) {
  const name = new Intl.DateTimeFormat(language, { weekday: "long", timeZone: "UTC" }).format(
    new Date(Date.UTC(2023, 0, 1 + weekday)),
  );
  return name.charAt(0).toUpperCase() + name.slice(1);
}

// The document's lists as the form keeps them: windows by weekday, overrides, blocked periods.
function stateOf(availability) {
  const weekly = {};
  for (const day of WEEK_ORDER) weekly[day] = [];
  for (const window of availability.weekly || []) {
    weekly[window.weekday].push({ start: window.start, end: window.end });
  }
  return {
    weekly,
    overrides: (availability.overrides || []).map((override) => ({
      date: override.date,
      windows: override.windows.map((window) => ({ start: window.start, end: window.end })),
    })),
    blocked: (availability.blocked || []).map((period) => ({
      start: period.start,
      end: period.end,
      reason: period.reason || "",
    })),
  };
}

// A number input's value as the API takes it: a number, null when empty (if allowed), else the
// text itself so that the API names what is wrong with it.
function numberOf(input, { empty = null } = {}) {
  const text = input.value.trim();
  if (text === "") return empty;
  return /^-?\d+$/.test(text) ? Number(text) : text;
}

export async function mount(root, ctx) {
  const texts = textsFor(ctx.language, TEXTS);
  const language = ctx.language;
  const dayName = (weekday) => weekdayName(weekday, language);
  const prefix = `avail-${++screenCount}`;
  let idCount = 0;
  const nextId = (what) => `${prefix}-${what}-${++idCount}`;

  const stored = await ctx.api("/api/availability");
  let state = stateOf(stored);
  let savedJson = "";
  let previewShown = null; // the document JSON the preview shows, or null

  // --- the page's parts ----------------------------------------------------------------------
  const status = statusLine("");
  status.setAttribute("tabindex", "-1");
  const summary = el("div", { className: "avail-summary", role: "alert", tabindex: "-1" });
  const unsavedLine = el("p", { className: "avail-unsaved", "aria-live": "polite" });

  const weeklyList = el("div", { className: "avail-days" });
  const overridesList = el("div", { className: "avail-items" });
  const blockedList = el("div", { className: "avail-items" });

  // A whole number of the document, with its bounds (the API still decides).
  const numberField = (what, label, value, hint, [min, max, step]) =>
    field({
      id: nextId(what),
      label,
      type: "number",
      value,
      hint,
      attributes: { min, max, step, inputmode: "numeric" },
    });
  const sessionField = numberField("session", texts.sessionDuration, stored.sessionDuration, null, [5, 480, 5]);
  const beforeField = numberField("before", texts.bufferBefore, stored.bufferBeforeMinutes, texts.bufferHint, [0, 240, 5]);
  const afterField = numberField("after", texts.bufferAfter, stored.bufferAfterMinutes, texts.bufferHint, [0, 240, 5]);
  const stepField = numberField("step", texts.slotStep, stored.slotStepMinutes, texts.slotStepHint, [5, 480, 5]);
  const noticeField = numberField("notice", texts.minNotice, stored.minNoticeMinutes, texts.minNoticeHint, [0, 43200, 5]);
  const horizonField = numberField("horizon", texts.horizon, stored.bookingHorizonDays, texts.horizonHint, [1, 730, 1]);
  const zoneField = field({
    id: nextId("zone"),
    label: texts.timezone,
    hint: texts.timezoneHint,
    options: zoneOptions(stored.timezone),
    value: stored.timezone,
  });
  const settingFields = {
    timezone: zoneField,
    sessionDuration: sessionField,
    bufferBeforeMinutes: beforeField,
    bufferAfterMinutes: afterField,
    slotStepMinutes: stepField,
    minNoticeMinutes: noticeField,
    bookingHorizonDays: horizonField,
  };

  const previewButton = button(texts.preview, () => preview());
  const saveButton = el("button", { type: "submit", className: "account-button account-primary" }, texts.save);
  const previewPanel = el("section", { className: "avail-preview", "aria-labelledby": `${prefix}-preview-heading` });
  previewPanel.hidden = true;

  // --- building the document, and the input each of its paths came from --------------------
  function documentOf() {
    const paths = {};
    const weekly = [];
    for (const day of WEEK_ORDER) {
      for (const window of state.weekly[day]) {
        const index = weekly.length;
        weekly.push({ weekday: day, start: window.start, end: window.end });
        if (window.fields) {
          paths[`weekly[${index}]`] = window.fields.start;
          paths[`weekly[${index}].weekday`] = window.fields.start;
          paths[`weekly[${index}].start`] = window.fields.start;
          paths[`weekly[${index}].end`] = window.fields.end;
        }
      }
    }
    const overrides = state.overrides.map((override, index) => {
      if (override.fields) {
        paths[`overrides[${index}]`] = override.fields.date;
        paths[`overrides[${index}].date`] = override.fields.date;
        paths[`overrides[${index}].windows`] = override.fields.date;
      }
      return {
        date: override.date,
        windows: override.windows.map((window, position) => {
          if (window.fields) {
            const name = `overrides[${index}].windows[${position}]`;
            paths[name] = window.fields.start;
            paths[`${name}.start`] = window.fields.start;
            paths[`${name}.end`] = window.fields.end;
          }
          return { start: window.start, end: window.end };
        }),
      };
    });
    const blocked = state.blocked.map((period, index) => {
      if (period.fields) {
        paths[`blocked[${index}]`] = period.fields.start;
        paths[`blocked[${index}].start`] = period.fields.start;
        paths[`blocked[${index}].end`] = period.fields.end;
        paths[`blocked[${index}].reason`] = period.fields.reason;
      }
      const reason = period.reason.trim();
      return { start: period.start, end: period.end, reason: reason === "" ? null : reason };
    });
    for (const [name, entry] of Object.entries(settingFields)) paths[name] = entry;
    const body = {
      timezone: zoneField.input.value,
      sessionDuration: numberOf(sessionField.input, { empty: "" }),
      bufferBeforeMinutes: numberOf(beforeField.input, { empty: 0 }),
      bufferAfterMinutes: numberOf(afterField.input, { empty: 0 }),
      slotStepMinutes: numberOf(stepField.input),
      minNoticeMinutes: numberOf(noticeField.input, { empty: 0 }),
      bookingHorizonDays: numberOf(horizonField.input, { empty: "" }),
      weekly,
      overrides,
      blocked,
    };
    return { body, paths };
  }

  // Every input of the form, in the page's order (the first with an error takes the focus).
  function allFields() {
    const entries = new Set();
    const add = (fields) => {
      for (const entry of Object.values(fields || {})) entries.add(entry);
    };
    for (const day of WEEK_ORDER) state.weekly[day].forEach((window) => add(window.fields));
    for (const override of state.overrides) {
      add(override.fields);
      override.windows.forEach((window) => add(window.fields));
    }
    state.blocked.forEach((period) => add(period.fields));
    add(settingFields);
    return entries;
  }

  function clearErrors() {
    for (const entry of allFields()) entry.setError("");
    summary.replaceChildren();
  }

  // A 400's fields at their inputs (several messages for one input are joined), the summary
  // naming each; answers the first input to focus.
  function showErrors(error, paths, heading) {
    clearErrors();
    const messages = new Map();
    const loose = [];
    for (const [name, message] of Object.entries(error.fields || {})) {
      const entry = paths[name];
      if (entry) messages.set(entry, [...(messages.get(entry) || []), message]);
      else loose.push(message);
    }
    const items = [];
    let first = null;
    for (const entry of allFields()) {
      const list = messages.get(entry);
      if (!list) continue;
      entry.setError(list.join(" "));
      if (!first) first = entry;
    }
    for (const [entry, list] of messages) {
      const label = entry.wrap.querySelector("label").textContent;
      items.push(el("li", {}, `${label}: ${list.join(" ")}`));
    }
    for (const message of loose) items.push(el("li", {}, message));
    summary.replaceChildren(el("p", {}, heading));
    if (items.length) summary.append(el("ul", {}, items));
    return first;
  }

  // A failed preview or save: a 400 naming fields at its inputs (the first takes the focus),
  // anything else in the summary.
  function showRefusal(error, paths, heading) {
    if (error && error.status === 400 && error.fields && Object.keys(error.fields).length) {
      const first = showErrors(error, paths, heading);
      (first ? first.input : summary).focus();
    } else {
      showFailure(error);
    }
  }

  function showFailure(error) {
    clearErrors();
    summary.replaceChildren(el("p", {}, error && error.status === 403 ? texts.notProfessional : errorText(error, language)));
    summary.focus();
  }

  function changed() {
    const json = JSON.stringify(documentOf().body);
    unsavedLine.textContent = json === savedJson ? "" : texts.unsaved;
    const stale = previewPanel.querySelector(".avail-stale");
    if (stale) stale.hidden = previewShown === null || json === previewShown;
  }

  // --- a window's two time inputs -------------------------------------------------------------
  function timeInputs(window, labelFor, onRemove, removeLabel) {
    const makeTime = (which, text) => {
      const entry = field({
        id: nextId(which),
        label: [el("span", { className: "visually-hidden" }, `${labelFor}, `), text],
        type: "time",
        value: window[which],
        attributes: { step: QUARTER_HOUR },
      });
      entry.input.addEventListener("input", () => {
        window[which] = entry.input.value;
        changed();
      });
      return entry;
    };
    const start = makeTime("start", texts.from);
    const end = makeTime("end", texts.to);
    window.fields = { start, end };
    const remove = el(
      "button",
      { type: "button", className: "account-button avail-remove", "aria-label": removeLabel },
      texts.removeWindowShort,
    );
    remove.addEventListener("click", onRemove);
    return el(
      "div",
      { className: "avail-window", role: "group", "aria-label": labelFor },
      el("span", { className: "avail-window-name", "aria-hidden": "true" }, labelFor),
      el("div", { className: "avail-window-times" }, start.wrap, end.wrap),
      remove,
    );
  }

  // --- the weekly hours -------------------------------------------------------------------------
  const dayBoxes = {};

  function renderDay(day) {
    const name = dayName(day);
    const box = dayBoxes[day] || el("fieldset", { className: "avail-day" });
    dayBoxes[day] = box;
    const windows = state.weekly[day];
    const list = el("div", { className: "avail-windows" });
    if (!windows.length) list.append(el("p", { className: "account-hint" }, texts.closed));
    windows.forEach((window, index) => {
      const label = `${name}, ${fill(texts.window, { number: index + 1 })}`;
      list.append(
        timeInputs(window, label, () => {
          windows.splice(index, 1);
          renderDay(day);
          changed();
          dayBoxes[day].querySelector(".avail-add").focus();
        }, fill(texts.removeWindow, { number: index + 1, day: name })),
      );
    });
    const add = button(fill(texts.addWindow, { day: name }), () => {
      const last = windows[windows.length - 1];
      windows.push(last ? { start: last.end, end: "" } : { start: "09:00", end: "" });
      renderDay(day);
      changed();
      const inputs = dayBoxes[day].querySelectorAll(".avail-window input");
      inputs[inputs.length - 2].focus();
    }, { className: "account-button avail-add" });
    const copy = button(fill(texts.copy, { day: name }), () => openCopy(day, copy), { className: "account-button avail-copy" });
    box.replaceChildren(
      el("legend", {}, name),
      list,
      el("div", { className: "account-row avail-actions" }, add, copy),
    );
    return box;
  }

  // The question of copying one day's windows to others: which days, then copy or cancel.
  function openCopy(day, opener) {
    const box = dayBoxes[day];
    const old = box.querySelector(".account-confirm");
    if (old) old.remove();
    const name = dayName(day);
    const checks = WEEK_ORDER.filter((other) => other !== day).map((other) => {
      const id = nextId("copy");
      const input = el("input", { type: "checkbox", id, value: String(other) });
      return { other, input, wrap: el("div", { className: "dash-check" }, input, el("label", { for: id }, dayName(other))) };
    });
    const error = el("p", { className: "account-field-error", role: "alert" });
    const close = () => {
      question.remove();
      opener.focus();
    };
    const yes = button(texts.copyYes, () => {
      const chosen = checks.filter((check) => check.input.checked).map((check) => check.other);
      if (!chosen.length) {
        error.textContent = texts.copyNone;
        checks[0].input.focus();
        return;
      }
      for (const other of chosen) {
        state.weekly[other] = state.weekly[day].map((window) => ({ start: window.start, end: window.end }));
        renderDay(other);
      }
      question.remove();
      changed();
      status.textContent = fill(texts.copied, { day: name, days: chosen.map(dayName).join(", ") });
      opener.focus();
    }, { className: "account-button account-primary" });
    const no = button(texts.copyNo, close);
    const question = el(
      "div",
      { className: "account-confirm avail-copy-question" },
      el("fieldset", { className: "avail-copy-days" }, el("legend", {}, fill(texts.copyDays, { day: name })), checks.map((check) => check.wrap)),
      el("p", {}, fill(texts.copyQuestion, { day: name })),
      error,
      el("div", { className: "account-row" }, yes, no),
    );
    question.addEventListener("keydown", (event) => {
      if (event.key === "Escape") close();
    });
    box.append(question);
    checks[0].input.focus();
  }

  // --- dates with their own hours -------------------------------------------------------------
  function renderOverrides() {
    overridesList.replaceChildren();
    if (!state.overrides.length) overridesList.append(el("p", { className: "account-hint" }, texts.noOverrides));
    state.overrides.forEach((override, index) => {
      const number = index + 1;
      const date = field({ id: nextId("override-date"), label: fill(texts.overrideDate, { number }), type: "date", value: override.date });
      date.input.addEventListener("input", () => {
        override.date = date.input.value;
        changed();
      });
      override.fields = { date };
      const windows = el("div", { className: "avail-windows" });
      override.windows.forEach((window, position) => {
        const label = fill(texts.overrideWindow, { number, window: position + 1 });
        windows.append(
          timeInputs(window, label, () => {
            override.windows.splice(position, 1);
            renderOverrides();
            changed();
            overridesList.querySelectorAll(".avail-item")[index].querySelector(".avail-add").focus();
          }, fill(texts.removeWindow, { number: position + 1, day: fill(texts.overrideLabel, { number }) })),
        );
      });
      const add = button(fill(texts.addOverrideWindow, { number }), () => {
        const last = override.windows[override.windows.length - 1];
        override.windows.push(last ? { start: last.end, end: "" } : { start: "09:00", end: "" });
        renderOverrides();
        changed();
        const inputs = overridesList.querySelectorAll(".avail-item")[index].querySelectorAll(".avail-window input");
        inputs[inputs.length - 2].focus();
      }, { className: "account-button avail-add" });
      const remove = button(fill(texts.removeOverride, { number }), () => {
        state.overrides.splice(index, 1);
        renderOverrides();
        changed();
        addOverride.focus();
      }, { className: "account-button account-danger" });
      overridesList.append(
        el(
          "fieldset",
          { className: "avail-item" },
          el("legend", {}, fill(texts.overrideLabel, { number })),
          date.wrap,
          windows,
          el("div", { className: "account-row avail-actions" }, add, remove),
        ),
      );
    });
  }

  const addOverride = button(texts.addOverride, () => {
    state.overrides.push({ date: "", windows: [{ start: "09:00", end: "12:00" }] });
    renderOverrides();
    changed();
    const items = overridesList.querySelectorAll(".avail-item");
    items[items.length - 1].querySelector("input").focus();
  });

  // --- days off ----------------------------------------------------------------------------------
  function renderBlocked() {
    blockedList.replaceChildren();
    if (!state.blocked.length) blockedList.append(el("p", { className: "account-hint" }, texts.noBlocked));
    state.blocked.forEach((period, index) => {
      const number = index + 1;
      const bind = (entry, key) => {
        entry.input.addEventListener("input", () => {
          period[key] = entry.input.value;
          changed();
        });
        return entry;
      };
      const dateField = (key, label) =>
        bind(field({ id: nextId(`blocked-${key}`), label: fill(label, { number }), type: "date", value: period[key] }), key);
      const start = dateField("start", texts.blockedStart);
      const end = dateField("end", texts.blockedEnd);
      const reasonLabel = fill(texts.blockedReason, { number });
      const reasonInput = field({ id: nextId("blocked-reason"), label: reasonLabel, value: period.reason, attributes: { maxlength: 200 } });
      const reason = bind(reasonInput, "reason");
      period.fields = { start, end, reason };
      // A first day chosen with no last day yet: the same day, the common case.
      start.input.addEventListener("change", () => {
        if (!end.input.value && start.input.value) {
          end.input.value = start.input.value;
          period.end = start.input.value;
          changed();
        }
      });
      const remove = button(fill(texts.removeBlocked, { number }), () => {
        state.blocked.splice(index, 1);
        renderBlocked();
        changed();
        addBlocked.focus();
      }, { className: "account-button account-danger" });
      blockedList.append(
        el(
          "fieldset",
          { className: "avail-item" },
          el("legend", {}, fill(texts.blockedLabel, { number })),
          el("div", { className: "avail-dates" }, start.wrap, end.wrap),
          reason.wrap,
          el("div", { className: "account-row avail-actions" }, remove),
        ),
      );
    });
  }

  const addBlocked = button(texts.addBlocked, () => {
    state.blocked.push({ start: "", end: "", reason: "" });
    renderBlocked();
    changed();
    const items = blockedList.querySelectorAll(".avail-item");
    items[items.length - 1].querySelector("input").focus();
  });

  function renderAll() {
    weeklyList.replaceChildren(...WEEK_ORDER.map(renderDay));
    renderOverrides();
    renderBlocked();
  }

  // --- preview and save -------------------------------------------------------------------------
  function renderPreview(answer, json) {
    const zone = answer.timezone;
    const days = (answer.days || []).filter((day) => day.slots.length);
    const heading = el("h3", { id: `${prefix}-preview-heading`, tabindex: "-1" }, fill(texts.previewHeading, { days: PREVIEW_DAYS }));
    const stale = el("p", { className: "avail-stale account-alert" }, texts.previewStale);
    stale.hidden = true;
    const list = el(
      "ul",
      { className: "dash-cards avail-preview-days" },
      days.map((day) => {
        const label = formatDay(localInstant(day.date, "12:00", zone) || `${day.date}T12:00:00Z`, language, zone);
        return el(
          "li",
          { className: "dash-card avail-preview-day", "data-date": day.date },
          el("h4", {}, label),
          el(
            "ul",
            { className: "avail-times", "aria-label": `${label}: ${fill(texts.previewTimes, { count: day.slots.length })}` },
            day.slots.map((slot) => el("li", {}, formatTime(slot.startsAt, language, zone))),
          ),
        );
      }),
    );
    previewPanel.replaceChildren(
      heading,
      el("p", { className: "account-hint" }, fill(texts.previewIntro, { zone })),
      stale,
      days.length ? list : el("p", {}, fill(texts.previewEmpty, { days: PREVIEW_DAYS })),
    );
    previewPanel.hidden = false;
    previewShown = json;
    heading.focus();
    ctx.announce(days.length ? fill(texts.previewDone, { count: days.length }) : fill(texts.previewEmpty, { days: PREVIEW_DAYS }));
  }

  async function preview() {
    const { body, paths } = documentOf();
    const json = JSON.stringify(body);
    status.textContent = "";
    await busy(previewButton, async () => {
      try {
        const zone = typeof body.timezone === "string" && body.timezone ? body.timezone : ctx.zone;
        let date;
        try {
          date = todayIn(zone);
        } catch {
          date = todayIn(ctx.zone);
        }
        const answer = await ctx.api("/api/availability/preview", {
          method: "POST",
          body,
          query: { date, days: PREVIEW_DAYS },
        });
        clearErrors();
        renderPreview(answer, json);
      } catch (error) {
        showRefusal(error, paths, texts.invalidPreview);
      }
    });
  }

  async function save(event) {
    event.preventDefault();
    const { body, paths } = documentOf();
    status.textContent = "";
    await busy(saveButton, async () => {
      try {
        const answer = await ctx.api("/api/availability", { method: "PUT", body });
        clearErrors();
        const zoneChanged = answer.timezone !== ctx.zone;
        state = stateOf(answer);
        setSettings(answer);
        renderAll();
        savedJson = JSON.stringify(documentOf().body);
        changed();
        status.textContent = texts.saved;
        status.focus();
        if (zoneChanged && ctx.refreshAccount) ctx.refreshAccount().catch(() => {});
      } catch (error) {
        showRefusal(error, paths, texts.invalid);
      }
    });
  }

  function setSettings(availability) {
    zoneField.input.value = availability.timezone;
    sessionField.input.value = String(availability.sessionDuration);
    beforeField.input.value = String(availability.bufferBeforeMinutes);
    afterField.input.value = String(availability.bufferAfterMinutes);
    stepField.input.value = availability.slotStepMinutes === null ? "" : String(availability.slotStepMinutes);
    noticeField.input.value = String(availability.minNoticeMinutes);
    horizonField.input.value = String(availability.bookingHorizonDays);
  }

  for (const entry of Object.values(settingFields)) entry.input.addEventListener("input", changed);
  zoneField.input.addEventListener("change", changed);

  const form = el(
    "form",
    { className: "avail-form", novalidate: true },
    el(
      "section",
      { className: "avail-section", "aria-labelledby": `${prefix}-weekly` },
      el("h3", { id: `${prefix}-weekly` }, texts.weeklyHeading),
      el("p", { className: "account-hint" }, texts.weeklyHint),
      weeklyList,
    ),
    el(
      "section",
      { className: "avail-section", "aria-labelledby": `${prefix}-overrides` },
      el("h3", { id: `${prefix}-overrides` }, texts.overridesHeading),
      el("p", { className: "account-hint" }, texts.overridesHint),
      overridesList,
      el("div", { className: "account-row" }, addOverride),
    ),
    el(
      "section",
      { className: "avail-section", "aria-labelledby": `${prefix}-blocked` },
      el("h3", { id: `${prefix}-blocked` }, texts.blockedHeading),
      el("p", { className: "account-hint" }, texts.blockedHint),
      blockedList,
      el("div", { className: "account-row" }, addBlocked),
    ),
    el(
      "section",
      { className: "avail-section dash-form", "aria-labelledby": `${prefix}-settings` },
      el("h3", { id: `${prefix}-settings` }, texts.settingsHeading),
      sessionField.wrap,
      beforeField.wrap,
      afterField.wrap,
      stepField.wrap,
      noticeField.wrap,
      horizonField.wrap,
      zoneField.wrap,
    ),
    el("div", { className: "avail-bar" }, unsavedLine, el("div", { className: "account-row" }, previewButton, saveButton)),
  );
  form.addEventListener("submit", save);

  renderAll();
  savedJson = JSON.stringify(documentOf().body);

  root.append(
    el("h2", {}, texts.heading),
    el("p", {}, texts.intro),
    summary,
    status,
    form,
    previewPanel,
  );

  return {
    unmount() {
      if (JSON.stringify(documentOf().body) !== savedJson) ctx.announce(texts.leftUnsaved);
    },
  };
}
