"""template.yaml: what the local stack reads from it, and what SAM makes of it.

The SAM CLI checks need the CLI installed in its own venv (`make test` does it); they fail
rather than skip without it, so a green run always means the template was validated and built.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from infra.local.template import Route, load_stack, load_template, match_route
from infra.paths import ROOT

pytestmark = pytest.mark.integration

TEMPLATE = ROOT / "template.yaml"
FUNCTIONS = ROOT / "functions"
EVENTS = ROOT / "events"

# The public contract: route key -> (function, guarded by the JWT authorizer).
EXPECTED_ROUTES = {
    "GET /api/professionals/{slug}": ("ProfessionalsFunction", False),
    "GET /api/booking": ("BookingFunction", False),
    "POST /api/booking": ("BookingFunction", False),
    "GET /api/appointments": ("AppointmentsFunction", True),
    "POST /api/appointments": ("AppointmentsFunction", True),
    "PATCH /api/appointments/{id}": ("AppointmentsFunction", True),
    # Guest self-service: the signed link's token is the credential, not a JWT.
    "GET /api/guest/appointments/{id}": ("GuestFunction", False),
    "GET /api/guest/appointments/{id}/calendar.ics": ("GuestFunction", False),
    "POST /api/guest/appointments/{id}/cancel": ("GuestFunction", False),
    "POST /api/guest/appointments/{id}/reschedule": ("GuestFunction", False),
    "GET /api/notifications": ("InboxFunction", True),
    "PATCH /api/notifications/{id}": ("InboxFunction", True),
    "POST /api/notifications/read-all": ("InboxFunction", True),
    "GET /api/availability": ("AvailabilityFunction", True),
    "PUT /api/availability": ("AvailabilityFunction", True),
    "POST /api/availability/preview": ("AvailabilityFunction", True),
    "POST /api/stripe/checkout": ("StripeCheckoutFunction", True),
    "POST /api/stripe/portal": ("StripeCheckoutFunction", True),
    "POST /api/stripe/webhook": ("StripeWebhookFunction", False),
    "POST /api/account": ("AccountFunction", True),
    "GET /api/account": ("AccountFunction", True),
    "PATCH /api/account": ("AccountFunction", True),
    "GET /api/account/slug": ("AccountFunction", True),
    "POST /api/account/avatar": ("AccountAvatarFunction", True),
    "POST /api/account/avatar/confirm": ("AccountAvatarFunction", True),
    "GET /api/account/export": ("AccountPrivacyFunction", True),
    "DELETE /api/account": ("AccountPrivacyFunction", True),
    "GET /api/client-profile": ("ClientProfileFunction", True),
    "PUT /api/client-profile/follows/{slug}": ("ClientFollowsFunction", True),
    "DELETE /api/client-profile/follows/{slug}": ("ClientFollowsFunction", True),
    "GET /api/client-profile/export": ("ClientPrivacyFunction", True),
    "DELETE /api/client-profile": ("ClientPrivacyFunction", True),
    "POST /api/client-profile/claim": ("ClientClaimFunction", True),
    "POST /api/client-profile/claim/codes": ("ClientClaimFunction", True),
    "PATCH /api/client-profile": ("ClientContactFunction", True),
    "POST /api/client-profile/contact/confirm": ("ClientContactFunction", True),
    "POST /api/guest/links": ("GuestLinksFunction", False),
    "GET /api/clients": ("ClientsFunction", True),
    "POST /api/clients": ("ClientsFunction", True),
    "GET /api/clients/{id}": ("ClientsFunction", True),
    "PATCH /api/clients/{id}": ("ClientsFunction", True),
    "GET /api/clients/{id}/notes": ("ClientNotesFunction", True),
    "POST /api/clients/{id}/notes": ("ClientNotesFunction", True),
    "PATCH /api/clients/{id}/notes/{noteId}": ("ClientNotesFunction", True),
    "DELETE /api/clients/{id}/notes/{noteId}": ("ClientNotesFunction", True),
    "GET /api/messages": ("MessagesFunction", True),
    "POST /api/messages": ("MessagesFunction", True),
    "GET /api/guest/appointments/{id}/messages": ("MessagesFunction", False),
    "POST /api/guest/appointments/{id}/messages": ("MessagesFunction", False),
    "POST /api/appointments/{id}/review": ("ReviewsFunction", True),
    "POST /api/guest/appointments/{id}/review": ("ReviewsFunction", False),
    "GET /api/reviews": ("ReviewsFunction", True),
    "POST /api/reviews/{id}/reply": ("ReviewsFunction", True),
    "PATCH /api/reviews/{id}": ("ReviewsFunction", True),
}


@pytest.fixture(scope="module")
def stack() -> Any:
    return load_stack(TEMPLATE)


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return load_template(TEMPLATE)


# -- the stack as the local tooling reads it ------------------------------------------------


def test_routes_are_the_public_contract(stack: Any) -> None:
    found = {route.route_key: (route.function, route.authorized) for route in stack.routes}
    assert found == EXPECTED_ROUTES


def test_every_route_is_served_by_a_handler_module(stack: Any) -> None:
    for route in stack.routes:
        function = stack.functions[route.function]
        assert function.code_uri.parent == FUNCTIONS, route
        assert (function.code_uri / "app.py").is_file(), f"{route.route_key}: no app.py"
        assert function.handler == "app.lambda_handler"


def test_every_function_folder_is_declared_in_the_template(stack: Any) -> None:
    folders = {
        path.name
        for path in FUNCTIONS.iterdir()
        if path.is_dir() and not path.name.startswith((".", "_"))
    }
    declared = {function.code_uri.name for function in stack.functions.values()}
    assert folders == declared
    for function in stack.functions.values():
        assert (function.code_uri / "app.py").is_file(), function.logical_id


def test_functions_share_the_global_environment(stack: Any, raw: dict[str, Any]) -> None:
    global_env = raw["Globals"]["Function"]["Environment"]["Variables"]
    for function in stack.functions.values():
        assert global_env.items() <= function.environment.items(), function.logical_id
        assert function.environment["NOTIFICATIONS_QUEUE_URL"] == {"Ref": "NotificationsQueue"}
    watchdog = stack.functions["WhatsappWatchdogFunction"]
    assert watchdog.environment["NOTIFICATIONS_DLQ_URL"] == {"Ref": "NotificationsDeadLetterQueue"}
    assert "NOTIFICATIONS_DLQ_URL" not in stack.functions["BookingFunction"].environment


def test_queue_redrive_is_what_the_template_says(stack: Any, raw: dict[str, Any]) -> None:
    resources = raw["Resources"]
    (queue,) = stack.queues
    properties = resources[queue.logical_id]["Properties"]
    redrive = properties["RedrivePolicy"]
    assert queue.logical_id == "NotificationsQueue"
    assert queue.max_receive_count == int(redrive["maxReceiveCount"]) == 8
    # The consumer knows the same number, to count what it dead-letters.
    consumer = stack.functions[queue.consumer]
    assert int(consumer.environment["NOTIFICATIONS_MAX_RECEIVE_COUNT"]) == queue.max_receive_count
    # A claim ends before the message could be received again by another consumer.
    assert int(consumer.environment["DELIVERY_LEASE_SECONDS"]) < queue.visibility_timeout
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": [queue.dead_letter, "Arn"]}
    assert queue.dead_letter == "NotificationsDeadLetterQueue"
    assert queue.visibility_timeout == properties["VisibilityTimeout"]
    assert queue.consumer == "NotificationsFunction"
    assert queue.batch_size == 10


def test_visibility_timeout_covers_six_consumer_timeouts(stack: Any) -> None:
    (queue,) = stack.queues
    consumer = stack.functions[queue.consumer]
    assert queue.visibility_timeout >= 6 * consumer.timeout + queue.batching_window


# The sizing of docs/benchmarks.md, "Draining the morning burst".
MORNING_BURST = 150_000  # messages the 08:00 reminder run queues on the largest day planned
MORNING_BURST_WHATSAPP = 100_000  # of them through the platform's one WhatsApp number
BURST_DELIVERED_WITHIN_SECONDS = 30 * 60
JOB_AND_SCALE_UP_SECONDS = 60  # the run queueing its pages, Lambda adding invocations
PROVIDER_CALL_SECONDS = 0.25  # planned answer time of a provider call
DRAIN_EFFICIENCY = 0.8  # of the provider-bound rate: what infra/bench_drain.py holds it to
WHATSAPP_NUMBER_PER_SECOND = 80  # the Cloud API's default throughput of a business number


def test_the_consumer_drains_the_morning_burst_in_time_within_the_whatsapp_rate(
    stack: Any,
) -> None:
    (queue,) = stack.queues
    # Each invocation sends one message at a time: 1 / PROVIDER_CALL_SECONDS at most.
    ceiling = queue.max_concurrency / PROVIDER_CALL_SECONDS
    rate = ceiling * DRAIN_EFFICIENCY
    assert MORNING_BURST / rate <= BURST_DELIVERED_WITHIN_SECONDS - JOB_AND_SCALE_UP_SECONDS
    assert ceiling * MORNING_BURST_WHATSAPP / MORNING_BURST <= WHATSAPP_NUMBER_PER_SECOND


def test_dead_letter_queue_outlives_the_source_queue(raw: dict[str, Any]) -> None:
    resources = raw["Resources"]
    source = resources["NotificationsQueue"]["Properties"]
    dead_letter = resources["NotificationsDeadLetterQueue"]["Properties"]
    assert dead_letter["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert dead_letter["MessageRetentionPeriod"] > source["MessageRetentionPeriod"]
    assert dead_letter["RedriveAllowPolicy"]["redrivePermission"] == "byQueue"
    assert source["SqsManagedSseEnabled"] is True
    assert dead_letter["SqsManagedSseEnabled"] is True


def test_schedules_run_in_a_time_zone(stack: Any) -> None:
    found = {
        (schedule.function, schedule.expression, json.dumps(schedule.input, sort_keys=True))
        for schedule in stack.schedules
    }
    assert found == {
        ("OutboxRelayFunction", "rate(1 minute)", '{"job": "outbox_relay"}'),
        ("PaymentHoldsFunction", "rate(5 minutes)", '{"job": "payment_holds"}'),
        ("CronRemindersFunction", "cron(0 8 * * ? *)", '{"job": "reminders_24h"}'),
        ("CronRemindersFunction", "rate(15 minutes)", '{"job": "reminders_1h"}'),
        ("WhatsappWatchdogFunction", "cron(0 9 * * ? *)", '{"job": "whatsapp_watchdog"}'),
        ("AccountPurgeFunction", "rate(1 minute)", '{"job": "account_purge"}'),
        ("ClientPurgeFunction", "rate(1 minute)", '{"job": "client_purge"}'),
        ("SitePagesFunction", "rate(1 minute)", '{"job": "site_pages"}'),
    }
    for schedule in stack.schedules:
        assert schedule.timezone == "America/Sao_Paulo", schedule.name
        ZoneInfo(schedule.timezone)
    assert len({schedule.name for schedule in stack.schedules}) == len(stack.schedules)


# -- what the stack keeps, retries and tells someone about ------------------------------------

# The schedules' functions and their invocation config (MaximumRetryAttempts,
# MaximumEventAgeInSeconds): a rate() job's next run does a retry's work, so it gets none and
# an event older than its period is dropped; the morning runs are worth retrying for an hour.
EXPECTED_INVOKE_CONFIG = {
    "OutboxRelayFunction": (0, 60),
    "PaymentHoldsFunction": (0, 300),
    "CronRemindersFunction": (2, 3600),
    "WhatsappWatchdogFunction": (2, 3600),
    "AccountPurgeFunction": (0, 60),
    "ClientPurgeFunction": (0, 60),
    "SitePagesFunction": (0, 60),
}
FAILURES_QUEUE = "ScheduledJobFailuresQueue"
RETAINED = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}


def _of_type(raw: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in raw["Resources"].items() if r.get("Type") == kind}


def test_every_function_logs_to_its_own_group_with_a_retention(raw: dict[str, Any]) -> None:
    groups = _of_type(raw, "AWS::Logs::LogGroup")
    retention = raw["Parameters"]["LogRetentionInDays"]
    assert retention["Default"] == 30
    assert 30 in retention["AllowedValues"]
    used: list[str] = []
    for name, function in _of_type(raw, "AWS::Serverless::Function").items():
        ref = function["Properties"].get("LoggingConfig", {}).get("LogGroup")
        assert isinstance(ref, dict), f"{name}: no LoggingConfig.LogGroup"
        assert set(ref) == {"Ref"}, name
        group = groups[ref["Ref"]]["Properties"]
        assert group["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{AWS::StackName}}-{name}"}
        assert group["RetentionInDays"] == {"Ref": "LogRetentionInDays"}
        used.append(ref["Ref"])
    assert len(set(used)) == len(used), "two functions share a log group"
    access = groups["HttpApiAccessLogs"]["Properties"]
    assert access["RetentionInDays"] == {"Ref": "LogRetentionInDays"}


def test_queues_and_log_groups_outlive_the_stack(raw: dict[str, Any]) -> None:
    kept = {**_of_type(raw, "AWS::SQS::Queue"), **_of_type(raw, "AWS::Logs::LogGroup")}
    assert {"NotificationsQueue", "NotificationsDeadLetterQueue", FAILURES_QUEUE} <= kept.keys()
    for name, resource in kept.items():
        assert {k: resource.get(k) for k in RETAINED} == RETAINED, name


def test_scheduled_functions_retry_as_their_schedules_need(stack: Any, raw: dict[str, Any]) -> None:
    resources = raw["Resources"]
    scheduled = {schedule.function for schedule in stack.schedules}
    assert scheduled == EXPECTED_INVOKE_CONFIG.keys()
    failures = {"Fn::GetAtt": [FAILURES_QUEUE, "Arn"]}
    for name, (retries, max_age) in EXPECTED_INVOKE_CONFIG.items():
        properties = resources[name]["Properties"]
        config = properties.get("EventInvokeConfig")
        assert config is not None, f"{name}: no EventInvokeConfig"
        assert config["MaximumRetryAttempts"] == retries, name
        assert config["MaximumEventAgeInSeconds"] == max_age, name
        assert config["DestinationConfig"]["OnFailure"] == {"Type": "SQS", "Destination": failures}
        # What the scheduler itself could not hand to Lambda lands in the same queue.
        for event in properties["Events"].values():
            assert event["Properties"]["DeadLetterConfig"] == {"Arn": failures}, name
    # A rate() job whose event waits longer than its period would run beside the next one.
    for schedule in stack.schedules:
        if schedule.expression.startswith("rate("):
            retries, max_age = EXPECTED_INVOKE_CONFIG[schedule.function]
            count, unit = schedule.expression[5:-1].split()
            period = int(count) * (60 if unit.startswith("minute") else 3600)
            if retries == 0:
                assert max_age <= period, schedule.name


def test_a_failed_scheduled_run_pages_someone(raw: dict[str, Any]) -> None:
    alarms = _of_type(raw, "AWS::CloudWatch::Alarm")
    assert raw["Resources"]["AlarmTopic"]["Type"] == "AWS::SNS::Topic"
    (failures,) = [
        a["Properties"]
        for a in alarms.values()
        if a["Properties"].get("Namespace") == "AWS/SQS"
        and a["Properties"]["Dimensions"]
        == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [FAILURES_QUEUE, "QueueName"]}}]
    ]
    assert failures["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert failures["Threshold"] == 0
    assert failures["ComparisonOperator"] == "GreaterThanThreshold"
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
    subscription = raw["Resources"]["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["TopicArn"] == {"Ref": "AlarmTopic"}


# -- route matching ---------------------------------------------------------------------------


def test_match_route_binds_path_parameters(stack: Any) -> None:
    matched = match_route(stack.routes, "get", "/api/professionals/dr-ana")
    assert matched is not None
    route, params = matched
    assert route.route_key == "GET /api/professionals/{slug}"
    assert params == {"slug": "dr-ana"}

    matched = match_route(stack.routes, "PATCH", "/api/appointments/a%20b")
    assert matched is not None
    assert matched[1] == {"id": "a b"}


def test_match_route_misses(stack: Any) -> None:
    assert match_route(stack.routes, "DELETE", "/api/booking") is None
    assert match_route(stack.routes, "GET", "/api/professionals") is None
    assert match_route(stack.routes, "GET", "/api/professionals/") is None
    assert match_route(stack.routes, "GET", "/api/professionals/a/b") is None
    assert match_route(stack.routes, "GET", "/nowhere") is None


def _route(method: str, path: str) -> Route:
    return Route(method, path, f"{method} {path}", False, f"{method} {path}")


def test_match_route_prefers_the_most_specific_route() -> None:
    routes = [
        _route("ANY", "/files/{proxy+}"),
        _route("GET", "/files/{name}"),
        _route("GET", "/files/readme"),
        _route("ANY", "/files/{name}"),
    ]
    found = match_route(routes, "GET", "/files/readme")
    assert found is not None
    assert found[0].route_key == "GET /files/readme"
    found = match_route(routes, "GET", "/files/notes.txt")
    assert found == (routes[1], {"name": "notes.txt"})
    found = match_route(routes, "POST", "/files/notes.txt")
    assert found == (routes[3], {"name": "notes.txt"})
    found = match_route(routes, "GET", "/files/a/b/c.txt")
    assert found == (routes[0], {"proxy": "a/b/c.txt"})
    assert match_route(routes, "GET", "/files") is None


# -- the YAML loader --------------------------------------------------------------------------


def test_loader_reads_short_form_intrinsics(tmp_path: Path) -> None:
    source = tmp_path / "template.yaml"
    source.write_text(
        "\n".join(
            [
                "Resources:",
                "  Thing:",
                "    Type: AWS::SQS::Queue",
                "    Properties:",
                "      A: !Ref Stage",
                "      B: !GetAtt Queue.Arn",
                "      C: !Sub '${AWS::StackName}-x'",
                "      D: !If [IsProd, 1, !Ref AWS::NoValue]",
                "      E: !Join ['', [a, !Select [0, !Split [',', 'x,y']]]]",
                "      F: !Equals [!Ref Stage, prod]",
                "      G: !Not [!Condition IsProd]",
                "      H: !And [!Equals [a, a], !Or [!Equals [a, b], !Equals [b, b]]]",
                "      I: !FindInMap [Map, Key, Value]",
                "      J: !ImportValue Shared",
                "      K: !Base64 text",
                "      L: !Cidr [10.0.0.0/16, 4, 8]",
                "      M: !GetAZs ''",
                "      N: !GetAtt [Queue, QueueName]",
            ]
        ),
        encoding="utf-8",
    )
    props = load_template(source)["Resources"]["Thing"]["Properties"]
    assert props["A"] == {"Ref": "Stage"}
    assert props["B"] == {"Fn::GetAtt": ["Queue", "Arn"]}
    assert props["C"] == {"Fn::Sub": "${AWS::StackName}-x"}
    assert props["D"] == {"Fn::If": ["IsProd", 1, {"Ref": "AWS::NoValue"}]}
    assert props["E"] == {"Fn::Join": ["", ["a", {"Fn::Select": [0, {"Fn::Split": [",", "x,y"]}]}]]}
    assert props["F"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    assert props["G"] == {"Fn::Not": [{"Condition": "IsProd"}]}
    assert props["H"]["Fn::And"][1] == {
        "Fn::Or": [{"Fn::Equals": ["a", "b"]}, {"Fn::Equals": ["b", "b"]}]
    }
    assert props["I"] == {"Fn::FindInMap": ["Map", "Key", "Value"]}
    assert props["J"] == {"Fn::ImportValue": "Shared"}
    assert props["K"] == {"Fn::Base64": "text"}
    assert props["L"] == {"Fn::Cidr": ["10.0.0.0/16", 4, 8]}
    assert props["M"] == {"Fn::GetAZs": ""}
    assert props["N"] == {"Fn::GetAtt": ["Queue", "QueueName"]}


# -- sample events for `sam local invoke` -------------------------------------------------------


def test_every_function_has_sample_events(stack: Any) -> None:
    for function in stack.functions.values():
        folder = EVENTS / function.code_uri.name
        assert sorted(folder.glob("*.json")), f"no sample events in {folder}"


def test_sample_http_events_fit_their_routes(stack: Any) -> None:
    covered: set[str] = set()
    for path in sorted(EVENTS.glob("*/*.json")):
        event = json.loads(path.read_text(encoding="utf-8"))
        if event.get("version") != "2.0":
            continue
        context = event["requestContext"]
        matched = match_route(stack.routes, context["http"]["method"], event["rawPath"])
        assert matched is not None, path
        route, params = matched
        assert event["routeKey"] == context["routeKey"] == route.route_key, path
        assert event.get("pathParameters", {}) == params, path
        assert stack.functions[route.function].code_uri.name == path.parent.name, path
        assert context["http"]["path"] == event["rawPath"]
        assert {"requestId", "timeEpoch", "stage"} <= context.keys()
        claims = context.get("authorizer", {}).get("jwt", {}).get("claims")
        assert (claims is not None) == route.authorized, path
        if claims is not None:
            assert claims["sub"]
        covered.add(route.route_key)
    assert covered == set(EXPECTED_ROUTES)


def test_sample_scheduled_events_are_the_schedule_inputs(stack: Any) -> None:
    for schedule in stack.schedules:
        folder = EVENTS / stack.functions[schedule.function].code_uri.name
        events = [json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")]
        assert schedule.input in events, schedule.name


def test_sample_sqs_event_feeds_the_consumer(stack: Any) -> None:
    (queue,) = stack.queues
    assert queue.consumer is not None
    folder = EVENTS / stack.functions[queue.consumer].code_uri.name
    for path in folder.glob("*.json"):
        records = json.loads(path.read_text(encoding="utf-8"))["Records"]
        assert 1 <= len(records) <= queue.batch_size
        for record in records:
            assert record["eventSource"] == "aws:sqs"
            assert isinstance(json.loads(record["body"]), dict)


# -- the SAM CLI ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sam_cli() -> Path:
    configured = os.environ.get("SAM_CLI")
    sam = Path(configured) if configured else ROOT / ".venv-sam" / "bin" / "sam"
    if not sam.is_file():
        pytest.fail(
            f"SAM CLI not found at {sam}: run `make test`, which installs it in .venv-sam "
            "(or set SAM_CLI to the sam binary)"
        )
    return sam


def _sam(sam_cli: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["SAM_CLI_TELEMETRY"] = "0"
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    # `sam build` without a container runs the python3.12 it finds on PATH: this interpreter.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return subprocess.run(
        [str(sam_cli), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def _explain(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


@pytest.mark.slow
def test_sam_validate_lint(sam_cli: Path) -> None:
    result = _sam(sam_cli, "validate", "--lint", "--template-file", str(TEMPLATE))
    assert result.returncode == 0, _explain(result)


@pytest.mark.slow
def test_sam_validate_translates_the_template(sam_cli: Path) -> None:
    result = _sam(sam_cli, "validate", "--region", "us-east-1", "--template-file", str(TEMPLATE))
    assert result.returncode == 0, _explain(result)


@pytest.mark.slow
def test_sam_build_packages_the_layer_and_every_function(
    sam_cli: Path, stack: Any, tmp_path: Path
) -> None:
    build = tmp_path / "build"
    result = _sam(sam_cli, "build", "--build-dir", str(build), "--template-file", str(TEMPLATE))
    assert result.returncode == 0, _explain(result)

    layer = build / "CommonLayer" / "python"  # Lambda unpacks it to /opt/python, on sys.path
    assert (layer / "agenda" / "__init__.py").is_file(), sorted(p.name for p in build.iterdir())
    assert (layer / "agenda" / "http.py").is_file()
    installed = {path.name for path in layer.iterdir()}
    for package in (
        "pg8000",
        "aws_lambda_powertools",
        "pydantic",
        "stripe",
        "upstash_redis",
        "awscrt",
    ):
        assert package in installed, (
            f"{package} is missing from the layer: sam build installs the requirements.txt "
            "found in the layer's ContentUri (layers/common/python)"
        )
    # Built for the functions' architecture, not this machine's.
    assert list((layer / "pydantic_core").glob("*aarch64*.so")), "pydantic_core is not arm64"

    for function in stack.functions.values():
        assert (build / function.logical_id / "app.py").is_file(), function.logical_id

    probe = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); import agenda; print(agenda.__file__)",
            str(layer),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert Path(probe.stdout.strip()).is_relative_to(layer)


# What SAM makes of the template, translated offline by the translator inside the SAM CLI's
# venv (no AWS call: the code locations are replaced by S3 placeholders and the managed
# policies SAM attaches are named, not looked up).
_TRANSLATE = """
import json, sys
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

