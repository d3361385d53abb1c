"""The site's edge in template.yaml: the viewer-request function and its KeyValueStore (no
custom error responses), the embed mode's behaviours and headers, the pages' policy naming the
sign-in issuer and the media bucket's upload origin (the presigned POST's, and the bucket's
CORS rule), the origin-verify header and the viewer's address to the API, and the addresses
that default to the site's."""

from __future__ import annotations

from typing import Any

import pytest

from infra.local.template import load_cors, load_template
from infra.pages import SITE_INDEX_OUTPUT
from infra.paths import ROOT, TEMPLATE
from infra.site_headers import (
    COGNITO_SIGN_IN_ORIGIN,
    EMBED_HEADERS,
    MEDIA_UPLOAD_ORIGIN,
    SITE_HEADERS,
    content_security_policy,
    headers_for,
)

pytestmark = pytest.mark.integration

FUNCTION_SOURCE = ROOT / "infra" / "edge" / "site_router.js"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
ROUTER_ARN = {"Fn::GetAtt": ["SiteRouterFunction", "FunctionMetadata.FunctionARN"]}


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return load_template(TEMPLATE)


def _distribution(raw: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = raw["Resources"]["SiteDistribution"]["Properties"][
        "DistributionConfig"
    ]
    return config


def _headers_of(policy: dict[str, Any]) -> dict[str, Any]:
    """What a ResponseHeadersPolicy sends, as infra/site_headers.py names it (the policy as
    the template writes it: a string, or the site's !If of !Subs)."""
    config = policy["Properties"]["ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]
    hsts = security["StrictTransportSecurity"]
    sent = {
        "Content-Security-Policy": security["ContentSecurityPolicy"]["ContentSecurityPolicy"],
        "Strict-Transport-Security": f"max-age={hsts['AccessControlMaxAgeSec']}"
        + ("; includeSubDomains" if hsts.get("IncludeSubdomains") else "")
        + ("; preload" if hsts.get("Preload") else ""),
        "Referrer-Policy": security["ReferrerPolicy"]["ReferrerPolicy"],
    }
    if "ContentTypeOptions" in security:
        sent["X-Content-Type-Options"] = "nosniff"
    for item in config.get("CustomHeadersConfig", {}).get("Items", []):
        sent[item["Header"]] = item["Value"]
    assert all(v["Override"] for v in security.values() if isinstance(v, dict))
    return sent


def test_the_function_in_the_template_is_the_one_tested_under_node(raw: dict[str, Any]) -> None:
    function = raw["Resources"]["SiteRouterFunction"]
    assert function["Type"] == "AWS::CloudFront::Function"
    properties = function["Properties"]
    assert properties["AutoPublish"] is True
    assert properties["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert properties["FunctionCode"] == FUNCTION_SOURCE.read_text(encoding="utf-8")


def test_the_function_reads_the_site_index(raw: dict[str, Any]) -> None:
    store = raw["Resources"]["SiteIndex"]
    assert store["Type"] == "AWS::CloudFront::KeyValueStore"
    (association,) = raw["Resources"]["SiteRouterFunction"]["Properties"]["FunctionConfig"][
        "KeyValueStoreAssociations"
    ]
    assert association == {"KeyValueStoreARN": {"Fn::GetAtt": ["SiteIndex", "Arn"]}}
    # make deploy-pages finds it there.
    assert raw["Outputs"][SITE_INDEX_OUTPUT]["Value"] == {"Fn::GetAtt": ["SiteIndex", "Arn"]}


def test_every_page_behaviour_runs_the_function_and_the_api_none(raw: dict[str, Any]) -> None:
    config = _distribution(raw)
    assert "CustomErrorResponses" not in config
    default = config["DefaultCacheBehavior"]
    assert default["FunctionAssociations"] == [
        {"EventType": "viewer-request", "FunctionARN": ROUTER_ARN}
    ]
    behaviours = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    assert "FunctionAssociations" not in behaviours["/api/*"]
    for pattern in ("/embed/*", "/embed.js"):
        embed = behaviours[pattern]
        assert embed["TargetOriginId"] == "pages"
        assert embed["AllowedMethods"] == ["GET", "HEAD"]
        assert embed["CachePolicyId"] == CACHING_OPTIMIZED
        assert embed["ResponseHeadersPolicyId"] == {"Ref": "EmbedHeadersPolicy"}
        assert embed["FunctionAssociations"] == default["FunctionAssociations"]


def test_both_headers_policies_say_what_the_python_definition_says(raw: dict[str, Any]) -> None:
    resources = raw["Resources"]
    site = _headers_of(resources["SiteHeadersPolicy"])
    # The site's policy is the next test's; every other header is the definition's.
    site.pop("Content-Security-Policy")
    assert site == {k: v for k, v in SITE_HEADERS.items() if k != "Content-Security-Policy"}
    # The embed mode uploads nothing and calls no issuer: the plain policy, framed by any site.
    assert _headers_of(resources["EmbedHeadersPolicy"]) == EMBED_HEADERS


def test_the_pages_may_call_the_sign_in_issuer_and_the_media_bucket_and_nothing_else(
    raw: dict[str, Any],
) -> None:
    config = raw["Resources"]["SiteHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    policy = config["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    condition, cognito, other = policy["Fn::If"]
    assert condition == "UseCognito"
    assert cognito == {
        "Fn::Sub": content_security_policy(connect=[COGNITO_SIGN_IN_ORIGIN, MEDIA_UPLOAD_ORIGIN])
    }
    condition, given, none = other["Fn::If"]
    assert condition == "HasSignInTokenOrigin"
    assert given == {
        "Fn::Sub": content_security_policy(connect=["${SignInTokenOrigin}", MEDIA_UPLOAD_ORIGIN])
    }
    assert none == {"Fn::Sub": content_security_policy(connect=[MEDIA_UPLOAD_ORIGIN])}
    assert raw["Parameters"]["SignInTokenOrigin"]["Default"] == ""
    assert "frame-ancestors *" in EMBED_HEADERS["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in SITE_HEADERS["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("region", "suffix"),
    [
        ("us-east-1", "amazonaws.com"),
        ("sa-east-1", "amazonaws.com"),
        ("cn-north-1", "amazonaws.com.cn"),
    ],
)
def test_the_presigned_posts_url_is_the_origin_the_policy_names(
    region: str, suffix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agenda.adapters.media import s3_client

    # Signing is local: any credentials, no request.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    bucket = "agenda-mediabucket-1a2b3c4d5e6f"
    post = s3_client(region, None).generate_presigned_post(Bucket=bucket, Key="uploads/x")
    origin = (
        MEDIA_UPLOAD_ORIGIN.replace("${MediaBucket}", bucket)
        .replace("${AWS::Region}", region)
        .replace("${AWS::URLSuffix}", suffix)
    )
    assert post["url"].rstrip("/") == origin


def test_the_media_bucket_lets_the_site_read_the_uploads_answer(raw: dict[str, Any]) -> None:
    (rule,) = raw["Resources"]["MediaBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == ["POST"]
    (origins,) = rule["AllowedOrigins"]
    condition, given, derived = origins["Fn::If"]
    assert (condition, given) == ("HasCorsAllowedOrigin", {"Ref": "CorsAllowedOrigin"})
    # Not the distribution's own domain: its policy names the bucket (a cycle otherwise).
    assert derived == {
        "Fn::If": [
            "HasSiteDomain",
            {"Fn::Sub": "https://${SiteDomainName}"},
            "https://*.cloudfront.net",
        ]
    }


def test_a_local_policy_names_the_s3_stand_in_for_the_photo() -> None:
    media = "http://127.0.0.1:45678"
    site = headers_for(embed=False, media=media)
    embed = headers_for(embed=True, media=media)
    assert site["Content-Security-Policy"] == content_security_policy(
        connect=[media], images=[media]
    )
    # The embed mode shows photos but posts none.
    assert embed["Content-Security-Policy"] == content_security_policy(images=[media], framing="*")
    for local, base in ((site, SITE_HEADERS), (embed, EMBED_HEADERS)):
        assert {k: v for k, v in local.items() if k != "Content-Security-Policy"} == {
            k: v for k, v in base.items() if k != "Content-Security-Policy"
        }
    assert headers_for(embed=False) == SITE_HEADERS


def test_the_api_hears_the_origin_verify_secret_and_the_viewers_address(
    raw: dict[str, Any],
) -> None:
    parameter = raw["Parameters"]["OriginVerifySecret"]
    assert parameter["NoEcho"] is True
    assert parameter["Default"] == ""
    config = _distribution(raw)
    api = next(o for o in config["Origins"] if o["Id"] == "api")
    condition, headers, otherwise = api["OriginCustomHeaders"]["Fn::If"]
    assert condition == "HasOriginVerify"
    assert headers == [
        {"HeaderName": "X-Origin-Verify", "HeaderValue": {"Ref": "OriginVerifySecret"}}
    ]
    assert otherwise == {"Ref": "AWS::NoValue"}
    behaviours = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    # The managed policy forwards CloudFront's headers (CloudFront-Viewer-Address), not Host.
    assert behaviours["/api/*"]["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    # The functions read the secret as every other: an ARN, through the secrets extension.
    secret = raw["Resources"]["OriginVerifySecretValue"]
    assert secret["Condition"] == "HasOriginVerify"
    assert secret["Properties"]["SecretString"] == {"Ref": "OriginVerifySecret"}
    variables = raw["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["ORIGIN_VERIFY_SECRET_ARN"] == {
        "Fn::If": ["HasOriginVerify", {"Ref": "OriginVerifySecretValue"}, ""]
    }
    # Every function that asks client_address may read the secret.
    readers = {
        name
        for name, resource in raw["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
        and "client_address("
        in (ROOT / resource["Properties"]["CodeUri"] / "app.py").read_text(encoding="utf-8")
    }
    assert {"BookingFunction", "GuestLinksFunction"} <= readers
    reads_the_secret = {
        "Fn::If": [
            "HasOriginVerify",
            {
                "AWSSecretsManagerGetSecretValuePolicy": {
                    "SecretArn": {"Ref": "OriginVerifySecretValue"}
                }
            },
            {"Ref": "AWS::NoValue"},
        ]
    }
    for name in readers:
        assert reads_the_secret in raw["Resources"][name]["Properties"]["Policies"], name


def test_the_links_and_the_cors_origin_default_to_the_site(raw: dict[str, Any]) -> None:
    parameters = raw["Parameters"]
    assert parameters["AppBaseUrl"]["Default"] == ""
    assert parameters["CorsAllowedOrigin"]["Default"] == ""
    app_base_url = raw["Globals"]["Function"]["Environment"]["Variables"]["APP_BASE_URL"]
    condition, given, derived = app_base_url["Fn::If"]
    assert (condition, given) == ("HasAppBaseUrl", {"Ref": "AppBaseUrl"})
    assert derived == {
        "Fn::If": [
            "HasSiteDomain",
            {"Fn::Sub": "https://${SiteDomainName}"},
            {"Fn::Sub": "https://${SiteDistribution.DomainName}"},
        ]
    }
    # The API's CORS cannot name the distribution (it depends on the API): the domain or none.
    assert load_cors(TEMPLATE, {"CorsAllowedOrigin": "https://app.example"}).allow_origins == (  # type: ignore[union-attr]
        "https://app.example",
    )
    assert load_cors(TEMPLATE, {"SiteDomainName": "agenda.example"}).allow_origins == (  # type: ignore[union-attr]
        "https://agenda.example",
    )
    assert load_cors(TEMPLATE, {}).allow_origins == ()  # type: ignore[union-attr]
