"""The texts in English: one function per template, under the names agenda.domain.messages.pt_br
gives them, from its parameters to a message of paragraphs, lists and links
(agenda.domain.messages.markup).

A client may live in another zone than the professional who booked them (a tutor in New York
teaching online), so a time a client reads names its zone: "Monday, November 23 at 9:00 AM EST".
The professional reads their own zone's clock, unnamed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from zoneinfo import ZoneInfo

from agenda.domain.messages.catalogue import PARTIES
from agenda.domain.messages.formatting import EN, first_name, zone_name
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

_MANAGE = "View, reschedule or cancel"
_DETAILS = "View details"
_REBOOK = "Choose another time"
_DASHBOARD = "Open your dashboard"
# By the plan's code, and by the Portuguese name the billing service writes into the envelope.
_PLAN_NAMES_EN = {
    "free": "Free",
    "basic": "Basic",
    "pro": "Pro",
    "premium": "Premium",
    "gratuito": "Free",
    "básico": "Basic",
}


def _hello(name: str) -> str:
    return f"Hi {first_name(name)},"


def _zoned(moment: datetime, written: str) -> str:
    return f"{written} {zone_name(moment)}"


def _when(p: Params, name: str = "startsAt") -> str:
    """A time for the client: on the professional's clock, with the zone's name."""
    moment = p.moment(name)
    return _zoned(moment, p.locale.when(moment))


def _dated_when(p: Params, moment: datetime) -> str:
    return _zoned(moment, p.locale.dated_when(moment))


def _link(p: Params, name: str, label: str) -> tuple[Block, ...]:
    url = p.maybe_url(name)
    return (Link(label, url),) if url else ()


def _reason(p: Params) -> tuple[Block, ...]:
    reason = p.maybe_text("reason")
    return (para(f"Reason: {reason}"),) if reason else ()


def _plan_name(p: Params) -> str | None:
    name = p.maybe_text("planName")
    return _PLAN_NAMES_EN.get(name.lower(), name) if name else None


def _invite(professional: str, url: str, *, greeting: str | None = None) -> tuple[Block, ...]:
    return (
        para(
            *((greeting, " ") if greeting else ()),
            "Create your account to see your sessions with ",
            Bold(professional),
            " in one place and reschedule or cancel whenever you need to.",
        ),
        Link("Create an account", url),
    )


def _booking_request(p: Params) -> Message:
    pro, client, starts = p.text("professionalName"), p.text("clientName"), p.moment("startsAt")
    status = p.maybe_choice("status", ("pending_confirmation", "confirmed"))
    if status == "confirmed":
        subject = f"New booking: {client}, {p.locale.short_when(starts)}"
        verb, next_step = " booked a session for ", "The booking is already confirmed."
    else:
        subject = f"New booking request: {client}, {p.locale.short_when(starts)}"
        verb, next_step = " asked for a session on ", "Confirm or decline it in your calendar."
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
        f"We received your booking request with {pro}",
        (
            para(
                _hello(client),
                " we received your request for a session with ",
                Bold(pro),
                " on ",
                Bold(_when(p)),
                ".",
            ),
            para("You will get a message as soon as it is confirmed."),
            *_link(p, "manageUrl", _MANAGE),
        ),
    )


def _booking_confirmed(p: Params) -> Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    register = p.maybe_url("registerUrl")
    return Message(
        f"Session confirmed with {pro}",
        (
            para(
                _hello(client),
                " your session with ",
                Bold(pro),
                " is confirmed for ",
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
        f"Your booking request with {pro} was not confirmed",
        (
            para(
                _hello(client),
                " unfortunately ",
                Bold(pro),
                " could not confirm your request for ",
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
        "Create your account and keep track of your sessions",
        _invite(pro, p.url("registerUrl"), greeting=_hello(client)),
    )


def _cancelled_by_client(p: Params) -> Message:
    pro, client, starts = p.text("professionalName"), p.text("clientName"), p.moment("startsAt")
    return Message(
        f"Booking cancelled: {client}, {p.locale.short_when(starts)}",
        (
            para(
                _hello(pro),
                " ",
                Bold(client),
                " cancelled the session on ",
                Bold(p.locale.when(starts)),
                ".",
            ),
            *_reason(p),
            para("The time is free again in your calendar."),
            *_link(p, "dashboardUrl", _DASHBOARD),
        ),
    )


def _refund(p: Params) -> tuple[Block, ...]:
    refund = p.maybe_choice("refund", ("refunded", "kept"))
    if refund == "refunded":
        return (para("Your payment will be refunded to the same payment method."),)
    if refund == "kept":
        return (
            para(
                "The cancellation was recorded as late under the cancellation policy, so the "
                "payment will not be refunded."
            ),
        )
    return ()


def _cancellation_confirmed(p: Params) -> Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    return Message(
        f"Cancellation confirmed: your session with {pro}",
        (
            para(
                _hello(client),
                " your session with ",
                Bold(pro),
                " on ",
                Bold(_when(p)),
                " was cancelled, as you asked.",
            ),
            *_refund(p),
            *_link(p, "bookingUrl", _REBOOK),
        ),
    )


def _cancelled_by_professional(p: Params) -> Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    return Message(
        f"Your session with {pro} was cancelled",
        (
            para(
                _hello(client), " ", Bold(pro), " cancelled your session on ", Bold(_when(p)), "."
            ),
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
        subject = f"Your session with {pro} was rescheduled"
        if moved_by == "professional":
            opening = (_hello(client), " ", Bold(pro), " rescheduled your session.")
        else:
            opening = (_hello(client), " your session with ", Bold(pro), " was rescheduled.")
        before, now = _when(p, "previousStartsAt"), _when(p, "startsAt")
    else:
        subject = f"Booking rescheduled: {client}"
        if moved_by == "client":
            opening = (_hello(pro), " ", Bold(client), " rescheduled their session.")
        else:
            opening = (_hello(pro), " you rescheduled the session with ", Bold(client), ".")
        before, now = p.when("previousStartsAt"), p.when("startsAt")
    return Message(
        subject,
        (
            para(*opening),
            lines(("Before: ", before), ("Now: ", Bold(now))),
            *_reason(p),
            *(_link(p, "manageUrl", _MANAGE) if reader == "client" else ()),
            *(_link(p, "dashboardUrl", _DASHBOARD) if reader == "professional" else ()),
        ),
    )


def _reminder_24h(p: Params) -> Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    return Message(
        f"Reminder: your session with {pro}",
        (
            para(
                _hello(client),
                " a reminder of your session with ",
                Bold(pro),
                ": ",
                Bold(_when(p)),
                ".",
            ),
            para("If you cannot make it, please let them know in advance."),
            *_link(p, "manageUrl", _MANAGE),
        ),
    )


def _reminder_1h(p: Params) -> Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    return Message(
        f"Your session with {pro} starts soon",
        (
            para(
                _hello(client),
                " your session with ",
                Bold(pro),
                " starts soon: ",
                Bold(_when(p)),
                ".",
            ),
            *_link(p, "manageUrl", _MANAGE),
        ),
    )


_STATUS_NOTES_EN = {"pending_confirmation": " (waiting for your confirmation)"}


def _daily_agenda(p: Params) -> Message:
    pro, day = p.text("professionalName"), p.day("date")
    appointments = p.appointments()
    heading = p.locale.day(day)
    count = len(appointments)
    if not count:
        return Message(
            f"Your schedule for {heading}: no sessions",
            (para(_hello(pro), " you have no sessions booked for ", Bold(heading), "."),),
        )
    noun = "session" if count == 1 else "sessions"
    items: list[Line] = []
    for starts, client, status in appointments:
        clock = p.locale.time(starts)
        if starts.date() != day:  # a late session that runs into the next day's date
            clock += f" ({p.locale.date_of_month(starts)})"
        items.append((Bold(clock), f" — {client}{_STATUS_NOTES_EN.get(status or '', '')}"))
    return Message(
        f"Your schedule for {heading}: {count} {noun}",
        (
            para(_hello(pro), " your schedule for ", Bold(heading), f" has {count} {noun}:"),
            Bullets(tuple(items)),
        ),
    )


def _payment_received(p: Params) -> Message:
    pro, client, amount = p.text("professionalName"), p.text("clientName"), p.money()
    starts, paid = p.maybe_moment("startsAt"), p.maybe_moment("paidAt")
    details: list[Line] = [
        ("Amount: ", Bold(amount)),
        (f"Client: {client}",),
        (f"Professional: {pro}",),
    ]
    if starts:
        details.append((f"Session: {_dated_when(p, starts)}",))
    if paid:
        details.append((f"Paid on: {_dated_when(p, paid)}",))
    return Message(
        f"Payment receipt: {amount}",
        (
            para(_hello(client), " your payment to ", Bold(pro), " was confirmed."),
            lines(*details),
            para("Keep this message as your receipt."),
            *_link(p, "manageUrl", _DETAILS),
        ),
    )


def _payment_refunded(p: Params) -> Message:
    pro, client, amount = p.text("professionalName"), p.text("clientName"), p.money()
    starts = p.maybe_moment("startsAt")
    session: Line = (Bold(pro),)
    if starts:
        session += (" for the session on ", Bold(_dated_when(p, starts)))
    session += (" was refunded.",)
    return Message(
        f"Payment refunded: {amount}",
        (
            para(_hello(client), " your payment of ", Bold(amount), " to ", *session),
            para(
                "The money goes back to the same payment method; how soon you see it depends "
                "on your bank or card (usually within 10 business days)."
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
            " your session with ",
            Bold(pro),
            " on ",
            Bold(_zoned(starts, p.locale.when(starts))),
            " is waiting for payment.",
        )
    else:
        opening = (_hello(client), " there is a payment due to ", Bold(pro), ".")
    return Message(
        f"Payment due: {amount}",
        (
            para(*opening),
            para("Amount: ", Bold(amount)),
            *((lines(("To pay with Pix, use the key:",), (key,)),) if key else ()),
            *_link(p, "paymentUrl", "Or pay online" if key else "Pay online"),
            *(
                (
                    para(
                        "The time is held for you until ",
                        Bold(_zoned(expires, p.locale.time(expires))),
                        ".",
                    ),
                )
                if expires
                else ()
            ),
            para("You will get a receipt as soon as the payment is confirmed."),
            *_link(p, "manageUrl", _MANAGE),
        ),
    )


def _review_request(p: Params) -> Message:
    pro, client, review = p.text("professionalName"), p.text("clientName"), p.url("reviewUrl")
    starts = p.maybe_moment("startsAt")
    on_day = f" on {p.locale.date_of_month(starts)}" if starts else ""
    return Message(
        f"How was your session with {pro}?",
        (
            para(_hello(client), " how was your session with ", Bold(pro), f"{on_day}?"),
            para("Your review takes a minute and helps other people choose."),
            Link("Review the session", review),
        ),
    )


def _no_show(p: Params) -> Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    return Message(
        f"Missed session: your session with {pro}",
        (
            para(
                _hello(client),
                " we missed you. Your session with ",
                Bold(pro),
                " on ",
                Bold(_when(p)),
                " was recorded as missed.",
            ),
            *_link(p, "bookingUrl", "Book a new session"),
            *_link(p, "manageUrl", _DETAILS),
        ),
    )


def _plan_activated(p: Params) -> Message:
    pro, plan = p.text("professionalName"), _plan_name(p) or ""
    return Message(
        f"{plan} plan activated",
        (
            para(_hello(pro), " your ", Bold(plan), " plan is active. Thank you for your trust!"),
            para("The plan's features are already available in your account."),
        ),
    )


def _payment_failed(p: Params) -> Message:
    pro, plan = p.text("professionalName"), _plan_name(p)
    which: Line = (" for your ", Bold(plan), " plan") if plan else (" for your plan",)
    return Message(
        "We could not charge your subscription",
        (
            para(_hello(pro), " we could not charge the subscription", *which, "."),
            para("Update your payment method to keep the plan's features."),
            *_link(p, "portalUrl", "Update payment method"),
        ),
    )


def _plan_limit_reached(p: Params) -> Message:
    pro, plan = p.text("professionalName"), _plan_name(p)
    limit = p.choice("limit", ("clients", "appointments"))
    of_plan: Line = (" of the ", Bold(plan), " plan.") if plan else (" of your plan.",)
    if limit == "clients":
        subject = "You have reached your plan's client limit"
        reached = " you have reached the client limit"
        effect = "New clients cannot book until you change plans."
    else:
        subject = "You have reached your plan's monthly booking limit"
        reached = " you have reached the monthly booking limit"
        effect = "New clients cannot book this month unless you change plans."
    return Message(
        subject,
        (
            para(_hello(pro), reached, *of_plan),
            para(effect, " Your existing clients can still book as usual."),
            *_link(p, "upgradeUrl", "See plans"),
        ),
    )


def _whatsapp_disconnected(p: Params) -> Message:
    pro, instance = p.text("professionalName"), p.text("instance")
    reconnect = p.maybe_url("reconnectUrl")
    how: Block = (
        Link("Reconnect now", reconnect)
        if reconnect
        else para("To reconnect, open your account and scan the QR code again.")
    )
    return Message(
        "Your WhatsApp was disconnected",
        (
            para(
                _hello(pro),
                " the WhatsApp linked to your calendar (instance ",
                Bold(instance),
                ") was disconnected.",
            ),
            para(
                "Until it is reconnected, your clients get no confirmations or reminders on "
                "WhatsApp. Emails are still sent."
            ),
            how,
        ),
    )


def _guest_links(p: Params) -> Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    blocks: list[Block] = [
        para(_hello(client), " here are the links to your sessions with ", Bold(pro), ", as asked:")
    ]
    for starts, url in p.manage_links():
        blocks += [para(Bold(_zoned(starts, p.locale.when(starts)))), Link(_MANAGE, url)]
    blocks.append(para("If you did not ask for this, you can ignore this message."))
    return Message(f"Your links for your sessions with {pro}", tuple(blocks))


def _verification_code(p: Params) -> Message:
    code, client = p.text("code"), p.maybe_text("clientName")
    pro = p.maybe_text("professionalName")
    if p.choice("purpose", ("claim", "contact")) == "claim":
        use: Line = (
            ("Use it to link your record with ", Bold(pro), " to your account.")
            if pro
            else ("Use it to link your record to your account.",)
        )
    else:
        use = ("Use it to confirm this contact for your account.",)
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    return Message(
        f"Your verification code: {code}",
        (
            para(
                *((_hello(client), " ") if client else ()),
                "Your code is ",
                Bold(code),
                f". It is valid for {minutes} minutes.",
            ),
            para(*use),
            para("If you did not ask for it, ignore this message. Never share this code."),
        ),
    )


def _message_to_client(p: Params) -> Message:
    pro, client, text = p.text("professionalName"), p.text("clientName"), p.text("text")
    return Message(
        f"New message from {pro}",
        (
            para(_hello(client), " ", Bold(pro), " sent you a message:"),
            para(text),
            *_link(p, "replyUrl", "Reply"),
        ),
    )


def _message_to_professional(p: Params) -> Message:
    pro, client, text = p.text("professionalName"), p.text("clientName"), p.text("text")
    return Message(
        f"New message from {client}",
        (
            para(_hello(pro), " ", Bold(client), " sent you a message:"),
            para(text),
            *(
                _link(p, "dashboardUrl", "Reply")
                or (para("Reply from your agenda, in the conversation with this client."),)
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


# --- the professional's in-app notices and the calendar file --------------------------------


def _local(moment: datetime, timezone: str) -> str:
    return EN.when(moment.astimezone(ZoneInfo(timezone)))


def in_app_booking_request(client_name: str, starts_at: datetime, timezone: str) -> Rendered:
    """The professional's in-app notice of a new booking request."""
    return Rendered(
        subject="New booking request",
        text=f"{client_name} asked for a session on {_local(starts_at, timezone)}.",
    )


