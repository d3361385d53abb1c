// /booking/paid: Checkout's success address when a booking has no manage link to return to.
import { showReturnPage } from "/assets/js/return-page.js";

showReturnPage(
  {
    "pt-BR": {
      default: {
        title: "Pagamento recebido · Agenda",
        description: "Seu pagamento foi recebido e o agendamento segue para o profissional.",
        heading: "Pagamento recebido",
        what: "Recebemos o seu pagamento.",
        next: "Você recebe uma mensagem no WhatsApp quando o agendamento for confirmado, com o link para gerenciá-lo (ver, remarcar ou cancelar). Se pagou com Pix, a confirmação pode levar alguns minutos.",
        home: "Ir para a página inicial",
      },
    },
    en: {
      default: {
        title: "Payment received · Agenda",
        description: "Your payment was received and the booking goes on to the professional.",
        heading: "Payment received",
        what: "We have received your payment.",
        next: "You will get a WhatsApp message when the booking is confirmed, with the link to manage it (view, reschedule or cancel). If you paid by Pix, the confirmation may take a few minutes.",
        home: "Go to the home page",
      },
    },
  },
  "default",
);
