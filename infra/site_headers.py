"""The security headers of every page answer: one definition, read by the local gateway and
the edge function (infra/edge/site_router.js, for the answers it gives itself) and checked
against the template's ResponseHeadersPolicies (tests/integration/test_site_edge_template.py).

Two sets: SITE_HEADERS for every page, EMBED_HEADERS for the booking widget's embed mode
(`/embed/{slug}`, `/embed.js`), the same but that any site may frame it. Both are the policy
that names no other origin, which the edge function's own answers (404, 301) carry; a page the
distribution serves names the media bucket's upload origin too (MEDIA_UPLOAD_ORIGIN), and the
local gateway builds its own per run with the S3 stand-in's origin (headers_for's `media`).
Why each one is there: docs/pages.md, "Headers".
"""

from __future__ import annotations

from collections.abc import Sequence


def content_security_policy(
    *, connect: Sequence[str] = (), images: Sequence[str] = (), framing: str = "'none'"
) -> str:
    """The pages' policy. `connect`: origins beside the site's own the pages may call (the
    sign-in issuer's token endpoint, when it is on a domain of its own; the media bucket the
    photo is posted to); `images`: origins beside HTTPS the pages may show images from (the
    local S3 stand-in's, on http://); `framing`: who may frame them."""
    img_src = " ".join(("'self'", "data:", "https:", *images))
    connect_src = " ".join(("'self'", *connect))
    return (
        f"default-src 'self'; script-src 'self'; style-src 'self'; img-src {img_src}; "
        f"connect-src {connect_src}; font-src 'self'; object-src 'none'; base-uri 'self'; "
        f"form-action 'self'; frame-ancestors {framing}"
    )


# A professional puts the widget on a site of their own, whatever its address.
EMBED_FRAMING = "*"
CONTENT_SECURITY_POLICY = content_security_policy()
EMBED_CONTENT_SECURITY_POLICY = content_security_policy(framing=EMBED_FRAMING)
# On AWS the sign-in's token call goes to the issuer's own domain: the stack's Cognito hosted
# sign-in (as template.yaml's !Sub names it), or SignInTokenOrigin for another issuer. Locally
# the dev authority is on the gateway's origin, so the local policy names no other.
COGNITO_SIGN_IN_ORIGIN = "https://${UserPoolDomain}.auth.${AWS::Region}.amazoncognito.com"
# The dashboard posts the photo to the media bucket itself (the presigned POST, docs/
# accounts.md): on AWS at the bucket's regional virtual-hosted origin, which
# agenda.adapters.media makes the upload URL's, as template.yaml's !Sub names it. The photos
# themselves come from the media distribution, on HTTPS, which img-src already allows.
MEDIA_UPLOAD_ORIGIN = "https://${MediaBucket}.s3.${AWS::Region}.${AWS::URLSuffix}"

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


def headers_for(*, embed: bool, media: str | None = None) -> dict[str, str]:
    """The set a page answer carries: the embed mode's, or every other page's. `media`: the
    origin of a media bucket that uploads go to and photos come from (the local S3
    stand-in's): every page may show its images, and the site's pages (not the embed mode,
    which uploads nothing) may post to it."""
    base = EMBED_HEADERS if embed else SITE_HEADERS
    if media is None:
        return base
    policy = content_security_policy(
        connect=() if embed else (media,),
        images=(media,),
        framing=EMBED_FRAMING if embed else "'none'",
    )
    return {**base, "Content-Security-Policy": policy}
