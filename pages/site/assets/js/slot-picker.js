// The free times of one professional: the next days that have any, then a chosen day's times
// grouped morning / afternoon / evening, in the professional's zone with the visitor's own
// clock beside them when the two differ.
//
//   const picker = mountSlotPicker(element, {slug, language, timezone, onChoose(slot)});
//   picker.refresh("That time was just taken");
//
// The days come from GET /api/booking a page at a time (`date`, `days`); a page without a free
// day is followed by the next one up to the professional's booking horizon, so "no free time"
// is said only when there is none at all.

import { api } from "/assets/js/api.js";
import { element } from "/assets/js/dom.js";
import { fill, formatDay, formatShortDay, formatTime, textsFor, visitorZone, zoneLabel, zonesDiffer } from "/assets/js/i18n.js";

const TEXTS = {
  "pt-BR": {
    daysHeading: "Escolha um dia",
    timesHeading: "Horários de {day}",
    zone: "Horários no fuso {zone}.",
    zoneBoth: "Horários no fuso {zone}; entre parênteses, no seu ({visitor}).",
    yourTime: "{time} no seu horário",
    yourDayTime: "{day}, {time} no seu horário",
    periods: { morning: "Manhã", afternoon: "Tarde", evening: "Noite" },
    more: "Mais dias",
    loading: "Carregando horários…",
    announce: "{count} horários em {day}",
    announceOne: "1 horário em {day}",
    moreDays: "{count} dias a mais",
    noMoreDays: "Não há outros dias com horários livres.",
    empty: "Não há horários livres nos próximos dias. Volte mais tarde ou fale com o profissional.",
    failed: "Não foi possível carregar os horários.",
    retry: "Tentar de novo",
    tooMany: "Muitas tentativas. Tente de novo em {minutes} min.",
    notFound: "Esta agenda não existe ou não está aberta.",
  },
  en: {
    daysHeading: "Choose a day",
    timesHeading: "Times on {day}",
    zone: "Times in {zone}.",
    zoneBoth: "Times in {zone}; in brackets, your own ({visitor}).",
    yourTime: "{time} your time",
    yourDayTime: "{day}, {time} your time",
    periods: { morning: "Morning", afternoon: "Afternoon", evening: "Evening" },
    more: "More days",
    loading: "Loading times…",
    announce: "{count} times on {day}",
    announceOne: "1 time on {day}",
    moreDays: "{count} more days",
    noMoreDays: "There are no other days with free times.",
    empty: "There are no free times in the coming days. Come back later or contact the professional.",
    failed: "The times could not be loaded.",
    retry: "Try again",
    tooMany: "Too many attempts. Try again in {minutes} min.",
    notFound: "This calendar does not exist or is not open.",
  },
};

const PAGE_DAYS = 14;
const MAX_DAYS = 60;
const PERIODS = ["morning", "afternoon", "evening"];
let mounted = 0;

