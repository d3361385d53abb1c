// /dashboard/plan: the plan now (the plan subscribed to, the one whose limits apply with its
// trial or grace and its end, the subscription's status, the period's end and a cancellation
// at its end), this month's usage against the limits (a null limit is unlimited), the plans to
// choose with what each allows, "subscribe" (POST /api/stripe/checkout {plan}, then Stripe
// Checkout's page) and "manage billing" (POST /api/stripe/portal, then Stripe's portal). Both
// come back to /billing, which links here. The plan changes when Stripe's webhook reports the
// subscription, so this screen reads the account again on demand (GET /api/account).
//
// 409s: checkout while a subscription exists ("change it in the billing portal", whose button
// takes the focus); the portal before any checkout ("choose a plan first").

import { el, button } from "/assets/js/account-ui.js";
import { busy, errorText } from "/assets/js/dashboard-kit.js";
import { fill, formatDay, textsFor } from "/assets/js/i18n.js";


const TEXTS = {
  "pt-BR": {
    names: { free: "Gratuito", basic: "Básico", pro: "Pro", premium: "Premium" },
    now: "O seu plano agora",
    subscribed: "Plano assinado: {plan}",
    trial: "Você está experimentando o plano {plan} até {until}. Depois disso, valem os limites do plano Gratuito, a menos que você assine um plano.",
    trialStripe: "Plano {plan} em período de teste até {until}.",
    active: "O plano {plan} está ativo.",
    grace: "O último pagamento do plano {plan} falhou. Os limites dele continuam até {until}; atualize o cartão no portal de assinatura.",
    free: "Você está no plano Gratuito.",
    status: "Situação da assinatura: {status}",
    statuses: {
      none: "nenhuma assinatura",
      incomplete: "pagamento incompleto",
      incomplete_expired: "pagamento não concluído",
      trialing: "em teste",
      active: "ativa",
      past_due: "pagamento atrasado",
      canceled: "cancelada",
      unpaid: "não paga",
      paused: "pausada",
    },
    renews: "Renova em {date}.",
    ends: "Cancelada: termina em {date}, e o plano volta a ser o Gratuito.",
    usage: "Uso em {month}",
    clients: "Clientes: {used} de {limit}",
    appointments: "Agendamentos neste mês: {used} de {limit}",
    clientsUnlimited: "Clientes: {used} (sem limite)",
    appointmentsUnlimited: "Agendamentos neste mês: {used} (sem limite)",
    atLimit: "Você chegou ao limite do seu plano: clientes novos não conseguem reservar até você assinar um plano (ou até o mês que vem, para os agendamentos).",
    choose: "Os planos",
    priceNote: "O preço de cada plano aparece na página de pagamento do Stripe, antes de você pagar. A cobrança é mensal.",
    limitClients: "Até {count} clientes",
    limitAppointments: "Até {count} agendamentos por mês",
    unlimitedClients: "Clientes sem limite",
    unlimitedAppointments: "Agendamentos sem limite",
    current: "O seu plano",
    subscribe: "Assinar o plano {plan}",
    going: "Abrindo a página de pagamento…",
    manage: "Gerenciar a assinatura",
    manageHint: "No portal de assinatura você troca de plano, muda o cartão, vê as faturas ou cancela.",
    opening: "Abrindo o portal de assinatura…",
    alreadySubscribed: "Você já tem uma assinatura. Para trocar de plano, use o portal de assinatura.",
    noBilling: "Ainda não há uma assinatura para gerenciar: escolha um plano primeiro.",
    reread: "Ver de novo",
    rereadHint: "Acabou de pagar? O plano novo aparece assim que o Stripe nos confirma, em geral em poucos segundos.",
    reread_done: "Plano lido de novo.",
  },
  en: {
    names: { free: "Free", basic: "Basic", pro: "Pro", premium: "Premium" },
    now: "Your plan now",
    subscribed: "Plan subscribed to: {plan}",
    trial: "You are trying the {plan} plan until {until}. After that the Free plan's limits apply, unless you subscribe to a plan.",
    trialStripe: "{plan} plan on trial until {until}.",
    active: "The {plan} plan is active.",
    grace: "The last payment for the {plan} plan failed. Its limits stay until {until}; update your card in the billing portal.",
    free: "You are on the Free plan.",
    status: "Subscription status: {status}",
    statuses: {
      none: "no subscription",
      incomplete: "payment incomplete",
      incomplete_expired: "payment not completed",
      trialing: "on trial",
      active: "active",
      past_due: "payment overdue",
      canceled: "cancelled",
      unpaid: "unpaid",
      paused: "paused",
    },
    renews: "Renews on {date}.",
    ends: "Cancelled: it ends on {date}, and the plan goes back to Free.",
    usage: "Usage in {month}",
    clients: "Clients: {used} of {limit}",
    appointments: "Appointments this month: {used} of {limit}",
    clientsUnlimited: "Clients: {used} (no limit)",
    appointmentsUnlimited: "Appointments this month: {used} (no limit)",
    atLimit: "You reached your plan's limit: new clients cannot book until you subscribe to a plan (or until next month, for appointments).",
    choose: "The plans",
    priceNote: "Each plan's price shows on Stripe's payment page, before you pay. Billing is monthly.",
    limitClients: "Up to {count} clients",
    limitAppointments: "Up to {count} appointments a month",
    unlimitedClients: "Unlimited clients",
    unlimitedAppointments: "Unlimited appointments",
    current: "Your plan",
    subscribe: "Subscribe to {plan}",
    going: "Opening the payment page…",
    manage: "Manage billing",
    manageHint: "In the billing portal you switch plans, change your card, see your invoices or cancel.",
    opening: "Opening the billing portal…",
    alreadySubscribed: "You already have a subscription. To switch plans, use the billing portal.",
    noBilling: "There is no subscription to manage yet: choose a plan first.",
    reread: "Check again",
    rereadHint: "Just paid? The new plan shows as soon as Stripe confirms it to us, usually within seconds.",
    reread_done: "Plan read again.",
  },
};

