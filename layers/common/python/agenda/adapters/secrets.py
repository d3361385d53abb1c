"""Secrets on AWS come through the Parameters and Secrets Lambda Extension on localhost.

This keeps boto3 (about 200 ms of imports) off the cold path of functions that only need a
password, and the extension caches the value between invocations.
"""

from __future__ import annotations

import json
import os
from functools import cache


@cache
def secret_value(secret_id: str, *, key: str | None = None) -> str:
    from urllib.request import Request, urlopen

    port = os.environ.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "2773")
    request = Request(
        f"http://localhost:{port}/secretsmanager/get?secretId={secret_id}",
        headers={"X-Aws-Parameters-Secrets-Token": os.environ.get("AWS_SESSION_TOKEN", "")},
    )
    with urlopen(request, timeout=3) as answer:  # noqa: S310 - fixed localhost URL
        secret_string: str = json.load(answer)["SecretString"]
    if key is None:
        return secret_string
    return str(json.loads(secret_string)[key])
