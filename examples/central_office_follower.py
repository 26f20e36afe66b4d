"""The central office's follower of one office's case statuses: a durable JetStream consumer.

Reads `monitoring.case.status_changed` (contract `contracts/monitoring/v1.py`, envelope version 1)
from the office's stream `monitoring`, subject `esa.monitoring.case.status_changed`, through a
durable pull consumer, and appends each status to a JSON-lines file. Stop it (Ctrl-C, SIGTERM, or a
crash) and start it again: it resumes where it stopped, with no gap and no duplicate.

- No gap: the server keeps the consumer's position (durable); a message is acknowledged only
  after its line is written and flushed to disk, so an unacknowledged one comes again.
- No duplicate: each line carries the message's stream sequence; one that arrives again after a
  crash between writing and acknowledging is recognised (sequence not above the file's last) and
  only acknowledged.
- In order: one message in flight (`max_ack_pending=1`), so a redelivery is never overtaken.

    python examples/central_office_follower.py --nats nats://office-host:4222 \\
        --durable central-office --out statuses.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
from pathlib import Path

import nats
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from contracts.envelope import Envelope
from contracts.monitoring.v1 import CaseStatusChanged

STREAM = "monitoring"
SUBJECT = "esa.monitoring.case.status_changed"


def last_written(out: Path) -> int:
    """The stream sequence of the last complete line; a torn last line (a crash mid-write) is cut."""
    if not out.exists():
        return 0
    lines = out.read_bytes().splitlines(keepends=True)
    while lines and not lines[-1].endswith(b"\n"):
        lines.pop()
        out.write_bytes(b"".join(lines))
    return json.loads(lines[-1])["stream_sequence"] if lines else 0


async def follow(nats_url: str, durable: str, out: Path, stop: asyncio.Event) -> int:
    client = await nats.connect(nats_url, name=durable, max_reconnect_attempts=-1)
    js = client.jetstream()
    subscription = await js.pull_subscribe(
        SUBJECT, durable=durable, stream=STREAM,
        config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL,
                              max_ack_pending=1, ack_wait=5),
    )
    position = last_written(out)
    written = 0
    with out.open("a", encoding="utf-8") as sink:
        while not stop.is_set():
            try:
                messages = await subscription.fetch(1, timeout=0.5)
            except NatsTimeout:
                continue
            for message in messages:
                sequence = message.metadata.sequence.stream
                if sequence > position:
                    envelope = Envelope[CaseStatusChanged].model_validate_json(message.data)
                    status = envelope.data.status
                    line = {
                        "stream_sequence": sequence, "id": envelope.id,
                        "case_id": str(envelope.data.case_id), "source": envelope.data.source,
                        "event_type": envelope.data.event_type,
                        "step": status.step if status else None,
                        "step_th": status.step_th if status else None,
                        "holder": status.holder if status else None,
                        "due": status.due.isoformat() if status and status.due else None,
                        "closed": status.closed if status else None,
                    }
                    sink.write(json.dumps(line, ensure_ascii=False) + "\n")
                    sink.flush()
                    os.fsync(sink.fileno())
                    position = sequence
                    written += 1
                await message.ack_sync()  # only now may the server forget it
    # close, not drain: draining a pull subscription can wait forever; everything written is
    # acknowledged already, and the durable consumer stays on the server.
    await client.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nats", default=os.environ.get("ESA_NATS_URL", "nats://127.0.0.1:4222"))
    parser.add_argument("--durable", default="central-office")
    parser.add_argument("--out", type=Path, default=Path("central-office-statuses.jsonl"))
    args = parser.parse_args()

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        written = await follow(args.nats, args.durable, args.out, stop)
        print(f"stopped after writing {written} statuses to {args.out}", flush=True)

    asyncio.run(run())


if __name__ == "__main__":
    main()
