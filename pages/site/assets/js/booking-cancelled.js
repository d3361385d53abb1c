// /booking/cancelled: Checkout's cancel address when a booking has no manage link to return to.
import { showReturnPage } from "/assets/js/return-page.js";

showReturnPage(
  {
    "pt-BR": {
      default: {
        title: "Pagamento não concluído · Agenda",
        description: "O pagamento não foi concluído e nada foi cobrado.",
        heading: "Pagamento não concluído",
        what: "Você saiu do pagamento antes de concluí-lo. Nada foi cobrado.",
        next: "O horário fica reservado só por alguns minutos e depois volta a ficar livre. Para agendar, abra de novo a página do profissional e escolha um horário.",
        home: "Ir para a página inicial",
      },
    },
    en: {
      default: {
        title: "Payment not completed · Agenda",
        description: "The payment was not completed and nothing was charged.",
        heading: "Payment not completed",
        what: "You left the payment before completing it. Nothing was charged.",
        next: "The time stays held for a few minutes only, then it is free again. To book, open the professional's page again and choose a time.",
        home: "Go to the home page",
      },
    },
  },
  "default",
);