function line(text, className = "") {
  return el("p", { className }, text);
}

function resultLine({ alert = false } = {}) {
  return el("p", { className: alert ? "account-alert" : "account-status", role: alert ? "alert" : "status", tabindex: "-1", hidden: true });
}

function say(target, text) {
  target.textContent = text || "";
  target.hidden = !text;
}

function planName(texts, plan) {
  return texts.names[plan] || plan;
}

// The month "2026-12" as people say it, in the professional's language.
function monthName(month, language) {
  const [year, number] = month.split("-").map(Number);
  return new Intl.DateTimeFormat(language, { month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(year, number - 1, 15)));
}

function nowSection(account, texts, ctx) {
  const day = (instant) => formatDay(instant, ctx.language, ctx.zone);
  const effective = account.effectivePlan;
  const name = planName(texts, effective.plan);
  const parts = [el("h2", { id: "plan-now" }, texts.now)];
  if (effective.state === "trial") {
    const template = account.subscriptionStatus === "trialing" ? texts.trialStripe : texts.trial;
    parts.push(line(fill(template, { plan: name, until: effective.until ? day(effective.until) : "" }), "dash-plan-state"));
  } else if (effective.state === "grace") {
    parts.push(line(fill(texts.grace, { plan: name, until: effective.until ? day(effective.until) : "" }), "dash-plan-state"));
  } else if (effective.state === "active") {
    parts.push(line(fill(texts.active, { plan: name }), "dash-plan-state"));
  } else {
    parts.push(line(texts.free, "dash-plan-state"));
  }
  if (account.plan !== "free") parts.push(line(fill(texts.subscribed, { plan: planName(texts, account.plan) })));
  parts.push(line(fill(texts.status, { status: texts.statuses[account.subscriptionStatus] || account.subscriptionStatus })));
  if (account.subscriptionPeriodEnd && account.subscribed) {
    parts.push(line(fill(account.cancelAtPeriodEnd ? texts.ends : texts.renews, { date: day(account.subscriptionPeriodEnd) })));
  }
  return el("section", { className: "dash-card", "aria-labelledby": "plan-now" }, ...parts);
}

function usageSection(account, texts, ctx) {
  const { limits, usage } = account;
  const count = (used, limit, limited, unlimited) =>
    limit === null || limit === undefined ? fill(unlimited, { used }) : fill(limited, { used, limit });
  const reached =
    (limits.maxClients !== null && usage.clients >= limits.maxClients) ||
    (limits.maxAppointmentsPerMonth !== null && usage.appointmentsThisMonth >= limits.maxAppointmentsPerMonth);
  return el(
    "section",
    { className: "dash-card", "aria-labelledby": "plan-usage" },
    el("h2", { id: "plan-usage" }, fill(texts.usage, { month: monthName(usage.month, ctx.language) })),
    el(
      "ul",
      { className: "dash-plan-usage" },
      el("li", {}, count(usage.clients, limits.maxClients, texts.clients, texts.clientsUnlimited)),
      el("li", {}, count(usage.appointmentsThisMonth, limits.maxAppointmentsPerMonth, texts.appointments, texts.appointmentsUnlimited)),
    ),
    reached ? line(texts.atLimit, "account-alert") : null,
  );
}