def in_app_cancelled_by_client(
    client_name: str, starts_at: datetime, timezone: str, *, refunded: bool
) -> Rendered:
    refund = " The payment was refunded to the client." if refunded else ""
    return Rendered(
        subject="Booking cancelled by the client",
        text=(
            f"{client_name} cancelled the session on {_local(starts_at, timezone)}."
            f" The time is free again.{refund}"
        ),
    )


def in_app_rescheduled_by_client(
    client_name: str, previous: datetime, starts_at: datetime, timezone: str
) -> Rendered:
    return Rendered(
        subject="Booking rescheduled by the client",
        text=(
            f"{client_name} moved the session from {_local(previous, timezone)}"
            f" to {_local(starts_at, timezone)}."
        ),
    )


def in_app_booking_paid(
    client_name: str, starts_at: datetime, timezone: str, *, confirmed: bool
) -> Rendered:
    then = "" if confirmed else " Confirm or decline the request."
    return Rendered(
        subject="New paid booking" if confirmed else "New paid booking request",
        text=f"{client_name} paid and booked {_local(starts_at, timezone)}.{then}",
    )


def in_app_payment_refunded(
    client_name: str, amount: str, starts_at: datetime, timezone: str
) -> Rendered:
    return Rendered(
        subject="Payment refunded in Stripe",
        text=(
            f"A refund of {amount} was made in Stripe to {client_name}"
            f" (session on {_local(starts_at, timezone)})."
        ),
    )


def in_app_plan_limit(limit: str) -> Rendered:
    what = "client limit" if limit == "clients" else "monthly booking limit"
    return Rendered(
        subject="A client could not book",
        text=(f"Your plan's {what} turned down a booking. Change plans to take new clients again."),
    )


def in_app_message(author: str, preview: str) -> Rendered:
    """The other side's in-app notice of a new message in their thread."""
    return Rendered(subject=f"New message from {author}", text=preview)


def in_app_review(client_name: str, rating: int, starts_at: datetime, timezone: str) -> Rendered:
    return Rendered(
        subject="New review",
        text=(
            f"{client_name} rated the session on {_local(starts_at, timezone)}"
            f" {rating} out of 5. You can reply to the review or hide it."
        ),
    )


def calendar_summary(professional_name: str) -> str:
    """The title of the event in a client's calendar file."""
    return f"Session with {professional_name}"
