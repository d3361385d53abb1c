// /dashboard/reviews: the reviews clients left after their sessions, newest first, hidden ones
// included (marked, with their reason): the rating, the comment, the client's first name, the
// date. The professional replies once (the reply is public, under the review), hides a review
// with a reason (it leaves the public page, its count and its average; it is never deleted)
// and shows it again.
//
//   GET   /api/reviews?cursor=&limit=   a page; nextCursor for the next one ("show more")
//   POST  /api/reviews/{id}/reply {text}
//         409 ALREADY_REPLIED: replied meanwhile (another tab): said, and the review read again
//   PATCH /api/reviews/{id} {hidden: true, reason} | {hidden: false}
//   400: the API's words at the field; 404: the review is gone from this account (said)

import { ApiError } from "/assets/js/api.js";
import { el, button, statusLine } from "/assets/js/account-ui.js";
import { busy, errorText, field, showFieldErrors } from "/assets/js/dashboard-kit.js";
import { fill, formatDay, textsFor } from "/assets/js/i18n.js";

const PAGE_SIZE = 20;

const TEXTS = {
  "pt-BR": {
    intro: "As avaliações que os clientes deixam depois de uma sessão realizada. Você pode responder uma vez a cada uma (a resposta aparece na sua página) e ocultar uma avaliação explicando o motivo.",
    hiddenRule: "Avaliações ocultas não aparecem na sua página pública nem contam na média; continuam aqui, e você pode mostrá-las de novo.",
    none: "Nenhuma avaliação ainda. Quando um atendimento é marcado como realizado, o cliente recebe um convite para avaliar.",
    listHeading: "Avaliações recebidas",
    rating: "{name}: {rating} de 5 estrelas",
    noComment: "Sem comentário.",
    written: "Em {date}",
    hiddenMark: "Oculta: não aparece na sua página",
    hiddenWhy: "Motivo: {reason}",
    replyHeading: "Sua resposta",
    repliedOn: "Respondida em {date}",
    reply: "Responder",
    replyLabel: "Sua resposta para {name}",
    replyHint: "Pública, abaixo da avaliação. Só é possível responder uma vez, e a resposta não pode ser mudada.",
    replySend: "Publicar resposta",
    cancel: "Cancelar",
    replied: "Resposta publicada.",
    alreadyReplied: "Esta avaliação já tinha sido respondida (talvez em outra aba). Ela aparece abaixo como está agora.",
    hide: "Ocultar",
    hideQuestion: "Ocultar a avaliação de {name}? Ela sai da sua página pública e da média, mas fica aqui.",
    reasonLabel: "Motivo (só você vê)",
    reasonHint: "Por exemplo: comentário sobre outra pessoa. Até 500 caracteres.",
    reasonNeeded: "Escreva o motivo para ocultar.",
    hideYes: "Sim, ocultar",
    hidden: "Avaliação ocultada: ela não aparece mais na sua página.",
    show: "Mostrar de novo",
    shown: "Avaliação visível de novo na sua página.",
    gone: "Esta avaliação não está mais disponível.",
    more: "Mostrar mais",
    count: { one: "1 avaliação na lista.", other: "{count} avaliações na lista." },
    countMore: "{count} avaliações na lista, e há mais.",
    stars: "★",
    noStar: "☆",
  },
  en: {
    intro: "The reviews clients leave after a completed session. You can reply once to each (the reply shows on your page) and hide a review, saying why.",
    hiddenRule: "Hidden reviews are not on your public page and do not count in its average; they stay here, and you can show them again.",
    none: "No reviews yet. When an appointment is marked completed, the client is invited to review it.",
    listHeading: "Reviews received",
    rating: "{name}: {rating} out of 5 stars",
    noComment: "No comment.",
    written: "On {date}",
    hiddenMark: "Hidden: not on your page",
    hiddenWhy: "Reason: {reason}",
    replyHeading: "Your reply",
    repliedOn: "Replied on {date}",
    reply: "Reply",
    replyLabel: "Your reply to {name}",
    replyHint: "Public, under the review. You can reply only once, and a reply cannot be changed.",
    replySend: "Publish reply",
    cancel: "Cancel",
    replied: "Reply published.",
    alreadyReplied: "This review already had a reply (perhaps from another tab). It is shown below as it is now.",
    hide: "Hide",
    hideQuestion: "Hide {name}'s review? It leaves your public page and the average, but stays here.",
    reasonLabel: "Reason (only you see it)",
    reasonHint: "For example: a comment about someone else. Up to 500 characters.",
    reasonNeeded: "Write the reason for hiding it.",
    hideYes: "Yes, hide it",
    hidden: "Review hidden: it is no longer on your page.",
    show: "Show again",
    shown: "Review visible on your page again.",
    gone: "This review is no longer available.",
    more: "Show more",
    count: { one: "1 review in the list.", other: "{count} reviews in the list." },
    countMore: "{count} reviews in the list, and there are more.",
    stars: "★",
    noStar: "☆",
  },
};

