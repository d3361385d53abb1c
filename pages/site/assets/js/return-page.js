// The pages a visitor comes back to from a Stripe page. They do not know whose booking or
// account it was, so they follow the browser's language: the HTML says it in Portuguese, and
// this puts the visitor's language's texts in (title, description and every [data-text]).

import { languageOf, textsFor } from "/assets/js/i18n.js";

// texts: {"pt-BR": {variant: {title, description, ...keys of [data-text]}}, en: {...}}
export function showReturnPage(texts, variant) {
  const language = languageOf(navigator.language);
  const chosen = textsFor(language, texts);
  const words = chosen[variant] || chosen.default;
  document.documentElement.lang = language;
  document.title = words.title;
  const description = document.querySelector('meta[name="description"]');
  if (description) description.setAttribute("content", words.description);
  for (const node of document.querySelectorAll("[data-text]")) {
    const text = words[node.dataset.text];
    node.hidden = text === undefined || text === "";
    if (!node.hidden) node.textContent = text;
  }
}
