// The calendar file (RFC 5545) of a slot just booked, made in the browser: the booking's answer
// carries no appointment id, and the slot it was made for says everything the event needs.
//
// The times are UTC (a trailing Z), so no VTIMEZONE is needed and every calendar shows them in
// its own zone. Content lines end with CRLF and are folded at 75 octets, never inside a UTF-8
// character; TEXT values escape backslashes, semicolons, commas and newlines.

const CRLF = "\r\n";
const MAX_LINE_OCTETS = 75;
const PRODID = "-//Agenda//Booking page//EN";
const encoder = new TextEncoder();

export function escapeText(value) {
  return String(value)
    .replace(/\\/g, "\\\\")
    .replace(/;/g, "\\;")
    .replace(/,/g, "\\,")
    .replace(/\r\n|\r|\n/g, "\\n");
}

// A long line goes on in lines that begin with one space; that space counts in their 75.
export function fold(line) {
  const parts = [];
  let current = "";
  let octets = 0;
  let limit = MAX_LINE_OCTETS;
  for (const character of line) {
    const size = encoder.encode(character).length;
    if (octets + size > limit) {
      parts.push(current);
      current = " ";
      octets = 1;
      limit = MAX_LINE_OCTETS;
    }
    current += character;
    octets += size;
  }
  parts.push(current);
  return parts.join(CRLF);
}

// 20261208T170000Z
export function utcStamp(instant) {
  return new Date(instant).toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

// The same slot of the same professional is the same event: downloading it again replaces the
// calendar's copy instead of adding a second one.
export function uidFor(slug, startsAt) {
  return `${utcStamp(startsAt)}-${slug}@agenda`;
}

export function calendarFile({ slug, startsAt, endsAt, summary, description, language, now = new Date() }) {
  const tag = language ? `;LANGUAGE=${language}` : "";
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    `PRODID:${PRODID}`,
    "CALSCALE:GREGORIAN",
    "METHOD:PUBLISH",
    "BEGIN:VEVENT",
    `UID:${uidFor(slug, startsAt)}`,
    `DTSTAMP:${utcStamp(now)}`,
    `DTSTART:${utcStamp(startsAt)}`,
    `DTEND:${utcStamp(endsAt)}`,
    `SUMMARY${tag}:${escapeText(summary)}`,
    ...(description ? [`DESCRIPTION${tag}:${escapeText(description)}`] : []),
    "END:VEVENT",
    "END:VCALENDAR",
  ];
  return lines.map(fold).join(CRLF) + CRLF;
}

// A download link for the file; its Blob URL lives as long as the page.
export function calendarLink(event, { label, filename = "agendamento.ics" }) {
  const blob = new Blob([calendarFile(event)], { type: "text/calendar;charset=utf-8" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = filename;
  link.textContent = label;
  link.className = "button-link";
  return link;
}
