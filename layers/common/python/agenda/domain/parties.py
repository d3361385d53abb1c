"""The people an appointment is between, as messages address them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Party:
    """A professional or a client: who a message goes to, on the channels they have."""

    name: str
    phone: str | None
    email: str | None
