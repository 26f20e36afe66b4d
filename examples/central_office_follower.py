"""The central office's follower of one office: case statuses and audit alarms, durably.

Two durable JetStream pull consumers, each appending to the same JSON-lines file:

- case statuses: `monitoring.case.status_changed` (contract `contracts/monitoring/v1.py`, envelope
  version 1) from the stream `monitoring`, subject `esa.monitoring.case.status_changed`
  (durable `<durable>`);
- the audit trail (contract `contracts/audit/v1.py`) from the stream `audit` (durable
  `<durable>-audit`): every **alarm** (`esa.audit.<service>.alarm`: a service's history does not
  match what was signed or witnessed; printed loudly on standard error too), every witness's
  **cosigned head** (`esa.audit.<service>.cosigned.<witness>`: the central office's own copy of
  what was witnessed, a trust anchor for its auditors), every **accepted loss**
  (`esa.audit.<service>.loss`: history declared lost after a restore; printed loudly too).

Stop it (Ctrl-C, SIGTERM, or a crash) and start it again: it resumes where it stopped, with no
gap and no duplicate.

- No gap: the server keeps each consumer's position (durable); a message is acknowledged only
  after its line is written and flushed to disk, so an unacknowledged one comes again.
- No duplicate: each line carries its stream and the message's stream sequence; one that arrives
  again after a crash between writing and acknowledging is recognised (sequence not above the
  file's last of that stream) and only acknowledged.
- In order: one message in flight per consumer (`max_ack_pending=1`).

    python examples/central_office_follower.py --nats nats://office-host:4222 \\
        --durable central-office --out central-office.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import nats
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from contracts.audit.v1 import IntegrityAlarm, LossAccepted
from contracts.envelope import Envelope
from contracts.monitoring.v1 import CaseStatusChanged

STREAM = "monitoring"
SUBJECT = "esa.monitoring.case.status_changed"
AUDIT_STREAM = "audit"
AUDIT_SUBJECTS = ["esa.audit.*.alarm", "esa.audit.*.cosigned.*", "esa.audit.*.loss"]


def last_written(out: Path) -> dict[str, int]:
    """Each stream's sequence of its last complete line; a torn last line (a crash mid-write) is
    cut. Lines without a stream are statuses (files written before alarms were followed)."""
    if not out.exists():
        return {}
    lines = out.read_bytes().splitlines(keepends=True)
    if lines and not lines[-1].endswith(b"\n"):
        lines.pop()
        out.write_bytes(b"".join(lines))
    positions: dict[str, int] = {}
    for line in lines:
        item = json.loads(line)
        positions[item.get("stream", STREAM)] = item["stream_sequence"]
    return positions


def status_line(message: Any) -> dict[str, Any]:
    envelope = Envelope[CaseStatusChanged].model_validate_json(message.data)
    status = envelope.data.status
    return {
        "id": envelope.id, "case_id": str(envelope.data.case_id), "source": envelope.data.source,
        "event_type": envelope.data.event_type,
        "step": status.step if status else None,
        "step_th": status.step_th if status else None,
        "holder": status.holder if status else None,
        "due": status.due.isoformat() if status and status.due else None,
        "closed": status.closed if status else None,
    }


def audit_line(message: Any) -> dict[str, Any]:
    subject = message.subject
    service = subject.split(".")[2]
    if subject.endswith(".alarm"):
        alarm = IntegrityAlarm.model_validate_json(message.data)
        at = alarm.raised_at or alarm.since
        print(f"!!! AUDIT ALARM: {alarm.service}: {alarm.finding}, raised by {alarm.raised_by}"
              f"{' at ' + at.isoformat() if at else ''}: {alarm.detail}", file=sys.stderr,
              flush=True)
        return {"kind": "alarm", "service": alarm.service, "raised_by": alarm.raised_by,
                "finding": alarm.finding, "detail": alarm.detail,
                "at": at.isoformat() if at else None, "alarm": alarm.model_dump(mode="json")}
    if subject.endswith(".loss"):
        loss = LossAccepted.model_validate_json(message.data)
        print(f"!!! AUDIT LOSS ACCEPTED: {loss.service}: events {loss.restored['tree_size'] + 1}"
              f"-{loss.lost['tree_size']} declared lost by {loss.accepted_by} at "
              f"{loss.accepted_at.isoformat()}: {loss.reason}", file=sys.stderr, flush=True)
        return {"kind": "loss", "service": loss.service, "accepted_by": loss.accepted_by,
                "reason": loss.reason, "restored_size": loss.restored["tree_size"],
                "lost_size": loss.lost["tree_size"], "loss": loss.model_dump(mode="json")}
    cosignature = json.loads(message.data)
    head = cosignature["head"]
    return {"kind": "cosignature", "service": service, "witness": cosignature["witness"],
            "tree_size": head["tree_size"], "root_hash": head["root_hash"],
            "cosigned_at": cosignature["cosigned_at"], "cosignature": cosignature}


async def drain_into(subscription: Any, stream: str, read: Callable[[Any], dict[str, Any]],
                     sink: TextIO, positions: dict[str, int], stop: asyncio.Event) -> int:
    written = 0
    while not stop.is_set():
        try:
            messages = await subscription.fetch(1, timeout=0.5)
        except NatsTimeout:
            continue
        for message in messages:
            sequence = message.metadata.sequence.stream
            if sequence > positions.get(stream, 0):
                line = {"stream": stream, "stream_sequence": sequence, **read(message)}
                # One event loop: this write, flush and fsync are never interleaved with the
                # other consumer's.
                sink.write(json.dumps(line, ensure_ascii=False) + "\n")
                sink.flush()
                os.fsync(sink.fileno())
                positions[stream] = sequence
                written += 1
            await message.ack_sync()  # only now may the server forget it
    return written


async def follow(nats_url: str, durable: str, out: Path, stop: asyncio.Event) -> int:
    client = await nats.connect(nats_url, name=durable, max_reconnect_attempts=-1)
    js = client.jetstream()
    in_order = {"ack_policy": AckPolicy.EXPLICIT, "deliver_policy": DeliverPolicy.ALL,
                "max_ack_pending": 1, "ack_wait": 5}
    statuses = await js.pull_subscribe(SUBJECT, durable=durable, stream=STREAM,
                                       config=ConsumerConfig(**in_order))
    # Several subjects of one stream: the consumer is declared (idempotently), then bound.
    await js.add_consumer(AUDIT_STREAM, ConsumerConfig(
        durable_name=f"{durable}-audit", filter_subjects=AUDIT_SUBJECTS, **in_order))
    audit = await js.pull_subscribe_bind(durable=f"{durable}-audit", stream=AUDIT_STREAM)
    positions = last_written(out)
    with out.open("a", encoding="utf-8") as sink:
        counts = await asyncio.gather(
            drain_into(statuses, STREAM, status_line, sink, positions, stop),
            drain_into(audit, AUDIT_STREAM, audit_line, sink, positions, stop))
    # close, not drain: draining a pull subscription can wait forever; everything written is
    # acknowledged already, and the durable consumers stay on the server.
    await client.close()
    return sum(counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nats", default=os.environ.get("ESA_NATS_URL", "nats://127.0.0.1:4222"))
    parser.add_argument("--durable", default="central-office")
    parser.add_argument("--out", type=Path, default=Path("central-office.jsonl"))
    args = parser.parse_args()

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        written = await follow(args.nats, args.durable, args.out, stop)
        print(f"stopped after writing {written} lines to {args.out}", flush=True)

    asyncio.run(run())


if __name__ == "__main__":
    main()
