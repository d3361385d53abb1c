"""A local stand-in for the Stripe API, for the official client library pointed at it with
`stripe.StripeClient(api_key, base_addresses={"api": local.url})`.

What it speaks, with Stripe's shapes (JSON objects with `id` and `object`; errors as
{"error": {"type", "code", "message", "param", "doc_url"}}):
- Authorization: Bearer <api_key> (or Basic with the key as user), else 401;
- form-encoded bodies with nested keys (`line_items[0][price_data][currency]=brl`);
- POST /v1/customers, GET /v1/customers/{id};
- POST /v1/checkout/sessions, GET /v1/checkout/sessions/{id},
  POST /v1/checkout/sessions/{id}/expire;
- POST /v1/billing_portal/sessions;
- GET /v1/subscriptions/{id}, GET /v1/invoices/{id}, GET /v1/payment_intents/{id};
- POST /v1/refunds, GET /v1/refunds/{id}, GET /v1/charges/{id} (a charge with its refunds);
- `expand[]` on every answer (ids of stored objects, and a session's `line_items`);
- Idempotency-Key on POST: the first successful answer is replayed byte for byte (with
  `Idempotent-Replayed: true`), the same key with other params or on another endpoint is an
  idempotency_error. Errors are not saved: Stripe saves none for requests that fail
  validation, and an injected fault stands for a failure before the endpoint ran, so a
  retry with the same key runs the request.

What a customer or Stripe itself does happens through the simulation methods (pay_checkout,
fail_invoice, refund_payment, ...), which also build the events Stripe would send and POST
them, signed, to `webhook_url`. Requests to the API send no events, except what Stripe sends
for them too: a refund's charge.refunded, delivered after the answer. Open Checkout Sessions
expire by themselves at `expires_at` (checkout.session.expired), by the stand-in's `clock`.
For a developer clicking through the local stack: GET /pay/{session} (Checkout),
GET /portal/{session} (billing portal) and GET /invoice/{id} (hosted invoice) are plain
pages. POST /_control/reset, POST /_control/fail_next {"count", "status"},
POST /_control/refund_payment {"payment_intent", "amount"?} (a refund made in the dashboard)
and POST /_control/expire_due do over HTTP what the methods of those names do.

With a `state_path` the objects survive a restart (state.py).

One module per job: `objects.py` (prices, errors in Stripe's shape, object shapes, param
readers), `state.py` (the stored objects and their state machine), `api.py` (routing, auth,
idempotency, the endpoints), `simulations.py` (what a customer or Stripe does), `webhooks.py`
(events, signed with the `stripe` library's own header, and their delivery), `pages.py` (the
HTTP handler and its pages). Amounts follow the product's currency rule, agenda.domain.money.
"""

from __future__ import annotations

from infra.local._http import JsonRequestHandler
from infra.local.stripe.objects import Price, ReceivedRequest
from infra.local.stripe.pages import StripeHandler
from infra.local.stripe.simulations import StripeSimulations
from infra.local.stripe.webhooks import signature_header

__all__ = ["LocalStripe", "Price", "ReceivedRequest", "signature_header"]


class LocalStripe(StripeSimulations):
    """The whole stand-in: state (state.py), API (api.py), simulations (simulations.py),
    webhooks (webhooks.py) and pages (pages.py), on one LocalHttpService."""

    def handler_class(self) -> type[JsonRequestHandler]:
        return StripeHandler
