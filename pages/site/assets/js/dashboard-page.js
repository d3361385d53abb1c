// /dashboard[/{screen}[/{id}]]: the professional's dashboard. One page answers every screen's
// address (infra/site_routes.py); this shell signs in (OpenID Connect, code + PKCE: auth.js),
// reads the account (GET /api/account), offers the sign-up to a sign-in without one, draws the
// header (the screens, the unread notifications, who is signed in, sign out) and loads the
// screen the path names. A screen is its own module, imported when first shown, with
// `mount(root, ctx)` (dashboard-kit.js says what ctx holds). Links between screens change the
// address without reloading; back and forward work; the heading takes the focus on each change.
// Everything speaks the professional's language (the browser's until the account is known).

import { api, ApiError } from "/assets/js/api.js";
import { accessToken, signIn, signOut } from "/assets/js/auth.js";
import { el, button } from "/assets/js/account-ui.js";
import { errorText } from "/assets/js/dashboard-kit.js";
import { fill, languageOf, textsFor } from "/assets/js/i18n.js";

const TEXTS = {
  "pt-BR": {
    brand: "Agenda",
    skip: "Pular para o conteúdo",
    nav: "Painel",
    heading: "Painel do profissional",
    loading: "Carregando…",
    signedOut: "Entre para ver os seus pedidos, a agenda do dia, os seus horários e os seus clientes. Ainda não tem uma página? Entre com o seu e-mail e crie a sua.",
    signIn: "Entrar ou criar conta",
    signOut: "Sair",
    signedOutDone: "Você saiu da sua conta.",
    who: "{name}",
    unread: "{count} não lidas",
    retry: "Tentar de novo",
    signUp: "Crie a sua página",
    notFound: "Esta tela não existe.",
    toToday: "Ir para Hoje",
    screens: {
      today: "Hoje",
      appointments: "Agenda",
      book: "Marcar horário",
      availability: "Horários",
      clients: "Clientes",
      reviews: "Avaliações",
      notifications: "Notificações",
      profile: "Perfil",
      plan: "Plano",
    },
  },
  en: {
    brand: "Agenda",
    skip: "Skip to content",
    nav: "Dashboard",
    heading: "Your dashboard",
    loading: "Loading…",
    signedOut: "Sign in to see your requests, today's appointments, your hours and your clients. No page yet? Sign in with your email and create yours.",
    signIn: "Sign in or create an account",
    signOut: "Sign out",
    signedOutDone: "You signed out.",
    who: "{name}",
    unread: "{count} unread",
    retry: "Try again",
    signUp: "Create your page",
    notFound: "There is no such screen.",
    toToday: "Go to Today",
    screens: {
      today: "Today",
      appointments: "Appointments",
      book: "Book a time",
      availability: "Hours",
      clients: "Clients",
      reviews: "Reviews",
      notifications: "Notifications",
      profile: "Profile",
      plan: "Plan",
    },
  },
};

// The screens, in the header's order; each module is named by a literal so the build hashes
// it. `book` has no link of its own in the header: Today and a client's page lead to it.
const SCREENS = {
  today: { load: () => import("/assets/js/dashboard-today.js"), nav: true },
  appointments: { load: () => import("/assets/js/dashboard-appointments.js"), nav: true },
  book: { load: () => import("/assets/js/dashboard-book.js"), nav: false },
  availability: { load: () => import("/assets/js/dashboard-availability.js"), nav: true },
  clients: { load: () => import("/assets/js/dashboard-clients.js"), nav: true },
  reviews: { load: () => import("/assets/js/dashboard-reviews.js"), nav: true },
  notifications: { load: () => import("/assets/js/dashboard-notifications.js"), nav: true },
  profile: { load: () => import("/assets/js/dashboard-profile.js"), nav: true },
  plan: { load: () => import("/assets/js/dashboard-plan.js"), nav: true },
};
const SIGN_UP = () => import("/assets/js/dashboard-signup.js");

const main = document.getElementById("dashboard");
const heading = document.getElementById("dashboard-heading");
const header = document.querySelector(".dash-header");
const navList = header.querySelector(".dash-nav ul");
const who = header.querySelector(".dash-who");
const announcer = document.getElementById("dashboard-announcer");
const skip = document.querySelector(".dash-skip");

