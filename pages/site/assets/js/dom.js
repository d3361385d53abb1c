// The pages' one way to make an element: text goes in as textContent, never as markup, so a
// name or a bio written as <script> is shown, not run.

export function element(tag, { className, text, attributes } = {}) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
  return node;
}
