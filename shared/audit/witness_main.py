"""`python -m shared.audit witness`: the standalone witness, a process anyone can run.

    python -m shared.audit witness --name witness-1 --nats nats://127.0.0.1:4222 \
        --service correspondence=http://127.0.0.1:8101 --service planning=http://127.0.0.1:8102 \
        --client-id witness-1 --client-secret-file var/witness/witness-1.secret \
        --state var/witness/witness-1.sqlite3 --key var/witness/witness-1.ed25519 \
        [--pin correspondence=<public key hex or PEM file>] [--http-port 8110]

The witness's key (`--key`: a PEM file, created if missing; or a `pkcs11:` URI) signs its
cosignatures; its state (`--state`) holds every head it saw and what it cosigned. It reads proofs
with an OAuth client holding `<service>:audit` for each service. Its HTTP API is read-only and
public (cosignatures are meant to be shared): `/health`, `/public-key`, `/cosignatures/{service}`,
`/alarms`, `/losses`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from pathlib import Path
from typing import Any

from shared.audit.signing import AuditSigner, load_public_key
from shared.audit.witness import Witness, WitnessProcess, WitnessStore, http_proofs
from shared.keyfiles import create_once
from shared.logging import configure_logging, get_logger
from shared.signing_keys import load_signer, pem_of

log = get_logger(__name__)


def add_witness_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name", required=True, help="the witness's name ([a-z0-9-]+)")
    parser.add_argument("--nats", default=os.environ.get("ESA_NATS_URL", "nats://127.0.0.1:4222"))
    parser.add_argument("--service", action="append", default=[], metavar="NAME=URL",
                        required=True, help="a service to witness and its base URL (repeatable)")
    parser.add_argument("--client-id", default=os.environ.get("ESA_WITNESS_CLIENT_ID"))
    parser.add_argument("--client-secret-file", type=Path,
                        help="file holding the client secret (or $ESA_WITNESS_CLIENT_SECRET)")
    parser.add_argument("--state", type=Path, help="the witness's SQLite file "
                        "(default var/witness/<name>.sqlite3)")
    parser.add_argument("--key", help="the witness's signing key: PEM file (created if missing) "
                        "or pkcs11: URI (default var/witness/<name>.ed25519)")
    parser.add_argument("--pin", action="append", default=[], metavar="SERVICE=KEY",
                        help="the service's audit public key (else trusted on first use)")
    parser.add_argument("--public-key-out", type=Path,
                        help="write the witness's public key (PEM) here, for the services")
    parser.add_argument("--http-host", default="127.0.0.1")
    parser.add_argument("--http-port", type=int, default=0, help="0: no HTTP API")


def witness_signer(setting: str | None, default: Path) -> AuditSigner:
    if setting and setting.startswith("pkcs11:"):
        return AuditSigner(load_signer(setting))
    path = Path(setting) if setting else default
    if not path.exists():
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        create_once(path, pem_of(Ed25519PrivateKey.generate()))
    return AuditSigner(load_signer(str(path)))


def build_witness(args: argparse.Namespace) -> tuple[Witness, dict[str, str]]:
    from shared.auth.client import ClientCredentials

    var = Path(os.environ.get("ESA_VAR_DIR", "var")) / "witness"
    urls = dict(entry.split("=", 1) for entry in args.service)
    secret = os.environ.get("ESA_WITNESS_CLIENT_SECRET")
    if args.client_secret_file is not None:
        secret = args.client_secret_file.read_text().strip()
    auth = ClientCredentials(args.client_id, secret) if args.client_id and secret else None
    proofs, keys = http_proofs(urls, auth)
    pinned = {}
    for entry in args.pin:
        service, _, value = entry.partition("=")
        path = Path(value)
        pinned[service] = load_public_key(path.read_bytes() if path.exists() else value)
    store = WitnessStore(args.state or var / f"{args.name}.sqlite3")
    signer = witness_signer(args.key, var / f"{args.name}.ed25519")
    return Witness(args.name, signer, store, proofs, service_keys=keys, pinned=pinned), urls


def create_witness_api(witness: Witness, process: WitnessProcess) -> Any:
    from fastapi import FastAPI, Query

    api = FastAPI(title=f"Audit witness {witness.name}", version="1.0.0",
                  description="A witness of the office's audit trails: the heads it cosigned "
                              "and the alarms it raised (read-only, public).")

    @api.get("/health")
    def health() -> dict[str, Any]:
        return {"witness": witness.name, "status": "ok", "heads_considered": process.considered}

    @api.get("/public-key")
    def public_key() -> dict[str, str]:
        return witness.public_key_document()

    @api.get("/cosignatures/{service}")
    def cosignatures(service: str, after: int = Query(0, ge=0),
                     limit: int = Query(100, ge=1, le=1000)) -> list[dict[str, Any]]:
        return [{**c, "kind": "cosignature"} for c in
                witness.store.cosignatures(service, after, limit)]

    @api.get("/alarms")
    def alarms(after: int = Query(0, ge=0), limit: int = Query(100, ge=1, le=1000),
               service: str | None = None) -> list[dict[str, Any]]:
        return witness.store.alarms(after, limit, service)

    @api.get("/losses")
    def losses(after: int = Query(0, ge=0), limit: int = Query(100, ge=1, le=1000),
               service: str | None = None) -> list[dict[str, Any]]:
        """Losses of history the witness accepted after a restore (shared.audit.losses)."""
        return witness.store.losses(after, limit, service)

    return api


def run_witness(args: argparse.Namespace) -> int:
    configure_logging(f"witness-{args.name}", os.environ.get("ESA_LOG_LEVEL", "INFO"))
    witness, urls = build_witness(args)
    if args.public_key_out is not None:
        from shared.keyfiles import write_atomically

        write_atomically(args.public_key_out,
                         witness.public_key_document()["public_key_pem"].encode(), 0o644)
    process = WitnessProcess(witness, args.nats, services=list(urls))

    async def main() -> None:
        closing = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, closing.set)
        tasks = [asyncio.create_task(process.run(closing))]
        server = None
        if args.http_port:
            import uvicorn

            server = uvicorn.Server(uvicorn.Config(create_witness_api(witness, process),
                                                   host=args.http_host, port=args.http_port,
                                                   log_config=None))
            server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
            tasks.append(asyncio.create_task(server.serve()))
        log.info("witness started", witness=witness.name, services=sorted(urls),
                 key_id=witness.signer.key_id)
        await closing.wait()
        if server is not None:
            server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
        witness.store.close()

    asyncio.run(main())
    return 0
