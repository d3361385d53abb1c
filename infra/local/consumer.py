"""The SQS event source mapping, locally: poll the queue, invoke the consumer, delete.

Like Lambda's mapping with ReportBatchItemFailures: a batch whose invocation raised is left
alone (every message becomes visible again after the visibility timeout); otherwise every
message except those listed in batchItemFailures is deleted. Receive counts, and so the
redrive to the dead-letter queue, are the SQS endpoint's own.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from agenda.observability import logger
from infra.local.lambdas import Lambdas
from infra.local.template import Queue


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": message.get("MessageAttributes", {}),
                "md5OfBody": message.get("MD5OfBody")
                or hashlib.md5(message["Body"].encode(), usedforsecurity=False).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for message in messages
        ]
    }


# More pollers than a laptop's cores only cost CPU (each is a thread and a container).
LOCAL_POLLERS = 4


class QueueConsumer:
    def __init__(
        self,
        sqs: Any,
        queue: Queue,
        queue_url: str,
        lambdas: Lambdas,
        *,
        region: str = "us-east-1",
        wait_seconds: int = 1,
    ) -> None:
        self._sqs = sqs
        self._queue = queue
        self._queue_url = queue_url
        self._lambdas = lambdas
        self._region = region
        self._wait_seconds = wait_seconds
        self._queue_arn = f"arn:aws:sqs:{region}:000000000000:{queue_url.rsplit('/', 1)[-1]}"
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        # As many pollers as the mapping's MaximumConcurrency, up to LOCAL_POLLERS: each
        # invocation gets its own container from the pool, as on Lambda. The template sizes
        # the concurrency for a production burst (docs/benchmarks.md); one laptop needs few.
        for n in range(max(1, min(self._queue.max_concurrency, LOCAL_POLLERS))):
            thread = threading.Thread(target=self._run, name=f"sqs-consumer-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self._wait_seconds + 35)
        self._threads.clear()

    def poll_once(self) -> int:
        """Receive one batch and run it; return how many messages were received."""
        assert self._queue.consumer is not None
        answer = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=min(10, self._queue.batch_size),
            WaitTimeSeconds=self._wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = answer.get("Messages", [])
        if not messages:
            return 0
        try:
            result = self._lambdas.invoke(
                self._queue.consumer, sqs_event(messages, self._queue_arn, self._region)
            )
        except Exception as exc:
            logger.warning("consumer invocation failed", extra={"error_type": type(exc).__name__})
            return len(messages)
        failed = {item["itemIdentifier"] for item in (result or {}).get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            self._sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(done[start : start + 10])
                ],
            )
        return len(messages)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception as exc:
                logger.warning("queue poll failed", extra={"error_type": type(exc).__name__})
                self._stop.wait(1)


def main(argv: list[str]) -> int:
    """Run the queue consumer alone, against a running local stack:
    python -m infra.local.consumer --env-file .local/env.json"""
    import argparse
    import signal
    from pathlib import Path

    from infra.local.defaults import ENV_FILE, read_env_file
    from infra.local.sqs import sqs_client, use_local_credentials
    from infra.local.template import load_stack
    from infra.paths import TEMPLATE

    parser = argparse.ArgumentParser(
        prog="python -m infra.local.consumer", description="Run the notifications consumer alone"
    )
    parser.add_argument(
        "--env-file",
        type=Path,
        default=ENV_FILE,
        help="the environment make dev writes (default: .local/env.json)",
    )
    args = parser.parse_args(argv)
    environment = read_env_file(args.env_file)
    if not environment:
        parser.error(f"{args.env_file} does not exist: start make dev first")
    use_local_credentials(environment.get("AWS_REGION", "us-east-1"))
    stack = load_stack(TEMPLATE)
    queue = stack.queues[0]
    assert queue.consumer is not None
    lambdas = Lambdas({queue.consumer: stack.functions[queue.consumer]}, environment)
    consumer = QueueConsumer(
        sqs_client(environment["SQS_ENDPOINT_URL"]),
        queue,
        environment["NOTIFICATIONS_QUEUE_URL"],
        lambdas,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    consumer.start()
    stop.wait()
    consumer.stop()
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
