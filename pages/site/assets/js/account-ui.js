// What the register and my-bookings pages share: building elements from text (never HTML), the
// page's language and title, and a status line that is announced.

export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "className") element.className = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function button(text, onClick, { className = "account-button", type = "button" } = {}) {
  const element = el("button", { type, className }, text);
  element.addEventListener("click", onClick);
  return element;
}

// Empties the page's main below its heading, sets the language, title and heading.
export function resetPage(main, { language, title, heading }) {
  document.documentElement.lang = language;
  document.title = title;
  const h1 = main.querySelector("h1");
  h1.textContent = heading;
  while (h1.nextSibling) h1.nextSibling.remove();
  return h1;
}

export function statusLine(text, { alert = false } = {}) {
  return el("p", { className: alert ? "account-alert" : "account-status", role: alert ? "alert" : "status" }, text);
}