// A sentence for a role=alert holder that is already in the page.
function alertText(text) {
  return el("p", { className: "account-alert" }, text);
}

// The client's first name: the public page names the reviewer so, and so does this list.
function firstName(fullName) {
  return (fullName || "").trim().split(/\s+/)[0] || "—";
}

export async function mount(root, ctx) {
  const texts = textsFor(ctx.language, TEXTS);
  const reviews = []; // as read, in the list's order
  let nextCursor = null;

  const countLine = statusLine("");
  const list = el("ul", { className: "dash-cards reviews-list", id: "reviews-list" });
  const empty = el("p", { className: "reviews-empty" }, texts.none);
  const moreHolder = el("p", {});
  const section = el(
    "section",
    { className: "reviews", "aria-labelledby": "reviews-heading" },
    el("h2", { id: "reviews-heading" }, texts.listHeading),
    el("p", {}, texts.intro),
    el("p", { className: "account-hint reviews-rule" }, texts.hiddenRule),
    countLine,
    empty,
    list,
    moreHolder,
  );

  async function readPage(cursor) {
    return ctx.api("/api/reviews", { query: { limit: PAGE_SIZE, cursor: cursor || undefined } });
  }

  function sayCount() {
    const count = reviews.length;
    empty.hidden = count > 0;
    list.hidden = count === 0;
    if (!count) countLine.textContent = "";
    else if (nextCursor) countLine.textContent = fill(texts.countMore, { count });
    else countLine.textContent = fill(count === 1 ? texts.count.one : texts.count.other, { count });
  }

  function drawMore() {
    moreHolder.replaceChildren();
    if (!nextCursor) return;
    const more = button(texts.more, () => loadMore(more));
    moreHolder.append(more);
  }

  async function loadMore(more) {
    let page;
    try {
      page = await busy(more, () => readPage(nextCursor));
    } catch (error) {
      moreHolder.append(statusLine(errorText(error, ctx.language), { alert: true }));
      return;
    }
    const added = page.items.map((review) => card(review));
    reviews.push(...page.items);
    list.append(...added);
    nextCursor = page.nextCursor;
    sayCount();
    drawMore();
    if (added.length) added[0].querySelector("h3").focus();
  }

  // Reads the pages again until the review is found: the one way to read a single review.
  async function readAgain(id) {
    let cursor = null;
    do {
      const page = await readPage(cursor);
      const found = page.items.find((item) => item.id === id);
      if (found) return found;
      cursor = page.nextCursor;
    } while (cursor);
    return null;
  }

  function stars(rating) {
    return texts.stars.repeat(rating) + texts.noStar.repeat(5 - rating);
  }

  // One review's card; `notice` a sentence for its status line (after an action).
  function card(review, notice = "") {
    const name = firstName(review.clientName);
    const headingId = `review-${review.id}`;
    const status = el("p", { className: "account-status reviews-status", role: "status" }, notice);
    const item = el("li", { className: "dash-card reviews-card", "data-review": review.id });
    if (review.hidden) item.classList.add("reviews-hidden");
    const article = el(
      "article",
      { "aria-labelledby": headingId },
      el("h3", { id: headingId, tabindex: "-1" }, fill(texts.rating, { name, rating: review.rating })),
      el("p", { className: "reviews-stars", "aria-hidden": "true" }, stars(review.rating)),
      el("p", { className: "account-hint" }, fill(texts.written, { date: formatDay(review.createdAt, ctx.language, ctx.zone) })),
      review.hidden ? el("p", {}, el("span", { className: "dash-pending" }, texts.hiddenMark)) : null,
      review.hidden && review.hiddenReason ? el("p", { className: "account-hint" }, fill(texts.hiddenWhy, { reason: review.hiddenReason })) : null,
      el("p", { className: review.comment ? "reviews-comment" : "account-hint" }, review.comment || texts.noComment),
      review.reply ? replyShown(review) : null,
    );
    const actions = el("div", { className: "account-row reviews-actions" });
    if (!review.reply) actions.append(button(texts.reply, () => openReply(review, item, actions)));
    if (review.hidden) {
      actions.append(button(texts.show, (event) => show(review, item, event.currentTarget)));
    } else {
      actions.append(button(texts.hide, () => openHide(review, item, actions)));
    }
    article.append(actions, el("div", { className: "reviews-problem", role: "alert" }), status);
    item.append(article);
    return item;
  }

  function replyShown(review) {
    return el(
      "div",
      { className: "reviews-reply" },
      el("h4", {}, texts.replyHeading),
      el("p", { className: "reviews-comment" }, review.reply),
      review.repliedAt ? el("p", { className: "account-hint" }, fill(texts.repliedOn, { date: formatDay(review.repliedAt, ctx.language, ctx.zone) })) : null,
    );
  }

  // The card drawn again from `review`, the focus on its heading, `notice` in its status line.
  function redraw(item, review, notice) {
    const index = reviews.findIndex((known) => known.id === review.id);
    if (index >= 0) reviews[index] = review;
    const fresh = card(review, "");
    item.replaceWith(fresh);
    fresh.querySelector("h3").focus();
    // Set after the focus, so the status line announces it.
    window.setTimeout(() => {
      fresh.querySelector(".reviews-status").textContent = notice;
    }, 50);
    return fresh;
  }

  function gone(item, review) {
    const index = reviews.findIndex((known) => known.id === review.id);
    if (index >= 0) reviews.splice(index, 1);
    const next = item.nextElementSibling || item.previousElementSibling;
    item.remove();
    sayCount();
    ctx.announce(texts.gone);
    const target = next ? next.querySelector("h3") : section.querySelector("h2");
    if (!next) section.querySelector("h2").setAttribute("tabindex", "-1");
    target.focus();
  }

  // A form in the card, below its actions (hidden meanwhile); cancel puts them back.
  function openForm(item, actions, form, focus) {
    actions.hidden = true;
    actions.after(form);
    focus.focus();
  }

  function closeForm(actions, form, back) {
    form.remove();
    actions.hidden = false;
    back.focus();
  }

  function openReply(review, item, actions) {
    const name = firstName(review.clientName);
    const text = field({ id: `reply-${review.id}`, label: fill(texts.replyLabel, { name }), hint: texts.replyHint, multiline: true, attributes: { rows: "4" } });
    const problem = el("div", { role: "alert" });
    const send = el("button", { type: "submit", className: "account-button account-primary" }, texts.replySend);
    const form = el(
      "form",
      { className: "dash-form reviews-form", novalidate: true },
      text.wrap,
      problem,
      el("div", { className: "account-row" }, send, button(texts.cancel, () => closeForm(actions, form, actions.querySelector("button")))),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      problem.replaceChildren();
      text.setError("");
      try {
        const answer = await busy(send, () =>
          ctx.api(`/api/reviews/${encodeURIComponent(review.id)}/reply`, { method: "POST", body: { text: text.input.value } }),
        );
        redraw(item, answer, texts.replied);
      } catch (error) {
        await replyRefused(error, review, item, text, problem);
      }
    });
    openForm(item, actions, form, text.input);
  }

  async function replyRefused(error, review, item, text, problem) {
    if (error instanceof ApiError && error.status === 409 && error.code === "ALREADY_REPLIED") {
      await refreshed(review, item, texts.alreadyReplied, problem);
      return;
    }
    if (error instanceof ApiError && error.status === 404) {
      gone(item, review);
      return;
    }
    if (error instanceof ApiError && error.status === 400) {
      const first = showFieldErrors({ text }, error);
      problem.replaceChildren(alertText(error.message || errorText(error, ctx.language)));
      if (first) first.input.focus();
      return;
    }
    problem.replaceChildren(alertText(errorText(error, ctx.language)));
  }

  // The review read again after a 409, drawn as it is now with the reason said.
  async function refreshed(review, item, notice, problem) {
    let fresh;
    try {
      fresh = await readAgain(review.id);
    } catch (error) {
      problem.replaceChildren(alertText(`${notice} ${errorText(error, ctx.language)}`));
      return;
    }
    if (!fresh) {
      gone(item, review);
      return;
    }
    redraw(item, fresh, notice);
  }

  function openHide(review, item, actions) {
    const name = firstName(review.clientName);
    const questionId = `hide-question-${review.id}`;
    const reason = field({ id: `hide-reason-${review.id}`, label: texts.reasonLabel, hint: texts.reasonHint, attributes: { maxlength: "500" } });
    const problem = el("div", { role: "alert" });
    const yes = el("button", { type: "submit", className: "account-button account-danger" }, texts.hideYes);
    const form = el(
      "form",
      { className: "account-confirm reviews-form", novalidate: true, "aria-labelledby": questionId },
      el("p", { id: questionId, className: "account-question" }, fill(texts.hideQuestion, { name })),
      reason.wrap,
      problem,
      el("div", { className: "account-row" }, yes, button(texts.cancel, () => closeForm(actions, form, actions.querySelector("button:last-child")))),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      problem.replaceChildren();
      reason.setError("");
      if (!reason.input.value.trim()) {
        reason.setError(texts.reasonNeeded);
        problem.replaceChildren(alertText(texts.reasonNeeded));
        reason.input.focus();
        return;
      }
      try {
        const answer = await busy(yes, () =>
          ctx.api(`/api/reviews/${encodeURIComponent(review.id)}`, { method: "PATCH", body: { hidden: true, reason: reason.input.value } }),
        );
        redraw(item, answer, texts.hidden);
      } catch (error) {
        moderationRefused(error, review, item, { reason }, problem, reason.input);
      }
    });
    openForm(item, actions, form, reason.input);
  }

  async function show(review, item, showButton) {
    const problem = item.querySelector(".reviews-problem");
    problem.replaceChildren();
    try {
      const answer = await busy(showButton, () =>
        ctx.api(`/api/reviews/${encodeURIComponent(review.id)}`, { method: "PATCH", body: { hidden: false } }),
      );
      redraw(item, answer, texts.shown);
    } catch (error) {
      moderationRefused(error, review, item, {}, problem, showButton);
    }
  }

  function moderationRefused(error, review, item, fields, problem, back) {
    if (error instanceof ApiError && error.status === 404) {
      gone(item, review);
      return;
    }
    const first = error instanceof ApiError && error.status === 400 ? showFieldErrors(fields, error) : null;
    problem.replaceChildren(alertText(errorText(error, ctx.language)));
    (first ? first.input : back).focus();
  }

  const page = await readPage(null);
  reviews.push(...page.items);
  nextCursor = page.nextCursor;
  list.append(...page.items.map((review) => card(review)));
  sayCount();
  drawMore();
  root.append(section);
}
