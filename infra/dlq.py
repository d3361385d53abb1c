"""Inspect and redrive the notifications dead-letter queue.

    python -m infra.dlq list     [--limit 50]
    python -m infra.dlq redrive  [--limit 1000]

Against AWS it uses the usual credentials and reads the queue URLs from the environment
(NOTIFICATIONS_DLQ_URL and NOTIFICATIONS_QUEUE_URL: the stack's outputs). With neither set,
it reads the local stack's: the environment `make dev` writes to .local/env.json (another
file with `--env-file`).

`list` shows what each message is (key, template, channel, receive count, age), never the
recipient. `redrive` moves messages back to the notifications queue one batch at a time:
each is sent to the source queue before it is deleted from the dead letters, so a failure
midway leaves a message in both queues, never in neither; the consumer's delivery records
drop the duplicate. On AWS, `aws sqs start-message-move-task --source-arn <dlq arn>` does the
same server-side. A message the provider refused for good stays undeliverable: fix the data
(or mark its delivery row `failed`) before redriving it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import boto3

from infra.local.defaults import ENV_FILE, read_env_file


def sqs() -> Any:
    return boto3.client(
        "sqs",
        region_name=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
        endpoint_url=os.environ.get("SQS_ENDPOINT_URL") or None,
    )


def _summary(message: dict[str, Any]) -> dict[str, Any]:
    try:
        body = json.loads(message["Body"])
    except ValueError:
        body = {}
    sent = int(message.get("Attributes", {}).get("SentTimestamp", "0")) / 1000
    return {
        "messageKey": body.get("messageKey", "?"),
        "template": body.get("template", "?"),
        "channel": body.get("channel", "?"),
        "receives": int(message.get("Attributes", {}).get("ApproximateReceiveCount", "0")),
        "ageMinutes": round((time.time() - sent) / 60, 1) if sent else None,
    }


def list_messages(client: Any, dlq_url: str, limit: int) -> list[dict[str, Any]]:
    """Peek: receive (hiding each message so the next receive finds others), then release
    them all at once, so a redrive right after a listing finds every message."""
    seen: dict[str, dict[str, Any]] = {}
    held: list[str] = []
    try:
        while len(seen) < limit:
            batch = client.receive_message(
                QueueUrl=dlq_url,
                MaxNumberOfMessages=min(10, limit - len(seen)),
                VisibilityTimeout=30,
                AttributeNames=["All"],
            ).get("Messages", [])
            if not batch:
                break
            for message in batch:
                seen[message["MessageId"]] = _summary(message)
                held.append(message["ReceiptHandle"])
    finally:
        for start in range(0, len(held), 10):
            client.change_message_visibility_batch(
                QueueUrl=dlq_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                    for i, handle in enumerate(held[start : start + 10])
                ],
            )
    return list(seen.values())


def redrive(client: Any, dlq_url: str, queue_url: str, limit: int) -> int:
    moved = 0
    while moved < limit:
        batch = client.receive_message(
            QueueUrl=dlq_url, MaxNumberOfMessages=min(10, limit - moved), VisibilityTimeout=60
        ).get("Messages", [])
        if not batch:
            break
        sent = client.send_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "MessageBody": m["Body"]} for i, m in enumerate(batch)],
        )
        done = [batch[int(entry["Id"])] for entry in sent.get("Successful", [])]
        if done:
            client.delete_message_batch(
                QueueUrl=dlq_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )
        moved += len(done)
        if len(done) < len(batch):
            break  # the source queue refused some: stop rather than spin
    return moved


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.dlq", description="Inspect and redrive the dead-letter queue"
    )
    parser.add_argument("command", choices=["list", "redrive"])
    parser.add_argument(
        "--limit", type=int, default=None, help="at most this many (list 50, redrive 1000)"
    )
    parser.add_argument(
        "--env-file",
        type=Path,
        default=None,
        help="JSON environment (default: the queue URLs from the environment, else "
        ".local/env.json, which make dev writes)",
    )
    args = parser.parse_args(argv)
    named = ("NOTIFICATIONS_DLQ_URL", "NOTIFICATIONS_QUEUE_URL")
    env_file: Path | None = args.env_file
    if env_file is None and not all(os.environ.get(name) for name in named):
        env_file = ENV_FILE
    if env_file is not None:
        if not env_file.exists():
            parser.error(f"{env_file} does not exist: start make dev, or set {' and '.join(named)}")
        os.environ.update(read_env_file(env_file))
    dlq_url = os.environ.get("NOTIFICATIONS_DLQ_URL", "")
    queue_url = os.environ.get("NOTIFICATIONS_QUEUE_URL", "")
    if not dlq_url or not queue_url:
        parser.error(f"set {' and '.join(named)} (or --env-file)")
    client = sqs()
    if args.command == "list":
        for row in list_messages(client, dlq_url, args.limit or 50):
            print(json.dumps(row, ensure_ascii=False))
    else:
        print(f"moved {redrive(client, dlq_url, queue_url, args.limit or 1000)} message(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
