"""Sending a client's manage links again (POST /api/guest/links): which appointments a phone or
an email gets links for, and how many.

A client who lost the message asks with the phone or the email they booked with. Every client
record with it (one per professional) counts, deleted or anonymised ones excepted, and of their
appointments those whose link still works (it expires some days after the session ends:
agenda.service.links) and that are still theirs to act on or to look back at: live ones and the
sessions that took place or were missed. A rejected or cancelled one has nothing left to do.
"""

from __future__ import annotations

from agenda.domain.statuses import LIVE, OUTCOMES, Status

SENT_AGAIN: frozenset[Status] = frozenset(LIVE | OUTCOMES)
# One message per professional: a list a person reads on a phone, the soonest first. More
# than this many live appointments with one professional is a series, whose next sessions
# come first anyway.
MAX_PER_PROFESSIONAL = 10
# Across professionals: one request never writes more than this many messages.
MAX_PROFESSIONALS = 20
