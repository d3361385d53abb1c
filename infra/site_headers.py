"""The security headers of every page answer: one definition, read by the local gateway and
the edge function (infra/edge/site_router.js, for the answers it gives itself) and checked
against the template's ResponseHeadersPolicies (tests/integration/test_template.py).

Two sets: SITE_HEADERS for every page, EMBED_HEADERS for the booking widget's embed mode
(`/embed/{slug}`, `/embed.js`), the same but that any site may frame it. Why each one is there:
docs/pages.md, "Headers".
"""

from __future__ import annotations

from collections.abc import Sequence


def content_security_policy(*, connect: Sequence[str] = (), framing: str = "'none'") -> str:
    """The pages' policy. `connect`: origins beside the site's own the pages may call (the
    sign-in issuer's token endpoint, when it is on a domain of its own); `framing`: who may
    frame them."""
    connect_src = " ".join(("'self'", *connect))
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
        f"connect-src {connect_src}; font-src 'self'; object-src 'none'; base-uri 'self'; "
        f"form-action 'self'; frame-ancestors {framing}"
    )


CONTENT_SECURITY_POLICY = content_security_policy()
# A professional puts the widget on a site of their own, whatever its address.
EMBED_CONTENT_SECURITY_POLICY = content_security_policy(framing="*")
# On AWS the sign-in's token call goes to the issuer's own domain: the stack's Cognito hosted
# sign-in (as template.yaml's !Sub names it), or SignInTokenOrigin for another issuer. Locally
# the dev authority is on the gateway's origin, so the local policy names no other.
COGNITO_SIGN_IN_ORIGIN = "https://${UserPoolDomain}.auth.${AWS::Region}.amazoncognito.com"

SITE_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    # A manage link carries its token in the query: no other site may see it in a Referer.
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

EMBED_HEADERS: dict[str, str] = {
    **SITE_HEADERS,
    "Content-Security-Policy": EMBED_CONTENT_SECURITY_POLICY,
}


def headers_for(*, embed: bool) -> dict[str, str]:
    """The set a page answer carries: the embed mode's, or every other page's."""
    return EMBED_HEADERS if embed else SITE_HEADERS
