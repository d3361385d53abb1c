// /signed-in: where the issuer sends the person back with a code. It finishes the sign-in and
// returns to the page that started it; a failed round trip says what to do instead.

import { completeSignIn, SignInError } from "/assets/js/auth.js";
import { languageOf, textsFor } from "/assets/js/i18n.js";

const TEXTS = {
  "pt-BR": {
    title: "Entrando · Agenda",
    heading: "Entrando…",
    wait: "Aguarde um instante.",
    failed: "Não foi possível entrar",
    state: "Este retorno não corresponde a uma entrada iniciada nesta aba (ou ela demorou demais). Comece de novo pela página de onde veio.",
    denied: "A entrada foi cancelada.",
    network: "Sem conexão com o serviço de entrada. Verifique a sua internet e tente de novo.",
    other: "O serviço de entrada recusou o pedido. Tente de novo.",
    again: "Ir para Minhas reservas",
  },
  en: {
    title: "Signing in · Agenda",
    heading: "Signing in…",
    wait: "One moment, please.",
    failed: "Sign-in did not work",
    state: "This answer does not match a sign-in started in this tab (or it took too long). Start again from the page you came from.",
    denied: "The sign-in was cancelled.",
    network: "The sign-in service cannot be reached. Check your connection and try again.",
    other: "The sign-in service refused the request. Please try again.",
    again: "Go to My bookings",
  },
};

const language = languageOf(navigator.language);
const texts = textsFor(language, TEXTS);
const main = document.getElementById("signed-in");
const heading = document.getElementById("signed-in-heading");
const status = main.querySelector(".account-status");

document.documentElement.lang = language;
document.title = texts.title;
heading.textContent = texts.heading;
status.textContent = texts.wait;

function reasonOf(error) {
  if (!(error instanceof SignInError)) return texts.other;
  if (error.code === "state") return texts.state;
  if (error.code === "access_denied") return texts.denied;
  if (error.code === "network") return texts.network;
  return texts.other;
}

try {
  const returnTo = await completeSignIn();
  // replace: the code in this address is spent, going back to it would only fail.
  location.replace(returnTo);
} catch (error) {
  heading.textContent = texts.failed;
  status.textContent = reasonOf(error);
  const link = document.createElement("a");
  link.href = "/my-bookings";
  link.textContent = texts.again;
  const paragraph = document.createElement("p");
  paragraph.append(link);
  main.append(paragraph);
  heading.focus();
}
