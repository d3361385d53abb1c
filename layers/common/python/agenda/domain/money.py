"""Amounts in a currency's smallest unit, as Stripe counts them.

Stripe takes and returns integers: cents for two-decimal currencies (BRL, USD: R$ 150.00 is
15000), whole units for its zero-decimal ones (JPY: 500 is 500). The product and the local
Stripe stand-in both read the rule from here.
"""

from __future__ import annotations

from decimal import Decimal

# Currencies Stripe counts in whole units (no cents); BRL and USD have two decimals.
ZERO_DECIMAL_CURRENCIES = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv"}
    | {"xaf", "xof", "xpf"}
)


def decimal_places(currency: str) -> int:
    """How many decimals an amount in `currency` has: 0 for zero-decimal currencies, else 2."""
    return 0 if currency.lower() in ZERO_DECIMAL_CURRENCIES else 2


def minor_units(amount: Decimal, currency: str) -> int:
    """An amount as Stripe's integer in the currency's smallest unit (R$ 150.00 -> 15000)."""
    return int((amount * (10 ** decimal_places(currency))).to_integral_value())
