// The manage page's review of a completed session, through the guest link:
//
//   POST /api/guest/appointments/{id}/review {token, rating: 1-5, comment?}   201 with the review
//   409 ALREADY_REVIEWED (another tab, another device): the guest view's `review` is shown
//   GET  /api/guest/appointments/{id}?token=  `review` (null until there is one) and `canReview`
//
// The review's `review_request` message links to /manage/{id}?token=...#review.

import { api } from "/assets/js/api.js";
import { countedField, retryText } from "/assets/js/counted-field.js";
import { element } from "/assets/js/dom.js";
import { fill, formatDateTime, textsFor } from "/assets/js/i18n.js";

export const MAX_COMMENT = 2000;
const RATINGS = [1, 2, 3, 4, 5];

const TEXTS = {
  "pt-BR": {
    heading: "Avalie a sessão",
    what: "Conte como foi a sessão com {name}. A avaliação aparece na página de {name} só com o seu primeiro nome.",
    rating: "Sua nota",
    ratingOf: "{rating} de 5",
    comment: "Comentário (opcional)",
    count: "{count} de {max} caracteres",
    send: "Enviar avaliação",
    sending: "Enviando…",
    ratingRequired: "Escolha uma nota de 1 a 5.",
    tooLong: "O comentário passou de {max} caracteres. Encurte-o um pouco.",
    thanks: "Obrigado pela avaliação!",
    yours: "Sua avaliação",
    already: "Esta sessão já foi avaliada. Esta é a avaliação registrada.",
    notReviewable: "Esta sessão ainda não pode ser avaliada.",
    given: "Nota: {rating} de 5",
    sentAt: "Enviada em {when}",
    reply: "Resposta de {name}",
    seconds: "Muitas tentativas. Tente de novo em {seconds} s (às {time}).",
    minutes: "Muitas tentativas. Tente de novo em {minutes} min (às {time}).",
    network: "Sem conexão com o servidor. A avaliação não foi enviada; o que você escreveu continua aqui.",
    failed: "A avaliação não foi enviada. Tente de novo.",
  },
  en: {
    heading: "Review your session",
    what: "Say how the session with {name} went. The review shows on {name}'s page with your first name only.",
    rating: "Your rating",
    ratingOf: "{rating} of 5",
    comment: "Comment (optional)",
    count: "{count} of {max} characters",
    send: "Send review",
    sending: "Sending…",
    ratingRequired: "Choose a rating from 1 to 5.",
    tooLong: "The comment is over {max} characters. Shorten it a little.",
    thanks: "Thank you for your review!",
    yours: "Your review",
    already: "This session has already been reviewed. This is the review on record.",
    notReviewable: "This session cannot be reviewed yet.",
    given: "Rating: {rating} of 5",
    sentAt: "Sent on {when}",
    reply: "Reply from {name}",
    seconds: "Too many attempts. Try again in {seconds} s (at {time}).",
    minutes: "Too many attempts. Try again in {minutes} min (at {time}).",
    network: "No connection to the server. The review was not sent; what you wrote is still here.",
    failed: "The review was not sent. Please try again.",
  },
};

