"""The texts in Brazilian Portuguese: one function per template, from its parameters to a
message of paragraphs, lists and links (agenda.domain.messages.markup).

A second language is a module like this one, with a function for each template under the same
names, listed by its locale in agenda.domain.messages.rendering.

A client may live in another zone than the professional (Manaus is an hour behind São Paulo),
so a time a client reads names its zone: "segunda-feira, 23/11 às 09:00 (horário de Brasília)".
The professional reads their own zone's clock, unnamed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType

from agenda.domain.messages.catalogue import PARTIES
from agenda.domain.messages.formatting import first_name, when_pt, zone_name_pt
from agenda.domain.messages.markup import (
    Block,
    Bold,
    Bullets,
    Line,
    Link,
    Message,
    Rendered,
    lines,
    para,
)
from agenda.domain.messages.params import Params, Text
from agenda.domain.verification import CODE_LIFETIME

_MANAGE = "Ver, remarcar ou cancelar"
_DETAILS = "Ver detalhes"
_REBOOK = "Escolher outro horário"
_DASHBOARD = "Abrir o seu painel"
_PLAN_NAMES_PT = {"free": "Gratuito", "basic": "Básico", "pro": "Pro", "premium": "Premium"}


def _hello(name: str) -> str:
    return f"Olá, {first_name(name)}!"


def _zoned(moment: datetime, written: str) -> str:
    return f"{written} ({zone_name_pt(moment)})"


def _when(p: Params, name: str = "startsAt") -> str:
    """A time for the client, who may live in another zone: on the professional's clock,
    with the zone's name."""
    moment = p.moment(name)
    return _zoned(moment, p.locale.when(moment))


def _dated_when(p: Params, moment: datetime) -> str:
    return _zoned(moment, p.locale.dated_when(moment))


def _link(p: Params, name: str, label: str) -> tuple[Block, ...]:
    url = p.maybe_url(name)
    return (Link(label, url),) if url else ()


def _reason(p: Params) -> tuple[Block, ...]:
    reason = p.maybe_text("reason")
    return (para(f"Motivo: {reason}"),) if reason else ()


def _plan_name(p: Params) -> str | None:
    name = p.maybe_text("planName")
    return _PLAN_NAMES_PT.get(name.lower(), name) if name else None


def _invite(professional: str, url: str, *, greeting: str | None = None) -> tuple[Block, ...]:
    return (
        para(
            *((greeting, " ") if greeting else ()),
            "Crie sua conta para ver seus horários com ",
            Bold(professional),
            " em um só lugar e remarcar ou cancelar quando precisar.",
        ),
        Link("Criar conta", url),
    )


def _booking_request(p: Params) -> Message:
    pro, client, starts = p.text("professionalName"), p.text("clientName"), p.moment("startsAt")
    status = p.maybe_choice("status", ("pending_confirmation", "confirmed"))
    if status == "confirmed":
        subject = f"Novo agendamento: {client}, {p.locale.short_when(starts)}"
        verb, next_step = " agendou um horário para ", "O agendamento já está confirmado."
    else:
        subject = f"Novo pedido de horário: {client}, {p.locale.short_when(starts)}"
        verb, next_step = " pediu um horário para ", "Confirme ou recuse o pedido na sua agenda."
    return Message(
        subject,
        (
            para(_hello(pro), " ", Bold(client), verb, Bold(p.locale.when(starts)), "."),
            para(next_step),
            *_link(p, "dashboardUrl", _DASHBOARD),
        ),
    )


def _booking_received(p: Params) -> Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    return Message(
        f"Recebemos seu pedido de horário com {pro}",
        (
            para(
                _hello(client),
                " Recebemos seu pedido de horário com ",
                Bold(pro),
                " para ",
                Bold(_when(p)),
                ".",
            ),
            para("Você receberá uma mensagem assim que ele for confirmado."),
            *_link(p, "manageUrl", _MANAGE),
        ),
    )


