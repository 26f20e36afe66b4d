"""`python -m shared.audit verify` (also `esa-audit verify`): check a service's audit trail.

    esa-audit verify --url http://127.0.0.1:8101 [--public-key key.pem]
    esa-audit verify --export correspondence-audit.jsonl --public-key key.pem
    esa-audit verify --sqlite var/correspondence.sqlite3 --public-key key.pem
    esa-audit verify --postgres "host=... dbname=esa user=..." --service correspondence --public-key key.pem

`--checkpoint FILE` (repeatable) adds checkpoints the auditor kept from earlier, e.g. a saved
`GET /audit/checkpoints/latest`: a log cut short after its last stored checkpoint is caught only
against those. Exit status 0: verified; 1: findings (printed, naming each altered, removed or
inserted event); 2: the evidence or the key could not be read.
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
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.add_argument("--token", default=os.environ.get("ESA_ACCESS_TOKEN"),
                       help="with --url: an access token with <service>:audit "
                            "(default: $ESA_ACCESS_TOKEN)")
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
    except (SourceError, AuditKeyError, OSError) as error:
        print(f"esa-audit: {error}", file=sys.stderr)
        return 2
    report = verify(evidence.records, {key_id(k): k for k in keys}, witnesses,
                    service=args.service or evidence.service)
    report.notes.extend(notes)
    if args.json:
        print(orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2).decode())
    else:
        print(report.text())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
