"""The parts of template.yaml the local stack runs: routes, functions, the queue, schedules, the
HTTP API's CORS configuration.

The template is read with a YAML loader that understands CloudFormation's short tags (`!Ref`,
`!GetAtt`, `!Sub`, ...), turning them into the long form (`{"Ref": ...}`, `{"Fn::GetAtt": ...}`),
the same shape SAM and CloudFormation see. Values stay unresolved: the local stack supplies its
own environment; only numbers written as `!Ref Parameter` fall back to the parameter's default.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml

# Lambda's own defaults, for a function that sets neither the property nor a global.
DEFAULT_TIMEOUT_SECONDS = 3
DEFAULT_MEMORY_MB = 128
DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 30
DEFAULT_SQS_BATCH_SIZE = 10

_FN_TAGS = (
    "Base64",
    "Cidr",
    "FindInMap",
    "GetAZs",
    "ImportValue",
    "Join",
    "Select",
    "Split",
    "Sub",
    "Transform",
    "If",
    "Equals",
    "Not",
    "And",
    "Or",
)


class _CloudFormationLoader(yaml.SafeLoader):
    """A safe loader that also reads CloudFormation's short-form intrinsic functions."""


def _plain(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    raise yaml.constructor.ConstructorError(
        None, None, f"unexpected node {node!r}", node.start_mark
    )


def _ref(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    return {"Ref": _plain(loader, node)}


def _condition(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    return {"Condition": _plain(loader, node)}


def _get_att(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    value = _plain(loader, node)
    if isinstance(value, str):
        resource, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [resource, attribute]}
    return {"Fn::GetAtt": value}


def _function(name: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        return {f"Fn::{name}": _plain(loader, node)}

    return construct


_CloudFormationLoader.add_constructor("!Ref", _ref)
_CloudFormationLoader.add_constructor("!Condition", _condition)
_CloudFormationLoader.add_constructor("!GetAtt", _get_att)
for _name in _FN_TAGS:
    _CloudFormationLoader.add_constructor(f"!{_name}", _function(_name))


def load_template(path: Path) -> dict[str, Any]:
    """The template as plain data, intrinsic functions in their long form."""
    loader = _CloudFormationLoader(path.read_text(encoding="utf-8"))
    try:
        document = loader.get_single_data()
    finally:
        loader.dispose()
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise ValueError(f"{path} is not a CloudFormation template with Resources")
    return document


@dataclass(frozen=True, slots=True)
class Route:
    method: str  # GET, POST, ... or ANY
    path: str  # "/api/professionals/{slug}"
    function: str  # logical id of the function
    authorized: bool  # the JWT authorizer guards it
    route_key: str  # "GET /api/professionals/{slug}", as in the payload's routeKey


@dataclass(frozen=True, slots=True)
class Function:
    logical_id: str
    code_uri: Path  # absolute
    handler: str  # "app.lambda_handler"
    environment: dict[str, object]  # Globals merged with the function's own, unresolved
    timeout: int  # seconds
    memory: int  # MB


@dataclass(frozen=True, slots=True)
class RedriveAllow:
    """A dead-letter queue's RedriveAllowPolicy, its source queues named by logical id."""

    permission: str  # allowAll, denyAll or byQueue
    source_queues: tuple[str, ...] = ()  # with byQueue


@dataclass(frozen=True, slots=True)
class Queue:
    logical_id: str
    visibility_timeout: int  # seconds
    max_receive_count: int
    dead_letter: str  # logical id of the dead-letter queue
    consumer: str | None  # logical id of the function its SQS event feeds
    batch_size: int
    batching_window: int = 0  # MaximumBatchingWindowInSeconds of the consumer's event
    max_concurrency: int = 1  # ScalingConfig.MaximumConcurrency: concurrent consumer invocations
    retention_seconds: int | None = None  # MessageRetentionPeriod, None for SQS's default
    dead_letter_retention_seconds: int | None = None
    dead_letter_redrive_allow: RedriveAllow | None = None


@dataclass(frozen=True, slots=True)
class Schedule:
    name: str  # the event's name in the template, e.g. "Reminders24h"
    function: str
    expression: str  # "cron(0 8 * * ? *)" or "rate(15 minutes)"
    timezone: str | None
    input: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Cors:
    """An HTTP API's CorsConfiguration, its values resolved."""

    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False


@dataclass(frozen=True, slots=True)
class Stack:
    routes: list[Route]
    functions: dict[str, Function]
    queues: list[Queue]
    schedules: list[Schedule]


def load_stack(path: Path) -> Stack:
    template = load_template(path)
    resources: dict[str, Any] = template["Resources"]
    parameters: dict[str, Any] = template.get("Parameters") or {}
    globals_ = template.get("Globals") or {}
    function_globals: dict[str, Any] = globals_.get("Function") or {}
    api_globals: dict[str, Any] = globals_.get("HttpApi") or {}

    functions: dict[str, Function] = {}
    routes: list[Route] = []
    schedules: list[Schedule] = []
    for logical_id, properties in _resources_of(resources, "AWS::Serverless::Function"):
        functions[logical_id] = _function_of(
            logical_id, properties, function_globals, parameters, path.parent.resolve()
        )
        for event_name, event_type, event in _events_of(properties):
            if event_type == "HttpApi":
                routes.append(_route_of(logical_id, event, resources, api_globals))
            elif event_type in ("ScheduleV2", "Schedule"):
                schedules.append(_schedule_of(event_name, logical_id, event))

    names = [schedule.name for schedule in schedules]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"schedule event names must be unique across functions: {duplicates}")
    keys = [route.route_key for route in routes]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ValueError(f"routes declared more than once: {duplicates}")

    return Stack(
        routes=routes,
        functions=functions,
        queues=_queues_of(resources, parameters),
        schedules=schedules,
    )


def match_route(
    routes: Iterable[Route], method: str, path: str
) -> tuple[Route, dict[str, str]] | None:
    """The route API Gateway would pick for this request, and its path parameters.

    The most specific route wins: literal segments over `{param}` over a greedy `{proxy+}`,
    compared from the left, and an exact method over ANY.
    """
    method = method.upper()
    best: tuple[tuple[int, ...], Route, dict[str, str]] | None = None
    for route in routes:
        if route.method not in (method, "ANY"):
            continue
        matched = _match_path(route.path, path)
        if matched is None:
            continue
        specificity, params = matched
        rank = (*specificity, 1 if route.method == method else 0)
        if best is None or rank > best[0]:
            best = (rank, route, params)
    return None if best is None else (best[1], best[2])


# What `!Ref AWS::NoValue` resolves to: the item is left out.
_NO_VALUE = object()


def load_cors(path: Path, parameter_values: Mapping[str, str]) -> Cors | None:
    """The CorsConfiguration of the template's HTTP API (or of Globals.HttpApi), if any.

    `!Ref Parameter` values come from parameter_values, else from the parameter's default.
    SAM's `CorsConfiguration: true` allows every origin, method and header.
    """
    template = load_template(path)
    config: Any = ((template.get("Globals") or {}).get("HttpApi") or {}).get("CorsConfiguration")
    apis = list(_resources_of(template["Resources"], "AWS::Serverless::HttpApi"))
    if len(apis) > 1:
        raise ValueError("the local gateway serves one HttpApi; the template declares several")
    for _, properties in apis:
        config = properties.get("CorsConfiguration", config)
    if config is None or config is False:
        return None
    if config is True:
        return Cors(allow_origins=("*",), allow_methods=("*",), allow_headers=("*",))
    parameters: dict[str, Any] = template.get("Parameters") or {}
    conditions: dict[str, Any] = template.get("Conditions") or {}

    def parameter(name: str) -> Any:
        if name in parameter_values:
            return parameter_values[name]
        if "Default" not in (parameters.get(name) or {}):
            raise ValueError(f"CorsConfiguration: give {name} a value to run locally with")
        return parameters[name]["Default"]

    def holds(condition: Any) -> bool:
        # The condition functions the CORS origins' defaults use (Not, Equals, a condition).
        if isinstance(condition, dict) and set(condition) == {"Condition"}:
            return holds(conditions[condition["Condition"]])
        if isinstance(condition, dict) and set(condition) == {"Fn::Not"}:
            return not holds(condition["Fn::Not"][0])
        if isinstance(condition, dict) and set(condition) == {"Fn::Equals"}:
            left, right = (resolved(side) for side in condition["Fn::Equals"])
            return bool(left == right)
        raise ValueError(
            f"CorsConfiguration: a condition the local gateway cannot read: {condition}"
        )

    def resolved(value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {"Ref"}:
            return _NO_VALUE if value["Ref"] == "AWS::NoValue" else parameter(value["Ref"])
        if isinstance(value, dict) and set(value) == {"Fn::If"}:
            name, when_true, when_false = value["Fn::If"]
            return resolved(when_true if holds(conditions[name]) else when_false)
        if (
            isinstance(value, dict)
            and set(value) == {"Fn::Sub"}
            and isinstance(value["Fn::Sub"], str)
        ):
            return re.sub(
                r"\$\{([A-Za-z0-9]+)\}", lambda m: str(parameter(m.group(1))), value["Fn::Sub"]
            )
        return value

    def strings(name: str) -> tuple[str, ...]:
        value = resolved(config.get(name))
        values = value if isinstance(value, list) else [] if value is None else [value]
        items = (resolved(item) for item in values)
        return tuple(str(item) for item in items if item is not _NO_VALUE)

    max_age = config.get("MaxAge")
    return Cors(
        allow_origins=strings("AllowOrigins"),
        allow_methods=strings("AllowMethods"),
        allow_headers=strings("AllowHeaders"),
        expose_headers=strings("ExposeHeaders"),
        max_age=None if max_age is None else _integer(max_age, parameters, "CorsConfiguration"),
        allow_credentials=str(resolved(config.get("AllowCredentials", False))).lower() == "true",
    )


# -- internals ---------------------------------------------------------------------------

_LITERAL, _PARAM, _GREEDY = 3, 2, 1
_PARAM_SEGMENT = re.compile(r"^\{([A-Za-z0-9_.-]+)(\+?)\}$")


def _match_path(pattern: str, path: str) -> tuple[tuple[int, ...], dict[str, str]] | None:
    wanted = pattern.split("/")
    given = path.split("/")
    params: dict[str, str] = {}
    specificity: list[int] = []
    for index, segment in enumerate(wanted):
        variable = _PARAM_SEGMENT.match(segment)
        if variable is not None and variable.group(2) == "+":
            if index != len(wanted) - 1:
                raise ValueError(f"a greedy path variable must end the path: {pattern}")
            rest = given[index:]
            if not rest or rest == [""]:
                return None
            params[variable.group(1)] = unquote("/".join(rest))
            specificity.append(_GREEDY)
            return tuple(specificity), params
        if index >= len(given):
            return None
        if variable is not None:
            if given[index] == "":
                return None
            params[variable.group(1)] = unquote(given[index])
            specificity.append(_PARAM)
        elif segment == given[index]:
            specificity.append(_LITERAL)
        else:
            return None
    if len(given) != len(wanted):
        return None
    return tuple(specificity), params


def _resources_of(resources: Mapping[str, Any], kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in resources.items():
        if isinstance(resource, dict) and resource.get("Type") == kind:
            yield logical_id, resource.get("Properties") or {}


def _events_of(properties: Mapping[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for name, event in (properties.get("Events") or {}).items():
        yield name, str(event.get("Type")), event.get("Properties") or {}


def _function_of(
    logical_id: str,
    properties: Mapping[str, Any],
    function_globals: Mapping[str, Any],
    parameters: Mapping[str, Any],
    root: Path,
) -> Function:
    def setting(name: str, default: Any = None) -> Any:
        return properties.get(name, function_globals.get(name, default))

    code_uri = setting("CodeUri")
    handler = setting("Handler")
    if not isinstance(code_uri, str) or not isinstance(handler, str):
        raise ValueError(f"{logical_id}: CodeUri and Handler must be plain strings")
    environment: dict[str, object] = {}
    for source in (function_globals, properties):
        variables = (source.get("Environment") or {}).get("Variables") or {}
        environment.update(variables)
    return Function(
        logical_id=logical_id,
        code_uri=(root / code_uri).resolve(),
        handler=handler,
        environment=environment,
        timeout=_integer(setting("Timeout", DEFAULT_TIMEOUT_SECONDS), parameters, logical_id),
        memory=_integer(setting("MemorySize", DEFAULT_MEMORY_MB), parameters, logical_id),
    )


def _route_of(
    function: str,
    event: Mapping[str, Any],
    resources: Mapping[str, Any],
    api_globals: Mapping[str, Any],
) -> Route:
    method = str(event.get("Method", "ANY")).upper()
    if method == "X-AMAZON-APIGATEWAY-ANY-METHOD":
        method = "ANY"
    path = str(event.get("Path", "$default"))
    api_auth: Mapping[str, Any] = api_globals.get("Auth") or {}
    api_id = event.get("ApiId")
    if isinstance(api_id, dict) and "Ref" in api_id:
        api = resources.get(api_id["Ref"]) or {}
        api_auth = (api.get("Properties") or {}).get("Auth") or api_auth
    authorizer = (event.get("Auth") or {}).get("Authorizer", api_auth.get("DefaultAuthorizer"))
    return Route(
        method=method,
        path=path,
        function=function,
        authorized=authorizer is not None and authorizer != "NONE",
        route_key=f"{method} {path}",
    )


def _schedule_of(name: str, function: str, event: Mapping[str, Any]) -> Schedule:
    raw_input = event.get("Input")
    parsed: Any = json.loads(raw_input) if isinstance(raw_input, str) else raw_input
    if parsed is not None and not isinstance(parsed, dict):
        raise ValueError(f"{function}.{name}: Input must be a JSON object")
    timezone = event.get("ScheduleExpressionTimezone")
    return Schedule(
        name=name,
        function=function,
        expression=str(event["ScheduleExpression"]),
        timezone=str(timezone) if timezone is not None else None,
        input=parsed,
    )


def _queues_of(resources: Mapping[str, Any], parameters: Mapping[str, Any]) -> list[Queue]:
    consumers: dict[str, tuple[str, dict[str, Any]]] = {}
    for function, properties in _resources_of(resources, "AWS::Serverless::Function"):
        for _, event_type, event in _events_of(properties):
            if event_type == "SQS":
                queue = _logical_id_of_arn(event.get("Queue"))
                if queue is not None:
                    consumers[queue] = (function, event)
    queues: list[Queue] = []
    for logical_id, properties in _resources_of(resources, "AWS::SQS::Queue"):
        redrive = properties.get("RedrivePolicy")
        if not redrive:
            continue  # a dead-letter queue, or a queue outside the notifications flow
        if isinstance(redrive, str):
            redrive = json.loads(redrive)
        dead_letter = _logical_id_of_arn(redrive.get("deadLetterTargetArn"))
        if dead_letter is None:
            raise ValueError(f"{logical_id}: deadLetterTargetArn must be !GetAtt <Queue>.Arn")
        consumer, event = consumers.get(logical_id, (None, {}))
        dead_letter_properties = (resources.get(dead_letter) or {}).get("Properties") or {}
        queues.append(
            Queue(
                logical_id=logical_id,
                visibility_timeout=_integer(
                    properties.get("VisibilityTimeout", DEFAULT_VISIBILITY_TIMEOUT_SECONDS),
                    parameters,
                    logical_id,
                ),
                max_receive_count=_integer(redrive.get("maxReceiveCount"), parameters, logical_id),
                dead_letter=dead_letter,
                consumer=consumer,
                batch_size=_integer(
                    event.get("BatchSize", DEFAULT_SQS_BATCH_SIZE), parameters, logical_id
                ),
                batching_window=_integer(
                    event.get("MaximumBatchingWindowInSeconds", 0), parameters, logical_id
                ),
                max_concurrency=_integer(
                    (event.get("ScalingConfig") or {}).get("MaximumConcurrency", 1),
                    parameters,
                    logical_id,
                ),
                retention_seconds=_retention_of(properties, parameters, logical_id),
                dead_letter_retention_seconds=_retention_of(
                    dead_letter_properties, parameters, dead_letter
                ),
                dead_letter_redrive_allow=_redrive_allow_of(
                    dead_letter, dead_letter_properties, resources
                ),
            )
        )
    return queues


def _retention_of(
    properties: Mapping[str, Any], parameters: Mapping[str, Any], where: str
) -> int | None:
    value = properties.get("MessageRetentionPeriod")
    return None if value is None else _integer(value, parameters, where)


def _redrive_allow_of(
    logical_id: str, properties: Mapping[str, Any], resources: Mapping[str, Any]
) -> RedriveAllow | None:
    policy = properties.get("RedriveAllowPolicy")
    if not policy:
        return None
    if isinstance(policy, str):
        policy = json.loads(policy)
    permission = str(policy.get("redrivePermission", "allowAll"))
    sources = tuple(
        _queue_of_arn(arn, resources, logical_id) for arn in policy.get("sourceQueueArns") or []
    )
    return RedriveAllow(permission=permission, source_queues=sources)


def _queue_of_arn(arn: Any, resources: Mapping[str, Any], where: str) -> str:
    """The queue a source ARN names: `!GetAtt Queue.Arn`, or an ARN written with `!Sub` whose
    last part is a queue's QueueName as the template writes it (a fixed name, used to avoid a
    circular reference)."""
    logical_id = _logical_id_of_arn(arn)
    if logical_id is not None:
        return logical_id
    written = arn.get("Fn::Sub") if isinstance(arn, dict) else arn
    if isinstance(written, str):
        for candidate, properties in _resources_of(resources, "AWS::SQS::Queue"):
            queue_name = properties.get("QueueName")
            if isinstance(queue_name, dict):
                queue_name = queue_name.get("Fn::Sub")
            if isinstance(queue_name, str) and written.endswith(f":{queue_name}"):
                return candidate
    raise ValueError(f"{where}: no queue of the template matches source queue ARN {arn!r}")


def _logical_id_of_arn(value: Any) -> str | None:
    """`!GetAtt Queue.Arn` (or `!Ref` to a resource) names the resource it points at."""
    if isinstance(value, dict):
        get_att = value.get("Fn::GetAtt")
        if isinstance(get_att, list) and get_att:
            return str(get_att[0])
        if "Ref" in value:
            return str(value["Ref"])
    return None


def _integer(value: Any, parameters: Mapping[str, Any], where: str) -> int:
    if isinstance(value, dict) and set(value) == {"Ref"}:
        parameter = parameters.get(value["Ref"]) or {}
        if "Default" not in parameter:
            raise ValueError(f"{where}: {value['Ref']} has no default to run locally with")
        value = parameter["Default"]
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{where}: expected a whole number, got {value!r}")
    try:
        return int(value)
    except ValueError as exc:
        raise ValueError(f"{where}: expected a whole number, got {value!r}") from exc