def _booking_confirmed(p: Params) -> Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    register = p.maybe_url("registerUrl")
    return Message(
        f"Horário confirmado com {pro}",
        (
            para(
                _hello(client),
                " Seu horário com ",
                Bold(pro),
                " está confirmado para ",
                Bold(_when(p)),
                ".",
            ),
            *_link(p, "manageUrl", _MANAGE),
            *(_invite(pro, register) if register else ()),
        ),
    )


def _booking_rejected(p: Params) -> Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    return Message(
        f"Seu pedido de horário com {pro} não foi confirmado",
        (
            para(
                _hello(client),
                " Infelizmente ",
                Bold(pro),
                " não pôde confirmar seu pedido de horário para ",
                Bold(_when(p)),
                ".",
            ),
            *_reason(p),
            *_link(p, "bookingUrl", _REBOOK),
            *_link(p, "manageUrl", _DETAILS),
        ),
    )


def _registration_invite(p: Params) -> Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    return Message(
        "Crie sua conta e acompanhe seus horários",
        _invite(pro, p.url("registerUrl"), greeting=_hello(client)),
    )


def _cancelled_by_client(p: Params) -> Message:
    pro, client, starts = p.text("professionalName"), p.text("clientName"), p.moment("startsAt")
    return Message(
        f"Agendamento cancelado: {client}, {p.locale.short_when(starts)}",
        (
            para(
                _hello(pro),
                " ",
                Bold(client),
                " cancelou o horário de ",
                Bold(p.locale.when(starts)),
                ".",
            ),
            *_reason(p),
            para("O horário voltou a ficar livre na sua agenda."),
            *_link(p, "dashboardUrl", _DASHBOARD),
        ),
    )


def _refund(p: Params) -> tuple[Block, ...]:
    refund = p.maybe_choice("refund", ("refunded", "kept"))
    if refund == "refunded":
        return (para("O valor pago será devolvido na mesma forma de pagamento."),)
    if refund == "kept":
        return (
            para(
                "O cancelamento foi registrado como tardio, conforme a política de "
                "cancelamento, e o valor pago não será devolvido."
            ),
        )
    return ()


_AS_ASKED = (" foi cancelado, como você pediu.",)


def _cancellation_confirmed(p: Params) -> Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    return Message(
        f"Cancelamento confirmado: seu horário com {pro}",
        (
            para(
                _hello(client),
                " Seu horário com ",
                Bold(pro),
                " de ",
                Bold(_when(p)),
                " foi cancelado, como você pediu.",
            ),
            *_refund(p),
            *_link(p, "bookingUrl", _REBOOK),
        ),
    )


def _cancelled_by_professional(p: Params) -> Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    return Message(
        f"Seu horário com {pro} foi cancelado",
        (
            para(_hello(client), " ", Bold(pro), " cancelou seu horário de ", Bold(_when(p)), "."),
            *_reason(p),
            *_refund(p),
            *_link(p, "bookingUrl", _REBOOK),
            *_link(p, "manageUrl", _DETAILS),
        ),
    )


def _rescheduled(p: Params) -> Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    moved_by = p.maybe_choice("movedBy", PARTIES)
    reader = p.audience
    # Usually the one who did not move it is told; either side tells who the other is.
    if reader is None and moved_by is None:
        raise p.error("movedBy", "is required when the audience is not known")
    if reader is None:
        reader = "professional" if moved_by == "client" else "client"
    if moved_by is None:
        moved_by = "professional" if reader == "client" else "client"

    if reader == "client":
        subject = f"Seu horário com {pro} foi remarcado"
        if moved_by == "professional":
            opening = (_hello(client), " ", Bold(pro), " remarcou seu horário.")
        else:
            opening = (_hello(client), " Seu horário com ", Bold(pro), " foi remarcado.")
        before, now = _when(p, "previousStartsAt"), _when(p, "startsAt")
    else:
        subject = f"Agendamento remarcado: {client}"
        if moved_by == "client":
            opening = (_hello(pro), " ", Bold(client), " remarcou o horário.")
        else:
            opening = (_hello(pro), " Você remarcou o horário de ", Bold(client), ".")
        before, now = p.when("previousStartsAt"), p.when("startsAt")
    return Message(
        subject,
        (
            para(*opening),
            lines(("Antes: ", before), ("Agora: ", Bold(now))),
            *_reason(p),
            *(_link(p, "manageUrl", _MANAGE) if reader == "client" else ()),
            *(_link(p, "dashboardUrl", _DASHBOARD) if reader == "professional" else ()),
        ),
    )


