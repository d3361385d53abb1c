// A labelled textarea with its length shown as the visitor types and its error at the field,
// for the manage page's message and review forms. The bound is said, not enforced by
// maxlength: a paste that is too long stays whole, so the visitor sees what to shorten.

import { element } from "/assets/js/dom.js";
import { fill } from "/assets/js/i18n.js";

// Characters as people count them: an emoji is one, not the two UTF-16 units of .length.
// The API counts code points too.
export function lengthOf(text) {
  return [...text].length;
}

// countedField({id, label, hint?, max, language, countText: "{count} of {max} characters"});
// label and hint are texts that the answer's `label` and `hint` nodes let a caller change later.
export function countedField({ id, label, hint, max, language, countText, rows = 4 }) {
  const wrapper = element("div", { className: "field counted-field" });
  const hintId = `${id}-hint`;
  const countId = `${id}-count`;
  const errorId = `${id}-error`;
  const described = hint ? [hintId, countId] : [countId];
  const input = element("textarea", { attributes: { id, name: id, rows: String(rows), "aria-describedby": described.join(" ") } });
  const count = element("p", { className: "field-count", attributes: { id: countId } });
  const error = element("p", { className: "field-error", attributes: { id: errorId } });
  error.hidden = true;
  const labelNode = element("label", { text: label, attributes: { for: id } });
  const hintNode = hint ? element("p", { className: "field-hint", text: hint, attributes: { id: hintId } }) : null;
  wrapper.append(labelNode);
  if (hintNode) wrapper.append(hintNode);
  wrapper.append(input, count, error);

  const numbers = new Intl.NumberFormat(language);
  function showCount() {
    const length = lengthOf(input.value);
    count.textContent = fill(countText, { count: numbers.format(length), max: numbers.format(max) });
    count.classList.toggle("field-count-over", length > max);
  }
  input.addEventListener("input", showCount);
  showCount();

  function setError(message) {
    error.textContent = message || "";
    error.hidden = !message;
    if (message) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", [...described, errorId].join(" "));
    } else {
      input.removeAttribute("aria-invalid");
      input.setAttribute("aria-describedby", described.join(" "));
    }
  }

  return {
    element: wrapper,
    input,
    label: labelNode,
    hint: hintNode,
    setError,
    value: () => input.value,
    tooLong: () => lengthOf(input.value) > max,
    clear() {
      input.value = "";
      showCount();
    },
  };
}

// The words for "try again later" from a 429's Retry-After: seconds when it is soon, else
// minutes, and the clock time of the visitor's own zone.
export function retryText(error, language, { seconds, minutes }) {
  const wait = Math.max(1, error.retryAfter ?? 60);
  const at = new Intl.DateTimeFormat(language, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(Date.now() + wait * 1000));
  return wait < 90 ? fill(seconds, { seconds: wait, time: at }) : fill(minutes, { minutes: Math.ceil(wait / 60), time: at });
}
