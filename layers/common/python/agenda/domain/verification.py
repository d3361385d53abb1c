"""One-time verification codes: six digits sent to a phone or an email, proving the signed-in
user holds it (to claim another professional's row of theirs, or to change their contact).

- A code is drawn from ``secrets`` (uniform over the million values) and only a keyed hash of
  it is stored: HMAC-SHA256 under the links' key, over a context of its own, the code's row id
  and the digits. A plain hash of six digits is reversed offline by trying them all; without the
  key a leaked table gives nothing, and the id makes each row's hash its own.
- It lives ``CODE_LIFETIME`` (10 minutes: a message arrives in seconds, a person types the code
  in a minute or two) and dies at ``MAX_ATTEMPTS`` wrong tries (5), when used, or when a newer
  code is asked for the same purpose. Five tries in a million leave a guesser one chance in
  200,000 per code, and the ``verification`` rate limit bounds the codes one sign-in gets.

Pure: the key, the randomness and the clock are arguments.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

CODE_DIGITS = 6
CODE_PATTERN = rf"^[0-9]{{{CODE_DIGITS}}}$"
CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5
_CODE = re.compile(CODE_PATTERN)
_CONTEXT = b"agenda/verification-code/v1\x00"

WRONG_CODE = "This code is wrong or has expired: ask for a new one"
# The field the refusal names, the same for every route that takes a code.
WRONG_CODE_FIELDS = {"code": "is wrong or has expired"}


def new_code(randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    """Six digits, leading zeros kept."""
    return f"{randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def is_code(value: object) -> bool:
    return isinstance(value, str) and _CODE.fullmatch(value) is not None


def code_hash(key: bytes, code_id: UUID, code: str) -> bytes:
    """What is stored of a code: never the digits themselves."""
    return hmac.new(key, _CONTEXT + code_id.bytes + code.encode("ascii"), hashlib.sha256).digest()


def code_matches(key: bytes, code_id: UUID, code: str, stored: bytes) -> bool:
    """Whether ``code`` is the one stored, in constant time."""
    return is_code(code) and hmac.compare_digest(code_hash(key, code_id, code), bytes(stored))