let language = languageOf(navigator.language);
let texts = textsFor(language, TEXTS);
let account = null;
let current = null; // {unmount?} of the screen shown
let renderCount = 0;
let signedOutOnPurpose = false;
const badges = {};

// Where the sign-in comes back to: this very screen, its part (#messages) included.
function here() {
  return location.pathname + location.search + location.hash;
}

function pathOf(screen, id) {
  if (screen === "today") return "/dashboard";
  return id ? `/dashboard/${screen}/${encodeURIComponent(id)}` : `/dashboard/${screen}`;
}

// "/dashboard/clients/abc" -> {screen: "clients", id: "abc"}; an unknown screen is null.
function routeOf(url) {
  const match = /^\/dashboard(?:\/([a-z-]+)(?:\/([^/]+))?)?$/.exec(url.pathname);
  if (!match) return null;
  const screen = match[1] || "today";
  if (!SCREENS[screen] || (match[1] === "today")) return null;
  return {
    screen,
    id: match[2] ? decodeURIComponent(match[2]) : null,
    params: new URLSearchParams(url.search),
    hash: url.hash.replace(/^#/, ""),
  };
}

function setLanguage(tag) {
  language = languageOf(tag);
  texts = textsFor(language, TEXTS);
  document.documentElement.lang = language;
  skip.textContent = texts.skip;
  header.querySelector(".dash-nav").setAttribute("aria-label", texts.nav);
}

function setHeading(text) {
  heading.textContent = text;
  document.title = `${text} · ${texts.brand}`;
}

// Empties the page below the heading and answers the new screen's root.
function freshRoot() {
  while (heading.nextSibling) heading.nextSibling.remove();
  const root = el("div", { className: "dash-screen" });
  main.append(root);
  return root;
}

function announce(text) {
  // Emptied first, so the same sentence twice is announced twice.
  announcer.textContent = "";
  window.setTimeout(() => {
    announcer.textContent = text;
  }, 50);
}

// A screen may ask for another language than the account's (the sign-up form, before there
// is an account), by passing `language`.
// Without a sign-in (it expired, or its refresh token was refused) a call goes to the issuer's
// sign-in and comes back here; after the person signed out on purpose it only fails, so a call
// still in flight from the screen they left does not sign them in again.
async function call(path, options = {}) {
  const unauthorized = async (error) => {
    if (!signedOutOnPurpose) await signIn({ returnTo: here() });
    return error;
  };
  let token = await accessToken();
  if (!token) throw await unauthorized(new ApiError(401, { code: "UNAUTHORIZED" }));
  try {
    return await api(path, { language, ...options, token });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    // The token died between the check and the call: once more with a fresh one.
    token = await accessToken();
    if (!token) throw await unauthorized(error);
    return api(path, { language, ...options, token });
  }
}

async function refreshAccount() {
  account = await call("/api/account");
  setLanguage(account.language);
  who.replaceChildren(
    el("span", {}, fill(texts.who, { name: account.name })),
    button(texts.signOut, () => leave(), { className: "account-button" }),
  );
  return account;
}

async function refreshUnread() {
  try {
    const page = await call("/api/notifications", { query: { unread: "true", limit: 1 } });
    const count = page.unreadCount || 0;
    badges.notifications.textContent = count ? String(count) : "";
    badges.notificationsLabel.textContent = count ? fill(texts.unread, { count }) : "";
    return count;
  } catch {
    return null; // the header's count is a courtesy: the notifications screen says what failed
  }
}

function drawHeader() {
  header.querySelector(".dash-brand").textContent = texts.brand;
  navList.replaceChildren();
  for (const [screen, entry] of Object.entries(SCREENS)) {
    if (!entry.nav) continue;
    const link = el("a", { href: pathOf(screen), "data-screen": screen }, texts.screens[screen]);
    if (screen === "notifications") {
      badges.notifications = el("span", { className: "dash-badge", "aria-hidden": "true" });
      badges.notificationsLabel = el("span", { className: "visually-hidden" });
      link.append(badges.notifications, badges.notificationsLabel);
    }
    navList.append(el("li", {}, link));
  }
  header.hidden = false;
}

function markCurrent(screen) {
  for (const link of navList.querySelectorAll("a")) {
    if (link.dataset.screen === screen) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function context(route) {
  return {
    account,
    language,
    zone: account.timezone,
    route,
    api: call,
    navigate,
    announce,
    setHeading,
    refreshAccount: async () => {
      const fresh = await refreshAccount();
      drawHeader();
      markCurrent(route.screen);
      refreshUnread();
      return fresh;
    },
    refreshUnread,
  };
}

async function render({ focus }) {
  const count = ++renderCount;
  if (current && typeof current.unmount === "function") current.unmount();
  current = null;
  const route = routeOf(new URL(location.href));
  const root = freshRoot();
  if (!route) {
    setHeading(texts.notFound);
    markCurrent(null);
    root.append(el("p", {}, el("a", { href: pathOf("today") }, texts.toToday)));
    if (focus) heading.focus();
    return;
  }
  setHeading(texts.screens[route.screen]);
  markCurrent(route.screen);
  root.append(el("p", { className: "account-status", role: "status" }, texts.loading));
  if (focus) heading.focus();
  main.setAttribute("aria-busy", "true");
  try {
    const screen = await SCREENS[route.screen].load();
    if (count !== renderCount) return;
    root.replaceChildren();
    const mounted = (await screen.mount(root, context(route))) || null;
    if (count !== renderCount) {
      // Another screen was asked for while this one read its data: it is gone already.
      if (mounted && typeof mounted.unmount === "function") mounted.unmount();
      return;
    }
    current = mounted;
  } catch (error) {
    if (count !== renderCount) return;
    failed(root, error, () => render({ focus: true }));
  } finally {
    if (count === renderCount) main.removeAttribute("aria-busy");
  }
  refreshUnread();
}

function failed(root, error, retry) {
  root.replaceChildren(
    el("p", { className: "account-alert", role: "alert" }, errorText(error, language)),
    button(texts.retry, retry),
  );
}

function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  window.scrollTo(0, 0);
  return render({ focus: true });
}

// A plain click on a link to another screen stays in the page; a click with a modifier (a new
// tab) and links elsewhere are left to the browser, as is a link to a part of this screen.
document.addEventListener("click", (event) => {
  if (!account || event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest("a[href]");
  if (!link || link.target || link.hasAttribute("download")) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith("/dashboard")) return;
  if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
  event.preventDefault();
  navigate(url.pathname + url.search + url.hash);
});

window.addEventListener("popstate", () => {
  if (account) render({ focus: true });
});

function signedOut(message) {
  account = null;
  header.hidden = true;
  setHeading(texts.heading);
  const root = freshRoot();
  if (message) root.append(el("p", { className: "account-status", role: "status" }, message));
  root.append(
    el("p", {}, texts.signedOut),
    button(texts.signIn, () => signIn({ returnTo: here() }), {
      className: "account-button account-primary",
    }),
  );
}

function leave() {
  if (current && typeof current.unmount === "function") current.unmount();
  current = null;
  renderCount += 1; // a screen still loading draws nothing more
  signedOutOnPurpose = true;
  signOut();
  signedOut(texts.signedOutDone);
  heading.focus();
}

async function signUp() {
  header.hidden = true;
  setHeading(texts.signUp);
  const root = freshRoot();
  const screen = await SIGN_UP();
  await screen.mount(root, {
    language,
    api: call,
    announce,
    setHeading,
    // The new account: the dashboard starts on the screen the sign-up names (its hours).
    accountCreated: async (created, next = pathOf("availability")) => {
      account = created;
      await refreshAccount();
      drawHeader();
      history.replaceState(null, "", next);
      return render({ focus: true });
    },
  });
}

async function start() {
  setLanguage(language);
  setHeading(texts.heading);
  let token;
  try {
    token = await accessToken();
  } catch (error) {
    failed(freshRoot(), error, start);
    return;
  }
  if (!token) {
    signedOut();
    return;
  }
  try {
    await refreshAccount();
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      await signUp();
      return;
    }
    if (error instanceof ApiError && error.status === 401) return; // on its way to the sign-in
    failed(freshRoot(), error, start);
    return;
  }
  drawHeader();
  await render({ focus: false });
}

start();
