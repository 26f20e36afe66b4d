"""`python -m shared.audit` (also `esa-audit`): verify a service's audit trail, fetch what the
`audit` stream published, or run a witness.

    esa-audit verify --url http://127.0.0.1:8101 [--public-key key.pem]
    esa-audit verify --export correspondence-audit.jsonl --public-key key.pem \
        --published correspondence-published.jsonl --witness witness-1.pub
    esa-audit verify --sqlite var/correspondence.sqlite3 --public-key key.pem
    esa-audit verify --postgres "host=... dbname=esa user=..." --service correspondence --public-key key.pem
    esa-audit fetch --nats nats://office:4222 --service correspondence --out correspondence-published.jsonl
    esa-audit witness --name witness-1 --nats nats://office:4222 \
        --service correspondence=http://office:8101 --client-id witness-1 --client-secret-file s.txt
    esa-audit accept-loss planning --reason "disk failed; backup of 1 Dec restored" --by esa-1 \
        --nats nats://office:4222      # after a restore, the service stopped (shared/audit/losses.py)

`--published FILE` (repeatable) adds heads and witnesses' cosignatures kept outside the service
(`esa-audit fetch`, a witness's `/cosignatures`); `--witness KEY` (repeatable) names the witnesses
whose cosignatures are the trust anchor; `--checkpoint FILE` adds old-style checkpoints kept from
earlier. Exit status 0: verified; 1: findings (printed, naming each altered, removed or inserted
event); 2: the evidence or the key could not be read.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from shared.audit.checkpoints import Checkpoint
from shared.audit.signing import AuditKeyError, key_id, load_public_key
from shared.audit.sources import (
    Evidence,
    SourceError,
    read_checkpoint_file,
    read_export,
    read_postgres,
    read_published,
    read_sqlite,
    read_url,
)
from shared.audit.verify import verify


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="esa-audit", description="Verify a service's audit trail.")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("verify", help="recompute and check the log and its checkpoints")
    source = check.add_mutually_exclusive_group(required=True)
    source.add_argument("--url", help="a running service, e.g. http://127.0.0.1:8101")
    source.add_argument("--export", type=Path, help="a file saved from GET /audit/export")
    source.add_argument("--sqlite", type=Path, help="the service's SQLite store, read directly")
    source.add_argument("--postgres", metavar="DSN", help="the PostgreSQL store, read directly")
    check.add_argument("--service", help="the service's name (PostgreSQL: names the table)")
    check.add_argument("--public-key", action="append", default=[], metavar="KEY",
                       help="the service's public key: a PEM file, or 64 hex digits (repeatable)")
    check.add_argument("--checkpoint", action="append", default=[], type=Path, metavar="FILE",
                       help="checkpoints kept from earlier (JSON of one or a list; repeatable)")
    check.add_argument("--published", action="append", default=[], type=Path, metavar="FILE",
                       help="heads and cosignatures kept outside the service (JSON lines; "
                            "repeatable)")
    check.add_argument("--witness", action="append", default=[], metavar="KEY",
                       help="a witness's public key (PEM file or 64 hex digits; repeatable): "
                            "its cosigned heads are the trust anchor")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.add_argument("--token", default=os.environ.get("ESA_ACCESS_TOKEN"),
                       help="with --url: an access token with <service>:audit "
                            "(default: $ESA_ACCESS_TOKEN)")
    fetch = commands.add_parser("fetch", help="save the heads, cosignatures and alarms the "
                                "audit stream holds for a service (JSON lines)")
    fetch.add_argument("--nats", required=True, help="e.g. nats://127.0.0.1:4222")
    fetch.add_argument("--service", required=True)
    fetch.add_argument("--out", type=Path, help="file to write (default: standard output)")
    loss = commands.add_parser(
        "accept-loss", help="after restoring a backup: record, signed with the audit key, that "
        "the history after the restored head up to the last published head is lost (the "
        "service stopped; its ESA_* settings in the environment)")
    loss.add_argument("service")
    loss.add_argument("--reason", required=True, help="why: the incident, the copy restored")
    loss.add_argument("--by", required=True, help="the officer id of who accepts the loss")
    loss.add_argument("--nats", default=os.environ.get("ESA_NATS_URL", "nats://127.0.0.1:4222"))
    from shared.audit.witness_main import add_witness_arguments

    add_witness_arguments(commands.add_parser("witness", help="run a witness (see "
                                              "shared/audit/witness.py)"))
    return parser


def _read_key(value: str) -> Ed25519PublicKey:
    path = Path(value)
    if path.exists():
        return load_public_key(path.read_bytes())
    return load_public_key(value)


def _evidence(args: argparse.Namespace) -> Evidence:
    if args.url:
        return read_url(args.url, token=args.token)
    if args.export:
        return read_export(args.export)
    if args.sqlite:
        return read_sqlite(args.sqlite)
    if not args.service:
        raise SourceError("--postgres needs --service (the table is <service>_events)")
    return read_postgres(args.postgres, args.service)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "witness":
        from shared.audit.witness_main import run_witness

        return run_witness(args)
    if args.command == "fetch":
        return _fetch(args)
    if args.command == "accept-loss":
        return _accept_loss(args)
    return _verify(args)


def _accept_loss(args: argparse.Namespace) -> int:
    from shared.audit.losses import LossRefused, accept_loss

    try:
        statement = accept_loss(args.service, args.reason, args.by, args.nats)
    except LossRefused as refused:
        print(f"esa-audit accept-loss: not recorded: {refused}", file=sys.stderr)
        return 1
    print(f"recorded in {args.service}'s store, signed with its audit key: "
          f"{statement.describe()}")
    print(f"the head of {statement.tree_size} events carries the statement; start the service: "
          "it publishes both, the witnesses continue from the restored head, and writes are "
          "accepted again")
    return 0


def _fetch(args: argparse.Namespace) -> int:
    import asyncio

    from shared.messaging import AUDIT_STREAM, connect, read_stream

    async def read() -> list[bytes]:
        client = await connect(args.nats, name="esa-audit-fetch")
        try:
            lines = []
            for message in await read_stream(client, AUDIT_STREAM,
                                             subject=f"esa.audit.{args.service}.>",
                                             limit=10_000_000):
                item = orjson.loads(message.data)
                kind = ("head" if message.subject.endswith(".head") else
                        "cosignature" if ".cosigned." in message.subject else
                        "loss" if message.subject.endswith(".loss") else "alarm")
                lines.append(orjson.dumps({**item, "kind": kind}) + b"\n")
            return lines
        finally:
            await client.drain()

    lines = asyncio.run(read())
    if args.out:
        args.out.write_bytes(b"".join(lines))
    else:
        sys.stdout.buffer.write(b"".join(lines))
    return 0


def _verify(args: argparse.Namespace) -> int:
    notes: list[str] = []
    try:
        evidence = _evidence(args)
        keys = [_read_key(k) for k in args.public_key]
        if not keys and evidence.offered_keys:
            keys = [load_public_key(k) for k in evidence.offered_keys]
            notes.append("public key taken from the service's own export; pin it with "
                         "--public-key to depend on nothing the service says")
        if not keys:
            raise SourceError("give the service's public key with --public-key "
                              "(published at GET /audit/public-key)")
        witnesses: list[Checkpoint] = [c for f in args.checkpoint for c in read_checkpoint_file(f)]
        heads, cosignatures = list(evidence.heads), list(evidence.cosignatures)
        for path in args.published:
            published = read_published(path)
            heads.extend(published.heads)
            cosignatures.extend(published.cosignatures)
        witness_keys = {key_id(k): k for k in (_read_key(w) for w in args.witness)}
    except (SourceError, AuditKeyError, OSError) as error:
        print(f"esa-audit: {error}", file=sys.stderr)
        return 2
    report = verify(evidence.records, {key_id(k): k for k in keys}, witnesses,
                    service=args.service or evidence.service, leaves=evidence.leaves,
                    heads=heads, cosignatures=cosignatures, witness_keys=witness_keys,
                    frontier=evidence.frontier)
    report.notes.extend(notes)
    if args.json:
        print(orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2).decode())
    else:
        print(report.text())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