template = yaml_parse(open(sys.argv[1], encoding="utf-8").read())
for resource in template["Resources"].values():
    properties = resource.get("Properties") or {}
    for key in ("CodeUri", "ContentUri"):
        if isinstance(properties.get(key), str):
            properties[key] = "s3://placeholder/" + properties[key].strip("/")


class ManagedPolicies:
    def load(self):
        names = ("AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole",
                 "AWSLambdaSQSQueueExecutionRole", "AWSLambdaRole")
        return {name: "arn:aws:iam::aws:policy/service-role/" + name for name in names}


json.dump(transform(template, {}, ManagedPolicies()), sys.stdout, default=str)
"""


@pytest.fixture(scope="module")
def translated(sam_cli: Path) -> dict[str, Any]:
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "SAM_CLI_TELEMETRY": "0"}
    result = subprocess.run(
        [str(sam_cli.parent / "python"), "-c", _TRANSLATE, str(TEMPLATE)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, _explain(result)
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def _statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        statement
        for policy in role["Properties"].get("Policies", [])
        for statement in policy["PolicyDocument"]["Statement"]
    ]


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


@pytest.mark.slow
def test_the_consumer_may_touch_only_its_own_queue(translated: dict[str, Any]) -> None:
    resources = translated["Resources"]
    role_ref = resources["NotificationsFunction"]["Properties"]["Role"]
    role = resources[role_ref["Fn::GetAtt"][0]]
    # AWSLambdaSQSQueueExecutionRole, which SAM attaches for an SQS event, grants every queue.
    managed = [str(arn) for arn in role["Properties"].get("ManagedPolicyArns", [])]
    assert not [arn for arn in managed if "SQS" in arn], managed
    sqs = [s for s in _statements(role) if any(a.startswith("sqs:") for a in _actions(s))]
    assert sqs, "the consumer has no queue permission"
    for statement in sqs:
        assert statement["Resource"] == {"Fn::GetAtt": ["NotificationsQueue", "Arn"]}, statement
    actions = {action for statement in sqs for action in _actions(statement)}
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"} <= actions
    assert not [a for a in actions if "*" in a]


@pytest.mark.slow
def test_scheduled_failures_reach_their_queue(translated: dict[str, Any]) -> None:
    resources = translated["Resources"]
    configs = {
        r["Properties"]["FunctionName"]["Ref"]: r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::EventInvokeConfig"
    }
    assert configs.keys() == EXPECTED_INVOKE_CONFIG.keys()
    failures = {"Fn::GetAtt": [FAILURES_QUEUE, "Arn"]}
    for name, config in configs.items():
        assert config["Qualifier"] == "live", name  # the alias the schedules invoke
        role = resources[f"{name}Role"]
        assert any(
            s["Resource"] == failures and "sqs:SendMessage" in _actions(s)
            for s in _statements(role)
        ), f"{name} may not send to {FAILURES_QUEUE}"
    schedules = [r for r in resources.values() if r["Type"] == "AWS::Scheduler::Schedule"]
    assert len(schedules) == 8
    for schedule in schedules:
        assert schedule["Properties"]["Target"]["DeadLetterConfig"] == {"Arn": failures}
        role = resources[schedule["Properties"]["Target"]["RoleArn"]["Fn::GetAtt"][0]]
        assert any(
            s["Resource"] == failures and "sqs:SendMessage" in _actions(s)
            for s in _statements(role)
        ), "the scheduler may not dead-letter"


# -- checkov ------------------------------------------------------------------------------------

# Findings accepted for the whole template, each explained in docs/operations.md. A finding
# about one resource is skipped on that resource instead (Metadata: checkov: skip, with why).
CHECKOV_ACCEPTED = {
    # Reserved concurrency would throttle the 1-hour reminders behind the morning run that
    # shares their function; the HTTP routes are throttled by the API stage, the consumer by
    # its event source's MaximumConcurrency, the reminder runs by their lease.
    "CKV_AWS_115": "AWS::Serverless::Function",
    # A function DLQ only catches asynchronous events: the HTTP functions are called
    # synchronously, the consumer's failures go to the queue's redrive DLQ, and the scheduled
    # functions have an on-failure destination (EventInvokeConfig), which the check ignores.
    "CKV_AWS_116": "AWS::Serverless::Function",
    # The environment holds no secret (only secret ARNs) and Lambda encrypts it at rest.
    "CKV_AWS_173": "AWS::Serverless::Function",
    # Encrypted at rest by CloudWatch Logs; a customer key adds a key policy and a cost and
    # the logs carry no contact details or tokens in clear.
    "CKV_AWS_158": "AWS::Logs::LogGroup",
    # SqsManagedSseEnabled is SSE: the check only recognises a KMS key.
    "CKV_AWS_27": "AWS::SQS::Queue",
}


@pytest.fixture(scope="module")
def checkov() -> Path:
    configured = os.environ.get("CHECKOV")
    checkov = Path(configured) if configured else ROOT / ".venv-checkov" / "bin" / "checkov"
    if not checkov.is_file():
        pytest.fail(
            f"checkov not found at {checkov}: run `make test`, which installs it in "
            ".venv-checkov (or set CHECKOV to the checkov binary)"
        )
    return checkov


@pytest.mark.slow
def test_checkov_finds_nothing_unexplained(checkov: Path) -> None:
    result = subprocess.run(
        [
            str(checkov),
            "--file",
            str(TEMPLATE),
            "--framework",
            "cloudformation",
            "--output",
            "json",
            "--skip-download",
            "--compact",
        ],
        cwd=ROOT,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_NO_GUIDE": "true"},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.stdout.strip(), _explain(result)
    report = json.loads(result.stdout)
    report = report[0] if isinstance(report, list) else report
    assert report["summary"]["parsing_errors"] == 0, _explain(result)
    unexplained = sorted(
        f"{c['check_id']} {c['resource']}: {c['check_name']}"
        for c in report["results"]["failed_checks"]
        if CHECKOV_ACCEPTED.get(c["check_id"]) != c["resource"].split(".")[0]
    )
    assert not unexplained, "\n".join(unexplained)
    docs = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for skipped in report["results"]["skipped_checks"]:
        comment = skipped["check_result"].get("suppress_comment") or ""
        assert comment.strip(), f"{skipped['check_id']}: say why it is skipped"
    explained = {c["check_id"] for c in report["results"]["skipped_checks"]} | set(CHECKOV_ACCEPTED)
    assert not [check for check in explained if check not in docs], "explain it in the docs"


# -- the site: pages bucket, distribution, headers --------------------------------------------

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


def _site(raw: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = raw["Resources"]["SiteDistribution"]["Properties"][
        "DistributionConfig"
    ]
    return config


def test_the_pages_bucket_is_private_and_encrypted(raw: dict[str, Any]) -> None:
    bucket = raw["Resources"]["PagesBucket"]["Properties"]
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    (encryption,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def test_only_the_site_distribution_reads_the_pages_bucket(raw: dict[str, Any]) -> None:
    policy = raw["Resources"]["PagesBucketPolicy"]["Properties"]
    assert policy["Bucket"] == {"Ref": "PagesBucket"}
    allows = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert len(allows) == 1
    (allow,) = allows
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    # GetObject alone: without ListBucket a missing key is a 403, never a listing.
    assert allow["Action"] == "s3:GetObject"
    source = allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert source.endswith(":distribution/${SiteDistribution}")
    denies = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert [d["Condition"] for d in denies] == [{"Bool": {"aws:SecureTransport": "false"}}]


def test_the_site_distribution_reaches_the_bucket_through_origin_access_control(
    raw: dict[str, Any],
) -> None:
    config = _site(raw)
    origins = {o["Id"]: o for o in config["Origins"]}
    pages = origins["pages"]
    assert pages["DomainName"] == {"Fn::GetAtt": ["PagesBucket", "RegionalDomainName"]}
    assert pages["OriginAccessControlId"] == {"Fn::GetAtt": ["PagesOriginAccessControl", "Id"]}
    assert pages["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    oac = raw["Resources"]["PagesOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert oac["OriginAccessControlOriginType"] == "s3"
    assert oac["SigningBehavior"] == "always"
    assert oac["SigningProtocol"] == "sigv4"
    api = origins["api"]
    assert api["DomainName"] == {
        "Fn::Sub": "${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"
    }
    assert api["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"


def test_the_site_distribution_serves_pages_and_the_api_over_https(raw: dict[str, Any]) -> None:
    config = _site(raw)
    assert config["HttpVersion"] == "http2and3"
    assert config["DefaultRootObject"] == "index.html"
    default = config["DefaultCacheBehavior"]
    assert default["TargetOriginId"] == "pages"
    assert default["ViewerProtocolPolicy"] in ("https-only", "redirect-to-https")
    assert default["AllowedMethods"] == ["GET", "HEAD"]
    assert default["CachePolicyId"] == CACHING_OPTIMIZED
    assert default["ResponseHeadersPolicyId"] == {"Ref": "SiteHeadersPolicy"}
    behaviours = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    assert set(behaviours) == {"/api/*", "/embed/*", "/embed.js"}
    api = behaviours["/api/*"]
    assert api["PathPattern"] == "/api/*"
    assert api["TargetOriginId"] == "api"
    assert api["ViewerProtocolPolicy"] == "https-only"
    assert set(api["AllowedMethods"]) == {
        "GET",
        "HEAD",
        "OPTIONS",
        "PUT",
        "PATCH",
        "POST",
        "DELETE",
    }
    assert api["CachePolicyId"] == CACHING_DISABLED
    assert api["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER


def test_the_distribution_has_no_error_responses_that_would_hide_the_apis(
    raw: dict[str, Any],
) -> None:
    # They apply to every behaviour: the API's JSON 403 and 404 would become the HTML page.
    # The edge function answers the site's 404 (tests/integration/test_site_edge_template.py).
    assert "CustomErrorResponses" not in _site(raw)
    assert (ROOT / "pages" / "site" / "404.html").is_file()


def test_the_site_domain_and_certificate_are_parameters(raw: dict[str, Any]) -> None:
    parameters = raw["Parameters"]
    assert parameters["SiteDomainName"]["Default"] == ""
    assert parameters["SiteCertificateArn"]["Default"] == ""
    assert ":acm:us-east-1:" in parameters["SiteCertificateArn"]["AllowedPattern"]
    config = _site(raw)
    assert config["Aliases"]["Fn::If"][0] == "HasSiteDomain"
    with_domain, without = config["ViewerCertificate"]["Fn::If"][1:]
    assert with_domain["AcmCertificateArn"] == {"Ref": "SiteCertificateArn"}
    assert without == {"CloudFrontDefaultCertificate": True}
    outputs = raw["Outputs"]
    assert outputs["PagesBucketName"]["Value"] == {"Ref": "PagesBucket"}
    assert outputs["SiteUrl"]["Value"]["Fn::If"][0] == "HasSiteDomain"
