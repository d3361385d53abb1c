"""Demo data for the local stack: professionals in a zone without and a zone with DST, and
for `make dev` and the screenshots a working week on Dra. Ana's dashboard (`seed_week`).

Idempotent: a database that already has the demo professionals is left as it is, so a
developer's own bookings survive restarts.

Usage: python -m infra.seed [DATABASE_URL] (default: $DATABASE_URL, else .local/env.json's)
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pg8000.native

from infra.migrate import chosen_database_url, connect, database_argument

MON_FRI = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class DemoProfessional:
    slug: str
    user_id: str
    name: str
    profession: str
    bio: str
    timezone: str
    session_duration: int
    session_price: str
    currency: str
    plan: str
    auto_confirm: bool
    phone: str
    email: str
    windows: tuple[tuple[tuple[int, ...], str, str], ...]
    reviews: tuple[tuple[str, str, int, str], ...] = ()  # client name, phone, rating, comment
    # A paid plan without a subscription is a sign-up trial of this many days from the seed.
    trial_days: int = 0
    # Take the session price through Stripe Checkout when a client books.
    payment_type: str = "none"
    payment_at_booking: bool = False
    # The way to reach them they publish, offered where a refusal says to contact them.
    public_contact: str | None = None


DEMO = (
    DemoProfessional(
        slug="dr-ana",
        user_id="demo-user-dr-ana",
        name="Dra. Ana Souza",
        profession="Psicóloga",
        bio="Psicóloga clínica (CRP 06/123456). Terapia cognitivo-comportamental para adultos.",
        timezone="America/Sao_Paulo",
        session_duration=50,
        session_price="180.00",
        currency="BRL",
        plan="free",
        auto_confirm=False,
        phone="+5511987650001",
        email="ana@example.com",
        windows=((MON_FRI, "09:00", "12:00"), (MON_FRI, "14:00", "18:00")),
        public_contact="mailto:contato@ana-souza.example",
        reviews=(
            ("Mariana Costa", "+5511990000001", 5, "Acolhedora e muito profissional."),
            ("Pedro Henrique Lima", "+5511990000002", 4, "Ótimas sessões, recomendo."),
        ),
    ),
    DemoProfessional(
        slug="dra-carla",
        user_id="demo-user-dra-carla",
        name="Dra. Carla Mendes",
        profession="Psicóloga",
        bio="Terapia de casal e família.",
        timezone="America/Sao_Paulo",
        session_duration=60,
        session_price="220.00",
        currency="BRL",
        plan="pro",
        auto_confirm=True,
        phone="+5511987650002",
        email="carla@example.com",
        windows=(((1, 3, 5), "13:00", "20:00"),),
        trial_days=14,
        payment_type="pix_or_card",
        payment_at_booking=True,
    ),
    DemoProfessional(
        slug="emily-tutor",
        user_id="demo-user-emily",
        name="Emily Carter",
        profession="English tutor",
        bio="IELTS and business English, online.",
        timezone="America/New_York",
        session_duration=45,
        session_price="60.00",
        currency="USD",
        plan="basic",
        auto_confirm=False,
        phone="+12125550101",
        email="emily@example.com",
        windows=(
            ((1, 2, 3, 4), "08:00", "12:00"),
            ((1, 2, 3, 4), "13:00", "17:00"),
            ((6,), "09:00", "12:00"),
        ),
        reviews=(("John Miller", "+12125550177", 5, "Clear, patient and well prepared."),),
        trial_days=14,
    ),
)


def _insert(conn: pg8000.native.Connection, pro: DemoProfessional, today: date) -> None:
    rows = conn.run(
        "INSERT INTO professionals (user_id, name, slug, phone, email, profession, bio,"
        " session_duration, session_price, currency, timezone, auto_confirm, plan,"
        " trial_ends_at, payment_type, payment_at_booking, public_contact)"
        " VALUES (:user_id, :name, :slug, :phone, :email, :profession, :bio, :duration,"
        " CAST(:price AS numeric), :currency, :timezone, :auto_confirm, :plan,"
        " CASE WHEN :trial_days > 0 THEN now() + :trial_days * interval '1 day' END,"
        " :payment_type, :payment_at_booking, :public_contact) RETURNING id",
        user_id=pro.user_id,
        name=pro.name,
        slug=pro.slug,
        phone=pro.phone,
        email=pro.email,
        profession=pro.profession,
        bio=pro.bio,
        duration=pro.session_duration,
        price=pro.session_price,
        currency=pro.currency,
        timezone=pro.timezone,
        auto_confirm=pro.auto_confirm,
        plan=pro.plan,
        trial_days=pro.trial_days,
        payment_type=pro.payment_type,
        payment_at_booking=pro.payment_at_booking,
        public_contact=pro.public_contact,
    )
    professional_id = rows[0][0]
    for weekdays, start, end in pro.windows:
        for weekday in weekdays:
            conn.run(
                "INSERT INTO availability (professional_id, day_of_week, start_time, end_time)"
                " VALUES (:pid, :dow, CAST(:start AS time), CAST(:end AS time))",
                pid=professional_id,
                dow=weekday,
                start=start,
                end=end,
            )
    zone = ZoneInfo(pro.timezone)
    for index, (client_name, phone, rating, comment) in enumerate(pro.reviews):
        client_id = conn.run(
            "INSERT INTO clients (professional_id, name, phone) VALUES (:pid, :name, :phone)"
            " RETURNING id",
            pid=professional_id,
            name=client_name,
            phone=phone,
        )[0][0]
        starts = datetime.combine(today - timedelta(days=7 * (index + 1)), time(10), zone)
        appointment_id = conn.run(
            "INSERT INTO appointments (professional_id, client_id, starts_at, ends_at, status)"
            " VALUES (:pid, :cid, :starts, :ends, 'completed') RETURNING id",
            pid=professional_id,
            cid=client_id,
            starts=starts,
            ends=starts + timedelta(minutes=pro.session_duration),
        )[0][0]
        conn.run(
            "INSERT INTO reviews (professional_id, client_id, appointment_id, rating, comment)"
            " VALUES (:pid, :cid, :aid, :rating, :comment)",
            pid=professional_id,
            cid=client_id,
            aid=appointment_id,
            rating=rating,
            comment=comment,
        )


def seed(url: str) -> list[str]:
    """Insert the demo professionals that are missing; return the slugs inserted."""
    conn = connect(url)
    today = datetime.now(UTC).date()
    inserted: list[str] = []
    try:
        conn.run("BEGIN")
        for pro in DEMO:
            if conn.run("SELECT 1 FROM professionals WHERE slug = :slug", slug=pro.slug):
                continue
            _insert(conn, pro, today)
            inserted.append(pro.slug)
        conn.run("COMMIT")
    except BaseException:
        conn.run("ROLLBACK")
        raise
    finally:
        conn.close()
    return inserted


# Dra. Ana's week: (client, phone, email, business days from today, local time, status). The
# tests' stack is seeded without it, so their slots of dr-ana stay free.
WEEK = (
    (
        "Marina Costa",
        "+5511987650101",
        "marina.costa@example.com",
        1,
        "10:00",
        "pending_confirmation",
    ),
    ("Pedro Alves", "+5511987650102", None, 1, "14:00", "confirmed"),
    ("Júlia Ramos", "+5511987650103", "julia.ramos@example.com", 2, "09:00", "confirmed"),
)
WEEK_NOTE = ("Marina Costa", "Prefere sessões pela manhã. Retomar o plano de exposição gradual.")
WEEK_MESSAGE = ("Pedro Alves", "Oi, Dra. Ana! Posso levar o relatório do mês na quinta?")


def _business_day(today: date, count: int) -> date:
    day = today
    while count:
        day += timedelta(days=1)
        if day.isoweekday() in MON_FRI:
            count -= 1
    return day


def seed_week(url: str, slug: str = "dr-ana") -> bool:
    """The demo professional's week: a request to confirm, confirmed sessions, a private note
    and an unread message, each with its in-app notice. Skipped (False) when the professional
    has any appointment from today on, so it never doubles nor clashes with one's own tries."""
    conn = connect(url)
    try:
        conn.run("BEGIN")
        found = conn.run(
            "SELECT id, timezone, session_duration FROM professionals WHERE slug = :slug",
            slug=slug,
        )
        if not found:
            conn.run("ROLLBACK")
            return False
        professional_id, timezone, duration = found[0]
        zone = ZoneInfo(timezone)
        today = datetime.now(zone).date()
        if conn.run(
            "SELECT 1 FROM appointments WHERE professional_id = :pid AND starts_at >= :start",
            pid=professional_id,
            start=datetime.combine(today, time(0), zone),
        ):
            conn.run("ROLLBACK")
            return False
        clients: dict[str, object] = {}
        for name, phone, email, days, at, status in WEEK:
            clients[name] = client_id = conn.run(
                "INSERT INTO clients (professional_id, name, phone, email)"
                " VALUES (:pid, :name, :phone, :email)"
                " ON CONFLICT (professional_id, phone) DO UPDATE SET name = EXCLUDED.name"
                " RETURNING id",
                pid=professional_id,
                name=name,
                phone=phone,
                email=email,
            )[0][0]
            starts = datetime.combine(_business_day(today, days), time.fromisoformat(at), zone)
            appointment_id = conn.run(
                "INSERT INTO appointments (professional_id, client_id, starts_at, ends_at, status)"
                " VALUES (:pid, :cid, :starts, :ends, :status) RETURNING id",
                pid=professional_id,
                cid=client_id,
                starts=starts,
                ends=starts + timedelta(minutes=duration),
                status=status,
            )[0][0]
            if status == "pending_confirmation":
                conn.run(
                    "INSERT INTO notifications (professional_id, recipient, type, title, body,"
                    " data) VALUES (:pid, 'professional', 'booking_request', :title, :body,"
                    " jsonb_build_object('appointmentId', CAST(:aid AS text)))",
                    pid=professional_id,
                    title=f"Novo pedido de {name}",
                    body=f"{name} pediu um horário: confirme ou recuse no painel.",
                    aid=str(appointment_id),
                )
        note_client, note = WEEK_NOTE
        conn.run(
            "INSERT INTO client_notes (professional_id, client_id, body) VALUES (:pid, :cid, :b)",
            pid=professional_id,
            cid=clients[note_client],
            b=note,
        )
        sender, text = WEEK_MESSAGE
        message_id = conn.run(
            "INSERT INTO messages (professional_id, client_id, sender, body, channel)"
            " VALUES (:pid, :cid, 'client', :body, 'app') RETURNING id",
            pid=professional_id,
            cid=clients[sender],
            body=text,
        )[0][0]
        conn.run(
            "INSERT INTO notifications (professional_id, client_id, recipient, type, title,"
            " body, data) VALUES (:pid, :cid, 'professional', 'message', :title, :body,"
            " jsonb_build_object('clientId', CAST(:client AS text),"
            " 'messageId', CAST(:mid AS text)))",
            pid=professional_id,
            cid=clients[sender],
            client=str(clients[sender]),
            title=f"Nova mensagem de {sender}",
            body=text,
            mid=str(message_id),
        )
        conn.run("COMMIT")
        return True
    except BaseException:
        conn.run("ROLLBACK")
        raise
    finally:
        conn.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.seed", description="Insert the demo professionals (idempotent)."
    )
    database_argument(parser)
    url = chosen_database_url(parser.parse_args(argv))
    if not url:
        parser.error("no DATABASE_URL: pass one, set it, or start make dev")
    print(f"seeded: {', '.join(seed(url)) or 'nothing new'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
