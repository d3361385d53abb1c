// /billing: where a professional comes back to from a plan's Checkout (?checkout=success or
// ?checkout=cancelled) and from the billing portal (no query). The plan itself changes when
// Stripe's webhook reports the subscription, not when this page opens; the page links to the
// dashboard's plan screen (/dashboard/plan), which shows it.
import { showReturnPage } from "/assets/js/return-page.js";

const outcome = new URLSearchParams(window.location.search).get("checkout");

showReturnPage(
  {
    "pt-BR": {
      success: {
        title: "Assinatura concluída · Agenda",
        description: "O pagamento do seu plano foi concluído.",
        heading: "Assinatura concluída",
        what: "O pagamento do seu novo plano foi concluído.",
        next: "O plano passa a valer assim que o Stripe nos confirma a assinatura, em geral em poucos segundos; você vê o plano novo na sua conta.",
        plan: "Ver o seu plano no painel",
        home: "Ir para a página inicial",
      },
      cancelled: {
        title: "Assinatura não concluída · Agenda",
        description: "A assinatura não foi concluída e nada foi cobrado.",
        heading: "Assinatura não concluída",
        what: "Você saiu do pagamento antes de concluí-lo. Nada foi cobrado.",
        next: "Seu plano continua o mesmo. Você pode escolher um plano de novo quando quiser, na sua conta.",
        plan: "Ver o seu plano no painel",
        home: "Ir para a página inicial",
      },
      default: {
        title: "Plano e pagamento · Agenda",
        description: "A volta do pagamento ou do portal de assinatura do seu plano.",
        heading: "Plano e pagamento",
        what: "Você voltou do portal de assinatura.",
        next: "O que você mudou no plano (troca, cancelamento, forma de pagamento) aparece na sua conta assim que o Stripe nos avisa, em geral em poucos segundos.",
        plan: "Ver o seu plano no painel",
        home: "Ir para a página inicial",
      },
    },
    en: {
      success: {
        title: "Subscription complete · Agenda",
        description: "The payment for your plan is complete.",
        heading: "Subscription complete",
        what: "The payment for your new plan is complete.",
        next: "The plan applies as soon as Stripe confirms the subscription to us, usually within seconds; you will see the new plan in your account.",
        plan: "See your plan in the dashboard",
        home: "Go to the home page",
      },
      cancelled: {
        title: "Subscription not completed · Agenda",
        description: "The subscription was not completed and nothing was charged.",
        heading: "Subscription not completed",
        what: "You left the payment before completing it. Nothing was charged.",
        next: "Your plan stays as it was. You can choose a plan again whenever you like, in your account.",
        plan: "See your plan in the dashboard",
        home: "Go to the home page",
      },
      default: {
        title: "Plan and billing · Agenda",
        description: "Back from the payment or the subscription portal of your plan.",
        heading: "Plan and billing",
        what: "You are back from the subscription portal.",
        next: "What you changed in your plan (a switch, a cancellation, a payment method) shows in your account as soon as Stripe tells us, usually within seconds.",
        plan: "See your plan in the dashboard",
        home: "Go to the home page",
      },
    },
  },
  outcome === "success" || outcome === "cancelled" ? outcome : "default",
);
