// /register?invite=...: the account invite of a confirmation message. It says what an account
// gives, signs the person in (or up) with the issuer, then claims the invite's bookings for the
// account (POST /api/client-profile/claim) and goes on to /my-bookings. Before the sign-in the
// page speaks the browser's language; the invite does not say which professional it is from.

import { api, ApiError } from "/assets/js/api.js";
import { accessToken, signIn, signOut } from "/assets/js/auth.js";
import { el, button, resetPage, statusLine } from "/assets/js/account-ui.js";
import { fill, languageOf, textsFor } from "/assets/js/i18n.js";

const TEXTS = {
  "pt-BR": {
    title: "Crie a sua conta · Agenda",
    heading: "Guarde as suas reservas numa conta",
    intro: "Com uma conta você vê todos os seus horários, com todos os profissionais, num só lugar:",
    gains: [
      "os próximos e os passados, com data, hora e situação;",
      "cancelar ou remarcar dentro do prazo de cada profissional, sem procurar a mensagem;",
      "seguir os profissionais de que gosta;",
      "baixar ou apagar os seus dados quando quiser.",
    ],
    how: "Entre com o seu e-mail (ou crie a conta agora). Depois disso as reservas deste convite passam a ser suas.",
    signIn: "Entrar ou criar conta",
    claiming: "Guardando as suas reservas na conta…",
    done: "Pronto: as reservas com {name} estão na sua conta.",
    missing: "Este endereço está incompleto: falta o convite. Abra o link da mensagem de confirmação outra vez.",
    invalid: "Este convite não vale mais: ele expira 30 dias depois de enviado, ou o link foi alterado. A próxima confirmação traz um novo. Se você já tem uma conta, suas reservas estão em Minhas reservas.",
    taken: "Estas reservas já estão em outra conta. Entre com a conta em que você as guardou.",
    otherAccount: "Entrar com outra conta",
    forbidden: "Este convite não pode ser usado: os dados a que ele se refere foram apagados.",
    limited: "Muitas tentativas. Tente de novo em {seconds} segundos.",
    network: "Sem conexão. Verifique a sua internet e tente de novo.",
    failed: "Algo deu errado do nosso lado. Tente de novo em instantes.",
    retry: "Tentar de novo",
    myBookings: "Ir para Minhas reservas",
  },
  en: {
    title: "Create your account · Agenda",
    heading: "Keep your bookings in an account",
    intro: "With an account you see all your appointments, with every professional, in one place:",
    gains: [
      "upcoming and past ones, with date, time and status;",
      "cancel or reschedule within each professional's notice, without looking for the message;",
      "follow the professionals you like;",
      "download or delete your data whenever you want.",
    ],
    how: "Sign in with your email (or create the account now). After that, the bookings of this invite are yours.",
    signIn: "Sign in or create an account",
    claiming: "Adding your bookings to your account…",
    done: "Done: your bookings with {name} are in your account.",
    missing: "This address is incomplete: the invite is missing. Open the link in your confirmation message again.",
    invalid: "This invite is no longer valid: it expires 30 days after it was sent, or the link was altered. Your next confirmation brings a new one. If you already have an account, your bookings are in My bookings.",
    taken: "These bookings are already in another account. Sign in with the account you added them to.",
    otherAccount: "Sign in with another account",
    forbidden: "This invite cannot be used: the details it refers to were deleted.",
    limited: "Too many tries. Try again in {seconds} seconds.",
    network: "No connection. Check your internet and try again.",
    failed: "Something went wrong on our side. Please try again in a moment.",
    retry: "Try again",
    myBookings: "Go to My bookings",
  },
};

const main = document.getElementById("register");
const language = languageOf(navigator.language);
const texts = textsFor(language, TEXTS);
const invite = new URLSearchParams(location.search).get("invite");

function page() {
  return resetPage(main, { language, title: texts.title, heading: texts.heading });
}

function myBookingsLink() {
  return el("p", {}, el("a", { href: "/my-bookings" }, texts.myBookings));
}

function explain() {
  page();
  main.append(
    el("p", {}, texts.intro),
    el("ul", { className: "account-gains" }, texts.gains.map((gain) => el("li", {}, gain))),
    el("p", {}, texts.how),
    el("p", {}, button(texts.signIn, () => signIn({ returnTo: location.pathname + location.search }), {
      className: "account-button account-primary",
    })),
  );
}

function problem(message, ...extra) {
  const heading = page();
  main.append(statusLine(message, { alert: true }), ...extra);
  heading.focus();
}

async function claim(token) {
  page();
  main.append(statusLine(texts.claiming));
  try {
    const claimed = await api("/api/client-profile/claim", {
      method: "POST",
      body: { invite },
      token,
      language,
    });
    main.append(statusLine(fill(texts.done, { name: claimed.professionalName })));
    location.assign("/my-bookings");
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 401) {
      // The sign-in is gone (expired or revoked): ask for it again.
      signOut();
      explain();
    } else if (error.status === 403 && error.fields.invite) {
      problem(texts.invalid, myBookingsLink());
    } else if (error.status === 403) {
      problem(texts.forbidden, myBookingsLink());
    } else if (error.code === "ALREADY_CLAIMED") {
      problem(
        texts.taken,
        el("p", {}, button(texts.otherAccount, () => {
          signOut();
          signIn({ returnTo: location.pathname + location.search });
        })),
      );
    } else if (error.status === 429) {
      problem(fill(texts.limited, { seconds: error.retryAfter ?? 60 }), el("p", {}, button(texts.retry, () => claim(token))));
    } else {
      problem(error.status === 0 ? texts.network : texts.failed, el("p", {}, button(texts.retry, start)));
    }
  }
}

async function start() {
  if (!invite) {
    problem(texts.missing, myBookingsLink());
    return;
  }
  let token = null;
  try {
    token = await accessToken();
  } catch {
    problem(texts.network, el("p", {}, button(texts.retry, start)));
    return;
  }
  if (token) await claim(token);
  else explain();
}

start();