def _reminder_24h(p: Params) -> Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    return Message(
        f"Lembrete: seu horário com {pro}",
        (
            para(
                _hello(client),
                " Lembrete do seu horário com ",
                Bold(pro),
                ": ",
                Bold(_when(p)),
                ".",
            ),
            para("Se não puder comparecer, avise com antecedência."),
            *_link(p, "manageUrl", _MANAGE),
        ),
    )


def _reminder_1h(p: Params) -> Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    return Message(
        f"Seu horário com {pro} é daqui a pouco",
        (
            para(
                _hello(client),
                " Seu horário com ",
                Bold(pro),
                " é daqui a pouco: ",
                Bold(_when(p)),
                ".",
            ),
            *_link(p, "manageUrl", _MANAGE),
        ),
    )


_STATUS_NOTES_PT = {"pending_confirmation": " (aguardando sua confirmação)"}


def _daily_agenda(p: Params) -> Message:
    pro, day = p.text("professionalName"), p.day("date")
    appointments = p.appointments()
    heading = p.locale.day(day)
    count = len(appointments)
    if not count:
        return Message(
            f"Sua agenda de {heading}: nenhum atendimento",
            (
                para(
                    _hello(pro),
                    " Você não tem atendimentos marcados para ",
                    Bold(heading),
                    ".",
                ),
            ),
        )
    noun = "atendimento" if count == 1 else "atendimentos"
    items: list[Line] = []
    for starts, client, status in appointments:
        clock = p.locale.time(starts)
        if starts.date() != day:  # a late session that runs into the next day's date
            clock += f" ({p.locale.date_of_month(starts)})"
        items.append((Bold(clock), f" — {client}{_STATUS_NOTES_PT.get(status or '', '')}"))
    return Message(
        f"Sua agenda de {heading}: {count} {noun}",
        (
            para(_hello(pro), " Sua agenda de ", Bold(heading), f" tem {count} {noun}:"),
            Bullets(tuple(items)),
        ),
    )


def _payment_received(p: Params) -> Message:
    pro, client, amount = p.text("professionalName"), p.text("clientName"), p.money()
    starts, paid = p.maybe_moment("startsAt"), p.maybe_moment("paidAt")
    details: list[Line] = [
        ("Valor: ", Bold(amount)),
        (f"Cliente: {client}",),
        (f"Profissional: {pro}",),
    ]
    if starts:
        details.append((f"Atendimento: {_dated_when(p, starts)}",))
    if paid:
        details.append((f"Pago em: {_dated_when(p, paid)}",))
    return Message(
        f"Recibo de pagamento: {amount}",
        (
            para(_hello(client), " Seu pagamento para ", Bold(pro), " foi confirmado."),
            lines(*details),
            para("Guarde esta mensagem como comprovante."),
            *_link(p, "manageUrl", _DETAILS),
        ),
    )


_PAYMENT_TO = (" para ",)


def _payment_refunded(p: Params) -> Message:
    pro, client, amount = p.text("professionalName"), p.text("clientName"), p.money()
    starts = p.maybe_moment("startsAt")
    session: Line = (Bold(pro),)
    if starts:
        session += (" pelo atendimento de ", Bold(_dated_when(p, starts)))
    session += (" foi devolvido.",)
    return Message(
        f"Pagamento devolvido: {amount}",
        (
            para(_hello(client), " Seu pagamento de ", Bold(amount), *_PAYMENT_TO, *session),
            para(
                "O valor volta pela mesma forma de pagamento; o prazo para aparecer depende "
                "do seu banco ou cartão (em geral, até 10 dias úteis)."
            ),
            *_link(p, "manageUrl", _DETAILS),
        ),
    )


