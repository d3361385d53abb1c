"""The Stripe stand-in over HTTP: the API under /v1/, the control calls under /_control/,
and the plain pages a developer clicks through (Checkout, billing portal, hosted invoice)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import parse_qs, quote, urlsplit

from agenda.domain.money import decimal_places
from infra.local._http import JsonRequestHandler
from infra.local.stripe.objects import (
    _PAGE_ID,
)
from infra.local.stripe.simulations import StripeSimulations


class StripeHandler(JsonRequestHandler):
    service: ClassVar[StripeSimulations]

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's dispatch name
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        path = urlsplit(self.path).path
        if path.startswith("/v1/"):
            answer = self.service.answer_api(
                method,
                self.path,
                self.read_body() if method == "POST" else b"",
                authorization=self.headers.get("Authorization"),
                idempotency_key=self.headers.get("Idempotency-Key"),
                stripe_version=self.headers.get("Stripe-Version"),
            )
            self.send_bytes(answer.status, answer.body, "application/json", answer.headers)
        elif path.startswith("/_control/") and method == "POST":
            self._control(path.removeprefix("/_control/"))
        elif method == "GET":
            self._page(path)
        elif method == "POST":
            self._page_action(path, parse_qs(self.read_body().decode("utf-8", "replace")))
        else:
            self._send_page(404, "Not found", "<p>Nothing here.</p>")

    # -- control ---------------------------------------------------------------------------

    def _control(self, action: str) -> None:
        try:
            body = self.read_json() if action != "reset" else {}
            if not isinstance(body, dict):
                raise ValueError("expected a JSON object")
            if action == "reset":
                self.service.reset()
            elif action == "fail_next":
                self.service.fail_next(
                    int(body.get("count", 1)), status=int(body.get("status", 500))
                )
            elif action == "refund_payment":
                amount = body.get("amount")
                events = self.service.refund_payment(
                    str(body["payment_intent"]),
                    None if amount is None else int(amount),
                    deliver=bool(body.get("deliver", True)),
                )
                self.send_json(200, {"ok": True, "events": events})
                return
            elif action == "expire_due":
                self.send_json(200, {"ok": True, "events": self.service.expire_due()})
                return
            else:
                self.send_json(404, {"error": "Not Found"})
                return
        except KeyError as exc:
            self.send_json(400, {"error": f"missing or unknown: {exc.args[0]}"})
            return
        except (TypeError, ValueError) as exc:
            self.send_json(400, {"error": str(exc)})
            return
        self.send_json(200, {"ok": True})

    # -- pages -----------------------------------------------------------------------------

    def _page(self, path: str) -> None:
        if match := re.fullmatch(rf"/pay/{_PAGE_ID}", path):
            self._checkout_page(match.group(1))
        elif match := re.fullmatch(rf"/portal/{_PAGE_ID}", path):
            self._portal_page(match.group(1))
        elif match := re.fullmatch(rf"/invoice/{_PAGE_ID}", path):
            self._invoice_page(match.group(1))
        else:
            self._send_page(404, "Not found", "<p>Nothing here.</p>")

    def _page_action(self, path: str, form: dict[str, list[str]]) -> None:
        service = self.service
        if match := re.fullmatch(rf"/pay/{_PAGE_ID}", path):
            session_id = match.group(1)
            session = self._found(session_id, "checkout.session", "checkout session")
            if session is None:
                return
            settling = session["status"] == "complete"
            refused = service.run_page_action(
                lambda: service.pay_checkout(session_id, async_payment=form.get("async") == ["1"])
            )
            if refused is not None:
                self._refused(refused)
            elif settling:
                self._redirect(f"/pay/{session_id}")
            else:
                self._redirect(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id))
        elif match := re.fullmatch(rf"/pay/{_PAGE_ID}/cancel", path):
            session_id = match.group(1)
            session = self._found(session_id, "checkout.session", "checkout session")
            if session is None:
                return
            refused = service.run_page_action(lambda: service.expire_checkout(session_id))
            if refused is not None:
                self._refused(refused)
            else:
                self._redirect(session["cancel_url"] or f"/pay/{session_id}")
        elif match := re.fullmatch(rf"/portal/{_PAGE_ID}/(cancel|switch)/{_PAGE_ID}", path):
            portal_id, action, subscription_id = match.groups()
            portal, subscription = service.page_objects(portal_id, subscription_id)
            if (
                portal is None
                or portal["object"] != "billing_portal.session"
                or subscription is None
                or subscription["object"] != "subscription"
                or subscription["customer"] != portal["customer"]
            ):
                self._send_page(404, "Not found", "<p>No such subscription.</p>")
                return
            if action == "switch":
                [price] = form.get("price") or [""]
                if price not in self._offered_prices(portal):
                    self._send_page(400, "Not offered", "<p>This portal offers no such plan.</p>")
                    return
                refused = service.run_page_action(
                    lambda: service.update_subscription(subscription_id, price=price)
                )
            elif form.get("when") == ["now"]:
                refused = service.run_page_action(
                    lambda: service.cancel_subscription(subscription_id)
                )
            else:  # the portal's default: at the end of the period
                refused = service.run_page_action(
                    lambda: service.update_subscription(subscription_id, cancel_at_period_end=True)
                )
            if refused is not None:
                self._refused(refused)
            else:
                self._redirect(f"/portal/{portal_id}")
        else:
            self._send_page(404, "Not found", "<p>Nothing here.</p>")

    def _checkout_page(self, session_id: str) -> None:
        session = self._found(session_id, "checkout.session", "checkout session")
        if session is None:
            return
        items = self.service.session_line_items(session_id)
        rows = "".join(
            f"<tr><td>{_e(i['description'])}</td><td>{i['quantity']}</td>"
            f"<td>{_e(_money(i['amount_total'], i['currency']))}{_e(_per(i['price']))}</td></tr>"
            for i in items
        )
        action = f"/pay/{_e(session_id)}"
        status, paid = session["status"], session["payment_status"]
        if status == "open":
            pix = (
                f'<form method="post" action="{action}"><input type="hidden" name="async" '
                'value="1"><button>Pay with Pix (confirmed later)</button></form>'
                if session["mode"] == "payment"
                else ""
            )
            controls = (
                f'<form method="post" action="{action}"><button>Pay</button></form>{pix}'
                f'<form method="post" action="{action}/cancel"><button>Cancel</button></form>'
            )
        elif status == "complete" and paid == "unpaid":
            controls = (
                "<p>Payment processing.</p>"
                f'<form method="post" action="{action}"><button>Confirm the Pix payment'
                "</button></form>"
            )
        elif status == "complete":
            controls = "<p>Paid.</p>"
        else:
            controls = "<p>This checkout session has expired.</p>"
        email = session["customer_email"] or ""
        body = (
            f"<p>{_e(email)}</p><table><thead><tr><th>Item</th><th>Qty</th><th>Amount</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>"
            f"<p><strong>Total {_e(_money(session['amount_total'], session['currency']))}"
            f"</strong></p>{controls}"
        )
        self._send_page(200, "Checkout", body)

    def _offered_prices(self, portal: dict[str, Any]) -> list[str]:
        """The prices the portal session's configuration lets a subscriber switch to."""
        [configuration] = self.service.page_objects(portal["configuration"])
        if configuration is None or configuration["object"] != "billing_portal.configuration":
            return []
        update = configuration["features"]["subscription_update"]
        if not update["enabled"]:
            return []
        return [price for product in update["products"] for price in product["prices"]]

    def _portal_page(self, portal_id: str) -> None:
        portal = self._found(portal_id, "billing_portal.session", "billing portal session")
        if portal is None:
            return
        rows = []
        for sub in self.service.customer_subscriptions(portal["customer"]):
            item = sub["items"]["data"][0]
            state = sub["status"]
            if sub["cancel_at_period_end"]:
                state += f" (cancels {_date(sub['current_period_end'])})"
            if sub["status"] == "canceled":
                cancel = ""
            else:
                to = f"/portal/{_e(portal_id)}/switch/{_e(sub['id'])}"
                switch = "".join(
                    f'<form method="post" action="{to}"><button name="price" '
                    f'value="{_e(price)}">Switch to {_e(price)}</button></form>'
                    for price in self._offered_prices(portal)
                    if price != item["price"]["id"]
                )
                action = f"/portal/{_e(portal_id)}/cancel/{_e(sub['id'])}"
                cancel = switch + (
                    f'<form method="post" action="{action}"><button name="when" '
                    'value="period_end">Cancel subscription</button> <button name="when" '
                    'value="now">Cancel now</button></form>'
                )
            rows.append(
                f"<tr><td>{_e(item['price']['id'])}</td>"
                f"<td>{_e(_money(item['price']['unit_amount'], item['price']['currency']))}"
                f"{_e(_per(item['price']))}</td><td>{_e(state)}</td>"
                f"<td>{_e(_date(sub['current_period_end']))}</td><td>{cancel}</td></tr>"
            )
        table = "".join(rows) or '<tr><td colspan="5">No subscriptions.</td></tr>'
        back = portal["return_url"] or ""
        link = (
            f'<p><a href="{_e(back)}">Return</a></p>'
            if urlsplit(back).scheme in ("http", "https")
            else ""
        )
        body = (
            "<table><thead><tr><th>Price</th><th>Amount</th><th>Status</th>"
            f"<th>Period ends</th><th></th></tr></thead><tbody>{table}</tbody></table>{link}"
        )
        self._send_page(200, "Billing", body)

    def _invoice_page(self, invoice_id: str) -> None:
        invoice = self._found(invoice_id, "invoice", "invoice")
        if invoice is None:
            return
        body = (
            f"<p>{_e(invoice['id'])}: {_e(invoice['status'])}</p>"
            f"<p>Due {_e(_money(invoice['amount_due'], invoice['currency']))}, paid "
            f"{_e(_money(invoice['amount_paid'], invoice['currency']))}</p>"
        )
        self._send_page(200, "Invoice", body)

    def _found(self, object_id: str, kind: str, what: str) -> dict[str, Any] | None:
        """The stored `kind` object, else None after answering 404 ("No such `what`")."""
        (found,) = self.service.page_objects(object_id)
        if found is None or found["object"] != kind:
            self._send_page(404, "Not found", f"<p>No such {_e(what)}.</p>")
            return None
        return found

    def _refused(self, reason: str) -> None:
        self._send_page(409, "Not possible", f"<p>{_e(reason)}</p>")

    def _redirect(self, location: str) -> None:
        # Percent-encodes what a header cannot carry (non-ASCII, CR, LF); keeps the rest.
        safe = quote(location, safe=":/?#[]@!$&'()*+,;=%~")
        self.send_bytes(303, b"", "text/plain", {"Location": safe})

    def _send_page(self, status: int, title: str, body: str) -> None:
        page = (
            f"<!doctype html><html><head><meta charset='utf-8'><title>{_e(title)} - local "
            "Stripe</title><style>body{font-family:sans-serif;margin:2em;max-width:48em}"
            "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;"
            "padding:.5em;text-align:left}form{display:inline-block;margin:.5em .5em 0 0}"
            f"</style></head><body><h1>{_e(title)}</h1>{body}</body></html>"
        )
        self.send_bytes(status, page.encode(), "text/html; charset=utf-8")


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _money(amount: int, currency: str) -> str:
    places = decimal_places(currency)
    return f"{currency.upper()} {amount / 10**places:.{places}f}"


def _per(price: dict[str, Any]) -> str:
    recurring = price.get("recurring")
    return f" / {recurring['interval']}" if recurring else ""


def _date(timestamp: int | None) -> str:
    if timestamp is None:
        return ""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
