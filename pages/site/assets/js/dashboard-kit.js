// What the dashboard's screens share: the words for a failed call, a labelled field with its
// hint and its error, a button that is busy while its call runs, and the professional's
// calendar (today's date in their zone, a local date and time there as an instant).
//
// A screen is a module with `export async function mount(root, ctx)`; the shell
// (dashboard-page.js) gives it `root` (an empty element below the page's h1) and `ctx`:
//   ctx.account            the account as GET /api/account answers it (kept fresh)
//   ctx.language, ctx.zone the professional's language ("pt-BR" | "en") and IANA zone
//   ctx.route              {screen, id, params (URLSearchParams), hash}
//   ctx.api(path, options) api.js's call with the sign-in's token and the language
//   ctx.navigate(path)     another screen, as a link would (history, heading, focus)
//   ctx.announce(text)     said politely by screen readers
//   ctx.setHeading(text)   the page's h1 (and title), for a screen that knows more (a name)
//   ctx.refreshAccount()   reads the account again (after a change); answers it
//   ctx.refreshUnread()    reads the unread notifications' count again for the header
// mount resolves once the screen shows what it read (the shell marks the page aria-busy until
// then, and shows mount's failure with a retry), and may answer {unmount()} to be told when
// another screen replaces it.

import { el } from "/assets/js/account-ui.js";
import { fill, languageOf, textsFor } from "/assets/js/i18n.js";

const TEXTS = {
  "pt-BR": {
    network: "Sem conexão. Verifique a sua internet e tente de novo.",
    limited: "Muitas tentativas. Tente de novo em {seconds} segundos.",
    limitedSoon: "Muitas tentativas. Tente de novo daqui a pouco.",
    failed: "Algo deu errado do nosso lado. Tente de novo em instantes.",
  },
  en: {
    network: "No connection. Check your internet and try again.",
    limited: "Too many tries. Try again in {seconds} seconds.",
    limitedSoon: "Too many tries. Try again in a little while.",
    failed: "Something went wrong on our side. Please try again in a moment.",
  },
};

// The sentence for a failed call: ours for the network, a 429 and a 5xx; the API's own message
// (in the professional's language, which every call asks for) for the rest.
export function errorText(error, language) {
  const texts = textsFor(language, TEXTS);
  if (!error || error.status === undefined) return texts.failed;
  if (error.status === 0) return texts.network;
  if (error.status === 429) {
    return error.retryAfter ? fill(texts.limited, { seconds: error.retryAfter }) : texts.limitedSoon;
  }
  if (error.status >= 500 || !error.message) return texts.failed;
  return error.message;
}

let fieldCount = 0;

// field({id, label, type, value, hint, options: [[value, text]], multiline, attributes})
// answers {wrap, input, setError(text)}: the label names the input, the hint and the error
// describe it, and an error marks it aria-invalid. A checkbox (type "checkbox", `value` its
// checked state) has its label beside it.
export function field({ id, label, type = "text", value, hint, options, multiline = false, attributes = {} }) {
  const inputId = id || `dash-field-${++fieldCount}`;
  const hintId = `${inputId}-hint`;
  const errorId = `${inputId}-error`;
  const checkbox = type === "checkbox";
  let input;
  if (options) {
    input = el("select", { id: inputId, ...attributes });
    for (const [optionValue, text] of options) input.append(el("option", { value: optionValue }, text));
  } else if (multiline) {
    input = el("textarea", { id: inputId, ...attributes });
  } else {
    input = el("input", { id: inputId, type, ...attributes });
  }
  if (checkbox) input.checked = Boolean(value);
  else if (value !== undefined && value !== null) input.value = String(value);
  const error = el("p", { className: "account-field-error", id: errorId });
  const described = [hint ? hintId : null, errorId].filter(Boolean).join(" ");
  input.setAttribute("aria-describedby", described);
  const labelled = el("label", { for: inputId }, label);
  const wrap = el(
    "div",
    { className: "dash-field" },
    checkbox ? el("div", { className: "dash-check" }, input, labelled) : [labelled, input],
    hint ? el("p", { className: "account-hint", id: hintId }, hint) : null,
    error,
  );
  const setError = (text) => {
    error.textContent = text || "";
    if (text) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  };
  return { wrap, input, error, setError };
}

// Puts a 400's field messages on the fields named the same (fields: {apiName: field}); answers
// the first field that got one, to move the focus to, or null.
export function showFieldErrors(fields, error) {
  let first = null;
  for (const [name, entry] of Object.entries(fields)) {
    const message = error && error.fields ? error.fields[name] : undefined;
    entry.setError(message || "");
    if (message && !first) first = entry;
  }
  return first;
}

// Runs `work` with the button disabled and marked busy; answers what work answers.
export async function busy(button, work) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

function partsIn(zone, instant) {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).formatToParts(instant);
  const value = (type) => Number(parts.find((part) => part.type === type).value);
  return {
    year: value("year"),
    month: value("month"),
    day: value("day"),
    hour: value("hour"),
    minute: value("minute"),
    second: value("second"),
  };
}

function pad(number, width = 2) {
  return String(Math.abs(number)).padStart(width, "0");
}

// Today's date in the professional's zone, YYYY-MM-DD.
export function todayIn(zone, now = new Date()) {
  const { year, month, day } = partsIn(zone, now);
  return `${year}-${pad(month)}-${pad(day)}`;
}

// A calendar date `count` days after `isoDate` (YYYY-MM-DD).
export function addDays(isoDate, count) {
  const [year, month, day] = isoDate.split("-").map(Number);
  const date = new Date(Date.UTC(year, month - 1, day + count));
  return date.toISOString().slice(0, 10);
}

// The zone's offset from UTC at `instant`, in minutes (São Paulo: -180).
function offsetMinutes(zone, instant) {
  const local = partsIn(zone, instant);
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60000);
}

// "2026-03-09" + "14:00" in the professional's zone as the API takes it:
// "2026-03-09T14:00:00-03:00". A wall time the zone skips (a spring-forward gap) answers null.
export function localInstant(isoDate, time, zone) {
  const [year, month, day] = isoDate.split("-").map(Number);
  const [hour, minute] = time.split(":").map(Number);
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // The offset at the guess, then at the corrected instant: right on both sides of a change.
  let offset = offsetMinutes(zone, new Date(wall));
  offset = offsetMinutes(zone, new Date(wall - offset * 60000));
  const instant = new Date(wall - offset * 60000);
  const back = partsIn(zone, instant);
  if (back.hour !== hour || back.minute !== minute || back.day !== day) return null;
  const sign = offset < 0 ? "-" : "+";
  return `${isoDate}T${pad(hour)}:${pad(minute)}:00${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}

// The IANA zones to choose from, as a select's [value, text] options ("America/Sao_Paulo" shown
// "America/Sao Paulo"), `current` among them even when the browser's list leaves it out (UTC).
export function zoneOptions(current) {
  let zones = [];
  try {
    zones = Intl.supportedValuesOf("timeZone");
  } catch {
    zones = [];
  }
  if (current && !zones.includes(current)) zones = [current, ...zones];
  return zones.map((zone) => [zone, zone.replaceAll("_", " ")]);
}

// The language of a tag, for modules that keep their own TEXTS.
export { languageOf };