def _payment_pending(p: Params) -> Message:
    pro, client, amount = p.text("professionalName"), p.text("clientName"), p.money()
    # The key alone on its line, not bold, so it is copied without markup.
    key = p.maybe_text("pixKey")
    if key is None and not p.has("paymentUrl"):
        raise p.error("pixKey", "or paymentUrl is required: a way to pay")
    expires = p.maybe_moment("expiresAt")
    starts = p.maybe_moment("startsAt")
    if starts:
        opening: Line = (
            _hello(client),
            " Falta o pagamento do seu horário com ",
            Bold(pro),
            " de ",
            Bold(_zoned(starts, p.locale.when(starts))),
            ".",
        )
    else:
        opening = (_hello(client), " Há um pagamento pendente para ", Bold(pro), ".")
    return Message(
        f"Pagamento pendente: {amount}",
        (
            para(*opening),
            para("Valor: ", Bold(amount)),
            *((lines(("Para pagar com Pix, use a chave:",), (key,)),) if key else ()),
            *_link(p, "paymentUrl", "Ou pague pelo link" if key else "Pague pelo link"),
            *(
                (para("O horário fica reservado até ", Bold(p.locale.time(expires)), "."),)
                if expires
                else ()
            ),
            para("Assim que o pagamento for confirmado, você receberá o recibo."),
            *_link(p, "manageUrl", _MANAGE),
        ),
    )


def _review_request(p: Params) -> Message:
    pro, client, review = p.text("professionalName"), p.text("clientName"), p.url("reviewUrl")
    starts = p.maybe_moment("startsAt")
    on_day = f" no dia {p.locale.date_of_month(starts)}" if starts else ""
    return Message(
        f"Como foi seu atendimento com {pro}?",
        (
            para(_hello(client), " Como foi seu atendimento com ", Bold(pro), f"{on_day}?"),
            para("Sua avaliação leva um minuto e ajuda outras pessoas a escolher."),
            Link("Avaliar o atendimento", review),
        ),
    )


def _no_show(p: Params) -> Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    return Message(
        f"Falta registrada: seu horário com {pro}",
        (
            para(
                _hello(client),
                " Sentimos sua falta. Seu horário com ",
                Bold(pro),
                " de ",
                Bold(_when(p)),
                " foi registrado como falta.",
            ),
            *_link(p, "bookingUrl", "Agendar um novo horário"),
            *_link(p, "manageUrl", _DETAILS),
        ),
    )


def _plan_activated(p: Params) -> Message:
    pro, plan = p.text("professionalName"), _plan_name(p) or ""
    return Message(
        f"Plano {plan} ativado",
        (
            para(_hello(pro), " Seu plano ", Bold(plan), " está ativo. Obrigado pela confiança!"),
            para("Os recursos do plano já estão liberados na sua conta."),
        ),
    )


def _payment_failed(p: Params) -> Message:
    pro, plan = p.text("professionalName"), _plan_name(p)
    which: Line = (" do seu plano ", Bold(plan)) if plan else (" do seu plano",)
    return Message(
        "Não conseguimos cobrar sua assinatura",
        (
            para(_hello(pro), " Não conseguimos cobrar a assinatura", *which, "."),
            para("Atualize sua forma de pagamento para continuar com os recursos do plano."),
            *_link(p, "portalUrl", "Atualizar forma de pagamento"),
        ),
    )