// Today's date in a zone, as YYYY-MM-DD.
export function todayIn(zone, now = new Date()) {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(now);
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part("year")}-${part("month")}-${part("day")}`;
}

export function addDays(isoDate, count) {
  const [year, month, day] = isoDate.split("-").map(Number);
  const moved = new Date(Date.UTC(year, month - 1, day + count));
  return moved.toISOString().slice(0, 10);
}

function daysBetween(first, last) {
  return Math.round((Date.parse(`${last}T00:00:00Z`) - Date.parse(`${first}T00:00:00Z`)) / 86_400_000);
}

// A calendar date named in the locale: noon UTC formatted in UTC is that date everywhere.
function calendarInstant(isoDate) {
  return `${isoDate}T12:00:00Z`;
}

export function mountSlotPicker(root, { slug, language, timezone, onChoose, headingLevel = 3 }) {
  const t = textsFor(language, TEXTS);
  const visitor = visitorZone();
  const id = `slot-picker-${++mounted}`;
  const state = {
    days: [], // [{date, slots}] with at least one slot, in order
    fetchedUntil: null, // the last date asked for
    bookableUntil: null,
    chosenDay: null,
    chosenStart: null,
    loading: false,
  };

  const container = element("div", { className: "slot-picker" });
  const daysHeading = element(`h${headingLevel}`, { text: t.daysHeading, attributes: { id: `${id}-days` } });
  const zoneNote = element("p", { className: "slot-zone" });
  const notice = element("p", { className: "slot-notice", attributes: { role: "alert", tabindex: "-1" } });
  notice.hidden = true;
  // Present from the start: a live region added together with its text is often not read.
  const status = element("p", { className: "slot-status", attributes: { role: "status", "aria-live": "polite" } });
  const dayList = element("ul", { className: "slot-days", attributes: { "aria-labelledby": `${id}-days` } });
  const more = element("button", { className: "slot-more button-secondary", text: t.more, attributes: { type: "button" } });
  more.hidden = true;
  const failure = element("div", { className: "slot-failure" });
  failure.hidden = true;
  const failureText = element("p");
  const retry = element("button", { text: t.retry, attributes: { type: "button" } });
  failure.append(failureText, retry);
  const times = element("div", { className: "slot-times" });
  times.hidden = true;
  container.append(daysHeading, zoneNote, notice, dayList, more, status, failure, times);
  root.replaceChildren(container);

  let lastAction = () => load();
  retry.addEventListener("click", () => lastAction());
  more.addEventListener("click", () => loadMore());

  function showZone() {
    const differ = zonesDiffer(timezone, visitor);
    const zone = zoneLabel(timezone, language);
    zoneNote.textContent = differ
      ? fill(t.zoneBoth, { zone, visitor: zoneLabel(visitor, language) })
      : fill(t.zone, { zone });
  }

  function setBusy(busy) {
    state.loading = busy;
    container.setAttribute("aria-busy", busy ? "true" : "false");
    more.disabled = busy;
    if (busy) status.textContent = t.loading;
  }

  function showFailure(error, again) {
    lastAction = again;
    failure.hidden = false;
    retry.hidden = false;
    if (error && error.status === 404) {
      failureText.textContent = t.notFound;
      retry.hidden = true;
    } else if (error && error.status === 429) {
      failureText.textContent = fill(t.tooMany, { minutes: Math.max(1, Math.ceil((error.retryAfter || 60) / 60)) });
    } else {
      failureText.textContent = t.failed;
    }
    status.textContent = failureText.textContent;
  }

  async function fetchDays(from, count) {
    const answer = await api("/api/booking", { language, query: { slug, date: from, days: count } });
    state.bookableUntil = answer.bookableUntil || state.bookableUntil;
    state.fetchedUntil = addDays(from, count - 1);
    return answer.days.filter((day) => day.slots.length > 0);
  }

  function remaining() {
    if (!state.bookableUntil || !state.fetchedUntil) return PAGE_DAYS;
    return Math.max(0, daysBetween(state.fetchedUntil, state.bookableUntil));
  }

  // Pages on from `from` until one with a free day, or the horizon.
  async function fetchUntilFree(from) {
    let next = from;
    for (;;) {
      const left = state.bookableUntil ? daysBetween(next, state.bookableUntil) + 1 : PAGE_DAYS;
      if (left <= 0) return [];
      const found = await fetchDays(next, Math.min(PAGE_DAYS, left));
      if (found.length > 0 || remaining() === 0) return found;
      next = addDays(state.fetchedUntil, 1);
    }
  }

  function dayButton(day) {
    const button = element("button", {
      className: "slot-day",
      text: formatShortDay(calendarInstant(day.date), language, "UTC"),
      attributes: { type: "button", "aria-pressed": String(day.date === state.chosenDay), "data-date": day.date },
    });
    button.addEventListener("click", () => chooseDay(day.date, { focus: true }));
    const item = element("li");
    item.append(button);
    return item;
  }

  function renderDays() {
    dayList.replaceChildren(...state.days.map(dayButton));
    more.hidden = remaining() === 0;
    if (state.days.length === 0) {
      dayList.hidden = true;
      status.textContent = t.empty;
    } else {
      dayList.hidden = false;
    }
  }

  function visitorClock(slot) {
    const time = formatTime(slot.startsAt, language, visitor);
    const sameDay = formatShortDay(slot.startsAt, language, visitor) === formatShortDay(slot.startsAt, language, timezone);
    return sameDay ? fill(t.yourTime, { time }) : fill(t.yourDayTime, { day: formatShortDay(slot.startsAt, language, visitor), time });
  }

  function timeButton(slot, differ) {
    const button = element("button", {
      className: "slot-time",
      attributes: { type: "button", "aria-pressed": String(slot.startsAt === state.chosenStart), "data-starts-at": slot.startsAt },
    });
    button.append(element("span", { className: "slot-time-main", text: slot.time }));
    if (differ) button.append(" ", element("span", { className: "slot-time-local", text: `(${visitorClock(slot)})` }));
    button.addEventListener("click", () => {
      state.chosenStart = slot.startsAt;
      for (const other of times.querySelectorAll(".slot-time")) {
        other.setAttribute("aria-pressed", String(other === button));
      }
      if (onChoose) onChoose(slot);
    });
    return button;
  }

  function renderTimes() {
    const day = state.days.find((d) => d.date === state.chosenDay);
    if (!day) {
      times.hidden = true;
      times.replaceChildren();
      return null;
    }
    const differ = zonesDiffer(timezone, visitor, day.slots[0].startsAt);
    const heading = element(`h${headingLevel}`, {
      text: fill(t.timesHeading, { day: formatDay(calendarInstant(day.date), language, "UTC") }),
      attributes: { tabindex: "-1", id: `${id}-times` },
    });
    const groups = [heading];
    for (const period of PERIODS) {
      const slots = day.slots.filter((slot) => slot.period === period);
      if (slots.length === 0) continue;
      const group = element("div", { className: "slot-period" });
      const title = element(`h${headingLevel + 1}`, { text: t.periods[period], attributes: { id: `${id}-${period}` } });
      const list = element("ul", { className: "slot-time-list", attributes: { "aria-labelledby": `${id}-${period}` } });
      for (const slot of slots) {
        const item = element("li");
        item.append(timeButton(slot, differ));
        list.append(item);
      }
      group.append(title, list);
      groups.push(group);
    }
    times.replaceChildren(...groups);
    times.hidden = false;
    return day;
  }

  function announce(day) {
    const count = day.slots.length;
    const name = formatDay(calendarInstant(day.date), language, "UTC");
    status.textContent = count === 1 ? fill(t.announceOne, { day: name }) : fill(t.announce, { count, day: name });
  }

  function chooseDay(date, { focus }) {
    state.chosenDay = date;
    state.chosenStart = null;
    for (const button of dayList.querySelectorAll(".slot-day")) {
      button.setAttribute("aria-pressed", String(button.dataset.date === date));
    }
    const day = renderTimes();
    if (!day) return;
    announce(day);
    if (focus) {
      const first = times.querySelector(".slot-time");
      if (first) first.focus();
    }
  }

  async function load() {
    failure.hidden = true;
    setBusy(true);
    try {
      state.days = await fetchUntilFree(todayIn(timezone));
      setBusy(false);
      status.textContent = "";
      renderDays();
    } catch (error) {
      setBusy(false);
      showFailure(error, () => load());
    }
  }

  async function loadMore() {
    if (state.loading) return;
    failure.hidden = true;
    setBusy(true);
    try {
      const found = await fetchUntilFree(addDays(state.fetchedUntil, 1));
      setBusy(false);
      const known = new Set(state.days.map((day) => day.date));
      const added = found.filter((day) => !known.has(day.date));
      state.days = state.days.concat(added);
      renderDays();
      if (added.length > 0) {
        status.textContent = fill(t.moreDays, { count: added.length });
        dayList.querySelector(`[data-date="${added[0].date}"]`).focus();
      } else {
        status.textContent = t.noMoreDays;
        daysHeading.setAttribute("tabindex", "-1");
        daysHeading.focus();
      }
    } catch (error) {
      setBusy(false);
      showFailure(error, () => loadMore());
    }
  }

  // The same stretch of days again (a time may have gone meanwhile), the chosen day kept when
  // it still has free times; `message` says why, and takes the focus so it is read first.
  async function refresh(message) {
    const from = todayIn(timezone);
    const until = state.fetchedUntil && state.fetchedUntil >= from ? state.fetchedUntil : addDays(from, PAGE_DAYS - 1);
    const count = Math.min(MAX_DAYS, daysBetween(from, until) + 1);
    const keep = state.chosenDay;
    failure.hidden = true;
    notice.hidden = true;
    setBusy(true);
    try {
      let found = await fetchDays(from, count);
      if (found.length === 0 && remaining() > 0) found = await fetchUntilFree(addDays(state.fetchedUntil, 1));
      state.days = found;
      setBusy(false);
      status.textContent = "";
      renderDays();
      if (keep && state.days.some((day) => day.date === keep)) {
        state.chosenDay = keep;
        chooseDay(keep, { focus: false });
      } else {
        state.chosenDay = null;
        renderTimes();
      }
    } catch (error) {
      setBusy(false);
      showFailure(error, () => refresh(message));
    }
    if (message) {
      notice.textContent = message;
      notice.hidden = false;
      notice.focus();
    }
  }

  showZone();
  load();
  return { refresh, element: container };
}