// mountReviewForm(element, {appointmentId, token, language, timezone, professionalName,
//   review, onDone(review), onLinkExpired}): fills `element` (the page's <section id="review">)
// with the review when `review` is given, else with the form; answers {element, focus()}.
export function mountReviewForm(root, options) {
  const { appointmentId, token, language, timezone, professionalName, onDone = () => {}, onLinkExpired = () => {} } = options;
  const t = textsFor(language, TEXTS);
  const numbers = new Intl.NumberFormat(language);
  root.classList.add("manage-section", "review");
  root.setAttribute("aria-labelledby", "review-heading");
  let heading = null;

  function headed(text) {
    heading = element("h2", { text, attributes: { id: "review-heading", tabindex: "-1" } });
    return heading;
  }

  function showReview(review, { notice, title = t.yours, focus = false } = {}) {
    const nodes = [headed(title)];
    if (notice) nodes.push(element("p", { className: "manage-done", text: notice, attributes: { role: "status" } }));
    const shown = element("div", { className: "review-shown" });
    shown.append(element("p", { className: "review-rating", text: fill(t.given, { rating: review.rating }) }));
    if (review.comment) shown.append(element("p", { className: "review-comment", text: review.comment }));
    if (review.createdAt) {
      shown.append(element("p", { className: "review-when", text: fill(t.sentAt, { when: formatDateTime(review.createdAt, language, timezone) }) }));
    }
    nodes.push(shown);
    if (review.reply) {
      const reply = element("div", { className: "review-reply" });
      reply.append(
        element("h3", { text: fill(t.reply, { name: professionalName }) }),
        element("p", { className: "review-reply-text", text: review.reply }),
      );
      if (review.repliedAt) {
        reply.append(element("p", { className: "review-when", text: formatDateTime(review.repliedAt, language, timezone) }));
      }
      nodes.push(reply);
    }
    root.replaceChildren(...nodes);
    if (focus) heading.focus();
  }

  function showForm() {
    const nodes = [headed(t.heading), element("p", { text: fill(t.what, { name: professionalName }) })];
    const form = element("form", { className: "review-form", attributes: { novalidate: "", "aria-labelledby": "review-heading" } });

    const ratingError = element("p", { className: "field-error", attributes: { id: "review-rating-error" } });
    ratingError.hidden = true;
    const fieldset = element("fieldset", { className: "review-rating-field" });
    fieldset.append(element("legend", { text: t.rating }));
    const choices = element("div", { className: "review-ratings" });
    const radios = RATINGS.map((rating) => {
      const id = `review-rating-${rating}`;
      const radio = element("input", { attributes: { type: "radio", name: "rating", value: String(rating), id } });
      const choice = element("label", { className: "review-choice", attributes: { for: id } });
      choice.append(radio, element("span", { text: fill(t.ratingOf, { rating: numbers.format(rating) }) }));
      choices.append(choice);
      return radio;
    });
    fieldset.append(choices, ratingError);

    const comment = countedField({ id: "review-comment", label: t.comment, max: MAX_COMMENT, language, countText: t.count });
    const formError = element("p", { className: "booking-error", attributes: { role: "alert", tabindex: "-1" } });
    formError.hidden = true;
    const submit = element("button", { className: "button-primary", text: t.send, attributes: { type: "submit" } });
    const status = element("p", { className: "review-status", attributes: { role: "status" } });
    form.append(fieldset, comment.element, formError, submit, status);
    nodes.push(form);
    root.replaceChildren(...nodes);

    function setRatingError(message) {
      ratingError.textContent = message || "";
      ratingError.hidden = !message;
      for (const radio of radios) {
        if (message) {
          radio.setAttribute("aria-invalid", "true");
          radio.setAttribute("aria-describedby", "review-rating-error");
        } else {
          radio.removeAttribute("aria-invalid");
          radio.removeAttribute("aria-describedby");
        }
      }
    }
    for (const radio of radios) radio.addEventListener("change", () => setRatingError(""));

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (submit.disabled) return;
      formError.hidden = true;
      const chosen = radios.find((radio) => radio.checked);
      const text = comment.value().trim();
      // Said at once, without a request: every attempt counts against the rate limit.
      setRatingError(chosen ? "" : t.ratingRequired);
      comment.setError(comment.tooLong() ? fill(t.tooLong, { max: numbers.format(MAX_COMMENT) }) : "");
      if (!chosen) return radios[0].focus();
      if (comment.tooLong()) return comment.input.focus();
      const rating = Number(chosen.value);
      submit.disabled = true;
      status.textContent = t.sending;
      try {
        const review = await api(`/api/guest/appointments/${encodeURIComponent(appointmentId)}/review`, {
          method: "POST",
          body: text ? { token, rating, comment: text } : { token, rating },
          language,
        });
        const shown = { rating, comment: text || null, ...review };
        showReview(shown, { title: t.thanks, focus: true });
        onDone(shown);
      } catch (failure) {
        submit.disabled = false;
        status.textContent = "";
        if (failure.status === 401) return onLinkExpired();
        if (failure.status === 409 && failure.code === "ALREADY_REVIEWED") return showRecorded();
        if (failure.status === 400 && (failure.fields.rating || failure.fields.comment)) {
          setRatingError(failure.fields.rating || "");
          comment.setError(failure.fields.comment || "");
          return (failure.fields.rating ? radios[0] : comment.input).focus();
        }
        formError.textContent =
          failure.status === 409
            ? t.notReviewable
            : failure.status === 429
              ? retryText(failure, language, t)
              : failure.status === 0
                ? t.network
                : t.failed;
        formError.hidden = false;
        formError.focus();
      }
    });
  }

  // Reviewed meanwhile (a second tab, another device): what is on record, from the guest view.
  async function showRecorded() {
    try {
      const booking = await api(`/api/guest/appointments/${encodeURIComponent(appointmentId)}`, { query: { token }, language });
      if (booking.review) {
        showReview(booking.review, { notice: t.already, focus: true });
        onDone(booking.review);
        return;
      }
    } catch (failure) {
      if (failure.status === 401) return onLinkExpired();
    }
    root.replaceChildren(headed(t.yours), element("p", { className: "manage-done", text: t.already, attributes: { role: "status" } }));
    heading.focus();
  }

  if (options.review) showReview(options.review);
  else showForm();
  return {
    element: root,
    focus() {
      heading.focus();
    },
  };
}