def _plan_limit_reached(p: Params) -> Message:
    pro, plan = p.text("professionalName"), _plan_name(p)
    limit = p.choice("limit", ("clients", "appointments"))
    of_plan: Line = (" do plano ", Bold(plan), ".") if plan else (" do seu plano.",)
    if limit == "clients":
        subject = "Você atingiu o limite de clientes do seu plano"
        reached = " Você atingiu o limite de clientes"
        effect = "Novos clientes não conseguem agendar até você mudar de plano."
    else:
        subject = "Você atingiu o limite mensal de agendamentos do seu plano"
        reached = " Você atingiu o limite mensal de agendamentos"
        effect = "Novos clientes não conseguem agendar neste mês, a menos que você mude de plano."
    return Message(
        subject,
        (
            para(_hello(pro), reached, *of_plan),
            para(effect, " Quem já é seu cliente continua agendando normalmente."),
            *_link(p, "upgradeUrl", "Ver planos"),
        ),
    )


def _whatsapp_disconnected(p: Params) -> Message:
    pro, instance = p.text("professionalName"), p.text("instance")
    reconnect = p.maybe_url("reconnectUrl")
    how: Block = (
        Link("Reconectar agora", reconnect)
        if reconnect
        else para("Para reconectar, acesse sua conta e leia o QR code novamente.")
    )
    return Message(
        "Seu WhatsApp foi desconectado",
        (
            para(
                _hello(pro),
                " O WhatsApp ligado à sua agenda (instância ",
                Bold(instance),
                ") foi desconectado.",
            ),
            para(
                "Enquanto ele não for reconectado, seus clientes não recebem confirmações nem "
                "lembretes pelo WhatsApp. Os e-mails continuam sendo enviados."
            ),
            how,
        ),
    )


def _guest_links(p: Params) -> Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    blocks: list[Block] = [
        para(
            _hello(client),
            " Você pediu de novo os links dos seus horários com ",
            Bold(pro),
            ":",
        )
    ]
    for starts, url in p.manage_links():
        blocks += [para(Bold(_zoned(starts, p.locale.when(starts)))), Link(_MANAGE, url)]
    blocks.append(para("Se não foi você quem pediu, ignore esta mensagem."))
    return Message(f"Seus links para os horários com {pro}", tuple(blocks))


def _verification_code(p: Params) -> Message:
    code, client = p.text("code"), p.maybe_text("clientName")
    pro = p.maybe_text("professionalName")
    if p.choice("purpose", ("claim", "contact")) == "claim":
        use: Line = (
            ("Use-o para ligar à sua conta o seu cadastro com ", Bold(pro), ".")
            if pro
            else ("Use-o para ligar à sua conta o seu cadastro.",)
        )
    else:
        use = ("Use-o para confirmar este contato na sua conta.",)
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    return Message(
        f"Seu código de verificação: {code}",
        (
            para(
                *((_hello(client), " ") if client else ()),
                "Seu código é ",
                Bold(code),
                f". Ele vale por {minutes} minutos.",
            ),
            para(*use),
            para("Se não foi você quem pediu, ignore esta mensagem. Não compartilhe este código."),
        ),
    )


def _message_to_client(p: Params) -> Message:
    pro, client, text = p.text("professionalName"), p.text("clientName"), p.text("text")
    return Message(
        f"Nova mensagem de {pro}",
        (
            para(_hello(client), " ", Bold(pro), " enviou uma mensagem para você:"),
            para(text),
            *_link(p, "replyUrl", "Responder"),
        ),
    )


def _message_to_professional(p: Params) -> Message:
    pro, client, text = p.text("professionalName"), p.text("clientName"), p.text("text")
    return Message(
        f"Nova mensagem de {client}",
        (
            para(_hello(pro), " ", Bold(client), " enviou uma mensagem para você:"),
            para(text),
            *(
                _link(p, "dashboardUrl", "Responder")
                or (para("Responda pela sua agenda, na conversa com este cliente."),)
            ),
        ),
    )