// What a plan allows, as the account lists them (`plans`: each plan's limits, from the API's
// one table; prices live in Stripe and show at checkout).
function allowances(limits, texts) {
  return el(
    "ul",
    {},
    el("li", {}, limits.maxClients === null ? texts.unlimitedClients : fill(texts.limitClients, { count: limits.maxClients })),
    el("li", {}, limits.maxAppointmentsPerMonth === null ? texts.unlimitedAppointments : fill(texts.limitAppointments, { count: limits.maxAppointmentsPerMonth })),
  );
}

export async function mount(root, ctx) {
  const texts = textsFor(ctx.language, TEXTS);
  let account = ctx.account;
  const status = resultLine();
  const alert = resultLine({ alert: true });
  const body = el("div", { className: "dash-plan" });
  root.append(body);

  // Stripe's billing portal, for a subscriber: its address, then the whole window goes there.
  async function openPortal(trigger) {
    say(alert, "");
    try {
      const portal = await busy(trigger, () => ctx.api("/api/stripe/portal", { method: "POST" }));
      say(status, texts.opening);
      location.assign(portal.url);
    } catch (error) {
      say(alert, error && error.status === 409 ? texts.noBilling : errorText(error, ctx.language));
      alert.focus();
    }
  }

  async function subscribe(plan, trigger) {
    say(alert, "");
    try {
      const checkout = await busy(trigger, () => ctx.api("/api/stripe/checkout", { method: "POST", body: { plan } }));
      say(status, texts.going);
      location.assign(checkout.url);
    } catch (error) {
      if (error && error.status === 409) {
        // A subscription exists (perhaps made in another tab): the portal changes it.
        say(alert, texts.alreadySubscribed);
        await reread({ quiet: true });
        const manage = body.querySelector("#plan-manage");
        (manage || alert).focus();
        return;
      }
      say(alert, errorText(error, ctx.language));
      alert.focus();
    }
  }

  async function reread({ quiet = false, trigger = null } = {}) {
    try {
      const read = () => ctx.api("/api/account");
      account = trigger ? await busy(trigger, read) : await read();
      draw();
      if (!quiet) {
        say(status, texts.reread_done);
        status.focus();
      }
    } catch (error) {
      say(alert, errorText(error, ctx.language));
      alert.focus();
    }
  }

  function plansSection() {
    const subscribed = account.subscribed;
    const cards = el("ul", { className: "dash-cards dash-plan-cards" });
    for (const offer of account.plans) {
      const { plan } = offer;
      const mine = subscribed ? account.plan === plan : plan === "free";
      const card = el(
        "li",
        { className: "dash-card" },
        el("h3", { id: `plan-${plan}` }, planName(texts, plan)),
        allowances(offer, texts),
        mine ? line(texts.current, "dash-done") : null,
      );
      if (plan !== "free" && !subscribed) {
        const choose = button(fill(texts.subscribe, { plan: planName(texts, plan) }), () => subscribe(plan, choose), {
          className: "account-button account-primary",
        });
        card.append(el("div", { className: "account-row" }, choose));
      }
      cards.append(card);
    }
    const parts = [el("h2", { id: "plan-choose" }, texts.choose), line(texts.priceNote, "account-hint"), cards];
    if (account.subscriptionStatus !== "none") {
      const manage = button(texts.manage, () => openPortal(manage), { className: subscribed ? "account-button account-primary" : "account-button" });
      manage.id = "plan-manage";
      parts.push(line(texts.manageHint, "account-hint"), el("div", { className: "account-row" }, manage));
    }
    return el("section", { className: "dash-plan-choose", "aria-labelledby": "plan-choose" }, ...parts);
  }

  function draw() {
    const again = button(texts.reread, () => reread({ trigger: again }));
    body.replaceChildren(
      alert,
      status,
      nowSection(account, texts, ctx),
      usageSection(account, texts, ctx),
      plansSection(),
      el("section", { className: "dash-plan-again" }, line(texts.rereadHint, "account-hint"), el("div", { className: "account-row" }, again)),
    );
  }

  // Fresh: the plan may have changed since the shell read the account (a webhook just now).
  account = await ctx.api("/api/account");
  draw();
}
