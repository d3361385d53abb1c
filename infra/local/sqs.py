"""SQS on 127.0.0.1, served by moto in-process, and the queue pair the stack uses.

This is what moto.server.ThreadedMotoServer does, on the stack's one server lifecycle
(infra.local._http.BackgroundServer), with three changes: connections close after
each answer (HTTP/1.0) and request threads are joined on stop, so a pooled boto3 connection
cannot keep a server thread alive after stop(); request lines go to debug logging
instead of stderr; and GetQueueAttributes answers RedriveAllowPolicy, which moto keeps but
leaves out.

The queue pair gets the template's attributes: visibility timeout, redrive policy, retention
periods and the dead-letter queue's redrive allow policy.

moto keeps its state in process-wide backends: everything created through this endpoint is
also what `moto.mock_aws` sees in the same process, and it is gone when the process exits.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from infra.local._http import BackgroundServer, Served

if TYPE_CHECKING:
    from werkzeug.serving import BaseWSGIServer

    from infra.local.template import Queue

logger = logging.getLogger(__name__)

# moto accepts any credentials; fixed dummies keep a developer's real ones out of every call.
DUMMY_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}


class QueueUrls(NamedTuple):
    queue_url: str
    dlq_url: str


class LocalSqs(Served):
    def __init__(self, port: int = 0) -> None:
        self._serving = BackgroundServer("LocalSqs", _make_server, port)

    @property
    def endpoint_url(self) -> str:
        return self._serving.url


def _make_server(
    address: tuple[str, int], wrap: Callable[[Any], Any] | None = None
) -> BaseWSGIServer:
    """moto's server for every service it speaks; `wrap` puts a WSGI middleware in front of
    it (the S3 stand-in's policy gate)."""
    # moto and werkzeug are heavy imports: only when a server is wanted.
    from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import ThreadedWSGIServer

    class Handler(MotoRequestHandler):
        protocol_version = "HTTP/1.0"
        timeout = 5  # a silent client must not hold stop()

        def log(self, type: str, message: str, *args: Any) -> None:
            logger.debug("moto %s: %s", type, message % args)

    class Server(ThreadedWSGIServer):
        daemon_threads = False
        block_on_close = True

    _answer_redrive_allow_policy()
    app = DomainDispatcherApplication(create_backend_app)
    if wrap is not None:
        app = wrap(app)
    host, port = address
    return Server(host, port, app, handler=Handler)


def _answer_redrive_allow_policy() -> None:
    """GetQueueAttributes answers a queue's RedriveAllowPolicy, as SQS does.

    moto 5.2 keeps every attribute SetQueueAttributes is given (RedriveAllowPolicy included,
    as `redrive_allow_policy`) but answers only the names in Queue.BASE_ATTRIBUTES; a queue
    without one has None there, which GetQueueAttributes leaves out. It does not enforce the
    policy. moto's backends are process-wide, so this holds for `mock_aws` in this process too.
    """
    from moto.sqs.models import Queue

    if "RedriveAllowPolicy" in Queue.BASE_ATTRIBUTES:
        return
    Queue.redrive_allow_policy = None  # type: ignore[attr-defined]
    Queue.BASE_ATTRIBUTES = [*Queue.BASE_ATTRIBUTES, "RedriveAllowPolicy"]


def sqs_client(endpoint_url: str, region: str = "us-east-1") -> Any:
    """A boto3 SQS client for the local endpoint, never using the environment's credentials."""
    import boto3

    return boto3.client("sqs", endpoint_url=endpoint_url, region_name=region, **DUMMY_CREDENTIALS)


def use_local_credentials(region: str) -> None:
    """boto3's default session signs with the dummy keys, in this process.

    The layer's SQS clients are made from QueueSettings (queue, region, endpoint), which carry
    no credentials: botocore looks for them in os.environ, then ~/.aws. The in-process
    functions read their settings from the stack's environment, not os.environ, so their
    clients get the dummies here instead, and a developer's real keys are never used.
    """
    import boto3

    boto3.setup_default_session(region_name=region, **DUMMY_CREDENTIALS)


def ensure_queue_pair(
    endpoint_url: str,
    *,
    queue_name: str,
    dlq_name: str,
    visibility_timeout: int,
    max_receive_count: int,
    region: str = "us-east-1",
    template_queue: Queue | None = None,
) -> QueueUrls:
    """Creates (or updates) the dead-letter queue and the main queue redriving into it.

    The other attributes the template gives the pair (retention periods, the dead-letter
    queue's RedriveAllowPolicy) come from template_queue; without one, from the template's
    queue named queue_name (local queues are named by logical id) when it redrives into
    dlq_name. Source queues of a RedriveAllowPolicy are named by logical id too.
    """
    queue = template_queue or _template_queue(queue_name, dlq_name)
    sqs = sqs_client(endpoint_url, region)
    # CreateQueue fails when an existing queue has other attributes; set them separately
    # so a changed template setting is applied to a queue that already exists.
    dlq_url: str = sqs.create_queue(QueueName=dlq_name)["QueueUrl"]
    queue_url: str = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    dlq_arn = _arn_of(sqs, dlq_url)
    dlq_attributes: dict[str, str] = {}
    attributes = {
        "VisibilityTimeout": str(visibility_timeout),
        "RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)}
        ),
    }
    if queue is not None:
        if queue.retention_seconds is not None:
            attributes["MessageRetentionPeriod"] = str(queue.retention_seconds)
        if queue.dead_letter_retention_seconds is not None:
            dlq_attributes["MessageRetentionPeriod"] = str(queue.dead_letter_retention_seconds)
        allow = queue.dead_letter_redrive_allow
        if allow is not None:
            policy: dict[str, Any] = {"redrivePermission": allow.permission}
            if allow.source_queues:
                account_prefix = dlq_arn.rsplit(":", 1)[0]
                policy["sourceQueueArns"] = [
                    f"{account_prefix}:{source}" for source in allow.source_queues
                ]
            dlq_attributes["RedriveAllowPolicy"] = json.dumps(policy)
    # The dead-letter queue first: SQS checks a redrive policy against its allow policy.
    if dlq_attributes:
        sqs.set_queue_attributes(QueueUrl=dlq_url, Attributes=dlq_attributes)
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes=attributes)
    return QueueUrls(queue_url=queue_url, dlq_url=dlq_url)


def _arn_of(sqs: Any, queue_url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])


def _template_queue(queue_name: str, dlq_name: str) -> Queue | None:
    from infra.local.template import load_stack
    from infra.paths import TEMPLATE

    for queue in load_stack(TEMPLATE).queues:
        if queue.logical_id == queue_name and queue.dead_letter == dlq_name:
            return queue
    return None