TEXTS: Mapping[str, Text] = MappingProxyType(
    {
        "booking_request": _booking_request,
        "booking_received": _booking_received,
        "booking_confirmed": _booking_confirmed,
        "booking_rejected": _booking_rejected,
        "registration_invite": _registration_invite,
        "cancelled_by_client": _cancelled_by_client,
        "cancellation_confirmed": _cancellation_confirmed,
        "cancelled_by_professional": _cancelled_by_professional,
        "rescheduled": _rescheduled,
        "reminder_24h": _reminder_24h,
        "reminder_1h": _reminder_1h,
        "daily_agenda": _daily_agenda,
        "payment_received": _payment_received,
        "payment_refunded": _payment_refunded,
        "payment_pending": _payment_pending,
        "review_request": _review_request,
        "no_show": _no_show,
        "plan_activated": _plan_activated,
        "payment_failed": _payment_failed,
        "plan_limit_reached": _plan_limit_reached,
        "whatsapp_disconnected": _whatsapp_disconnected,
        "verification_code": _verification_code,
        "guest_links": _guest_links,
        "message_to_client": _message_to_client,
        "message_to_professional": _message_to_professional,
    }
)


def in_app_booking_request(client_name: str, starts_at: datetime, timezone: str) -> Rendered:
    """The professional's in-app notice of a new booking request."""
    return Rendered(
        subject="Novo pedido de agendamento",
        text=f"{client_name} pediu um horário para {when_pt(starts_at, timezone)}.",
    )


# --- the professional's in-app notices (agenda.domain.notices) ------------------------------


def in_app_cancelled_by_client(
    client_name: str, starts_at: datetime, timezone: str, *, refunded: bool
) -> Rendered:
    refund = " O pagamento foi devolvido ao cliente." if refunded else ""
    return Rendered(
        subject="Agendamento cancelado pelo cliente",
        text=(
            f"{client_name} cancelou o horário de {when_pt(starts_at, timezone)}."
            f" O horário voltou a ficar livre.{refund}"
        ),
    )


def in_app_rescheduled_by_client(
    client_name: str, previous: datetime, starts_at: datetime, timezone: str
) -> Rendered:
    return Rendered(
        subject="Agendamento remarcado pelo cliente",
        text=(
            f"{client_name} remarcou o horário de {when_pt(previous, timezone)}"
            f" para {when_pt(starts_at, timezone)}."
        ),
    )


def in_app_booking_paid(
    client_name: str, starts_at: datetime, timezone: str, *, confirmed: bool
) -> Rendered:
    then = "" if confirmed else " Confirme ou recuse o pedido."
    return Rendered(
        subject="Novo agendamento pago" if confirmed else "Novo pedido de agendamento pago",
        text=f"{client_name} pagou e agendou {when_pt(starts_at, timezone)}.{then}",
    )


def in_app_payment_refunded(
    client_name: str, amount: str, starts_at: datetime, timezone: str
) -> Rendered:
    return Rendered(
        subject="Pagamento devolvido pelo Stripe",
        text=(
            f"Um reembolso de {amount} foi feito no Stripe para {client_name}"
            f" (atendimento de {when_pt(starts_at, timezone)})."
        ),
    )


def in_app_plan_limit(limit: str) -> Rendered:
    what = "de clientes" if limit == "clients" else "mensal de agendamentos"
    return Rendered(
        subject="Um cliente não conseguiu agendar",
        text=(
            f"O limite {what} do seu plano recusou um agendamento."
            " Mude de plano para voltar a receber novos clientes."
        ),
    )


def in_app_message(author: str, preview: str) -> Rendered:
    """The other side's in-app notice of a new message in their thread."""
    return Rendered(subject=f"Nova mensagem de {author}", text=preview)


def in_app_review(client_name: str, rating: int, starts_at: datetime, timezone: str) -> Rendered:
    return Rendered(
        subject="Nova avaliação",
        text=(
            f"{client_name} deu nota {rating} de 5 ao atendimento de"
            f" {when_pt(starts_at, timezone)}. Você pode responder à avaliação ou ocultá-la."
        ),
    )


def calendar_summary(professional_name: str) -> str:
    """The title of the event in a client's calendar file."""
    return f"Sessão com {professional_name}"
