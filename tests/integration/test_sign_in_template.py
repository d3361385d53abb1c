"""The pages' sign-in in template.yaml: the stack's own Cognito user pool, hosted sign-in and
public app client by default, the JWT authorizer following it, another issuer still possible;
and the outputs infra/pages.py turns into /auth-config.json."""

from __future__ import annotations

from typing import Any

import pytest

from infra.local.template import load_template
from infra.pages import SIGN_IN_OUTPUTS, BuildError, auth_config_of_stack
from infra.paths import TEMPLATE

pytestmark = pytest.mark.integration

COGNITO = ("UserPool", "UserPoolDomain", "PagesSignInClient")


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return load_template(TEMPLATE)


def test_the_issuer_is_the_stacks_cognito_unless_one_is_given(raw: dict[str, Any]) -> None:
    parameters = raw["Parameters"]
    assert parameters["JwtIssuer"]["Default"] == ""
    assert raw["Conditions"]["UseCognito"] == {"Fn::Equals": [{"Ref": "JwtIssuer"}, ""]}
    for name in COGNITO:
        assert raw["Resources"][name]["Condition"] == "UseCognito", name
    jwt = raw["Resources"]["HttpApi"]["Properties"]["Auth"]["Authorizers"]["JwtAuthorizer"]
    config = jwt["JwtConfiguration"]
    assert config["issuer"] == {
        "Fn::If": [
            "UseCognito",
            {"Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}"},
            {"Ref": "JwtIssuer"},
        ]
    }
    assert config["audience"] == {
        "Fn::If": ["UseCognito", [{"Ref": "PagesSignInClient"}], {"Ref": "JwtAudience"}]
    }


def test_the_pages_client_is_public_with_the_code_flow_to_the_site(raw: dict[str, Any]) -> None:
    client = raw["Resources"]["PagesSignInClient"]["Properties"]
    assert client["GenerateSecret"] is False
    assert client["AllowedOAuthFlows"] == ["code"]
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert "openid" in client["AllowedOAuthScopes"]
    assert client["CallbackURLs"] == [{"Fn::Sub": "https://${SiteDomainName}/signed-in"}]
    assert client["LogoutURLs"] == [{"Fn::Sub": "https://${SiteDomainName}/"}]
    assert client["EnableTokenRevocation"] is True
    # The callback names the site's domain, so the stack refuses to start without it.
    [assertion] = raw["Rules"]["CognitoNeedsSiteDomain"]["Assertions"]
    assert assertion["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "SiteDomainName"}, ""]}]}
    pool = raw["Resources"]["UserPool"]
    assert pool["DeletionPolicy"] == "Retain"
    assert pool["Properties"]["UsernameAttributes"] == ["email"]


def test_the_outputs_are_what_the_upload_writes_to_the_config(raw: dict[str, Any]) -> None:
    outputs = raw["Outputs"]
    for name in SIGN_IN_OUTPUTS.values():
        assert outputs[name]["Condition"] == "UseCognito", name
    assert outputs["SignInTokenUrl"]["Value"]["Fn::Sub"].endswith("/oauth2/token")
    assert outputs["SignInAuthorizeUrl"]["Value"]["Fn::Sub"].endswith("/oauth2/authorize")
    deployed = {
        "SignInAuthorizeUrl": "https://agenda-1.auth.sa-east-1.amazoncognito.com/oauth2/authorize",
        "SignInTokenUrl": "https://agenda-1.auth.sa-east-1.amazoncognito.com/oauth2/token",
        "SignInClientId": "4abc",
    }
    assert auth_config_of_stack(deployed, "agenda") == {
        "authorizationEndpoint": deployed["SignInAuthorizeUrl"],
        "tokenEndpoint": deployed["SignInTokenUrl"],
        "clientId": "4abc",
        "scope": "openid email profile",
    }
    with pytest.raises(BuildError, match="SignInClientId"):
        auth_config_of_stack({k: v for k, v in deployed.items() if k != "SignInClientId"}, "a")
