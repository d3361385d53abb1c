// The product's two languages and the locale formats of dates, times and money.
// A page keeps its own texts as {"pt-BR": {...}, en: {...}} and picks them with textsFor.

export const LANGUAGES = ["pt-BR", "en"];
export const DEFAULT_LANGUAGE = "pt-BR";

export function languageOf(tag) {
  if (!tag) return DEFAULT_LANGUAGE;
  return String(tag).toLowerCase().startsWith("en") ? "en" : DEFAULT_LANGUAGE;
}

export function textsFor(language, texts) {
  return texts[languageOf(language)] || texts[DEFAULT_LANGUAGE];
}

// "{name} at {time}" with values; values are text, never HTML.
export function fill(template, values = {}) {
  return template.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

function formatter(language, zone, options) {
  return new Intl.DateTimeFormat(languageOf(language), { timeZone: zone, ...options });
}

// Tuesday, 8 December 2026 / terça-feira, 8 de dezembro de 2026
export function formatDay(instant, language, zone) {
  return formatter(language, zone, { weekday: "long", day: "numeric", month: "long", year: "numeric" })
    .format(new Date(instant));
}

// Tue, 8 Dec / ter., 8 de dez.
export function formatShortDay(instant, language, zone) {
  return formatter(language, zone, { weekday: "short", day: "numeric", month: "short" }).format(new Date(instant));
}

export function formatTime(instant, language, zone) {
  return formatter(language, zone, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
    .format(new Date(instant));
}

export function formatDateTime(instant, language, zone) {
  return `${formatDay(instant, language, zone)}, ${formatTime(instant, language, zone)}`;
}

export function formatMoney(amount, currency, language) {
  return new Intl.NumberFormat(languageOf(language), { style: "currency", currency }).format(Number(amount));
}

// The visitor's own zone, as the browser knows it.
export function visitorZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

// A zone's name for people: "Horário de Brasília" / "Brasilia Standard Time"-like, else the IANA id.
export function zoneLabel(zone, language, instant = Date.now()) {
  try {
    const parts = formatter(language, zone, { timeZoneName: "long" }).formatToParts(new Date(instant));
    const name = parts.find((part) => part.type === "timeZoneName");
    return name ? name.value : zone;
  } catch {
    return zone;
  }
}

// True when two zones show different clock times at this instant.
export function zonesDiffer(first, second, instant = Date.now()) {
  const at = new Date(instant);
  const clock = (zone) => formatter("en", zone, { hour: "2-digit", minute: "2-digit", day: "2-digit", hourCycle: "h23" }).format(at);
  return clock(first) !== clock(second);
}
