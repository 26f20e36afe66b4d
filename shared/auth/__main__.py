"""Register, list and revoke the office's OAuth clients (other agencies, the office portal).

    python -m shared.auth register-client --agency "สพฐ." --scopes "correspondence:submit"
    python -m shared.auth list-clients
    python -m shared.auth revoke-client agency-0123456789abcdef

The registry file comes from the same settings as the services (`ESA_AUTH_CLIENTS_FILE`, default
`var/auth/clients.json`). The secret is printed once and stored only as an scrypt hash.
"""

from __future__ import annotations

import argparse
import json
import sys

from pydantic import ValidationError

from contracts.envelope import Secrecy
from shared.auth.clients import ClientRegistry
from shared.settings import ServiceSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.auth", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    register = commands.add_parser("register-client", help="add a client; prints id and secret once")
    register.add_argument("--agency", required=True, help="the agency's name, in Thai")
    register.add_argument("--scopes", required=True, help='space-separated, e.g. "budgeting:read"')
    register.add_argument("--clearance", default="none", choices=[s.value for s in Secrecy])
    register.add_argument("--rate-per-minute", type=int, default=600)
    register.add_argument("--burst", type=int, default=60)
    register.add_argument("--client-id", help="default: agency-<random>")
    commands.add_parser("list-clients", help="every client, without secrets")
    revoke = commands.add_parser("revoke-client", help="its tokens stop working at once")
    revoke.add_argument("client_id")
    args = parser.parse_args(argv)

    registry = ClientRegistry(ServiceSettings().clients_path)
    if args.command == "register-client":
        try:
            client, secret = registry.register(
                agency=args.agency, scopes=args.scopes.split(), clearance=args.clearance,
                rate_per_minute=args.rate_per_minute, burst=args.burst, client_id=args.client_id)
        except (ValueError, ValidationError) as error:
            print(f"not registered: {error}", file=sys.stderr)
            return 2
        print(f"client_id:     {client.client_id}")
        print(f"client_secret: {secret}")
        print(f"scopes:        {' '.join(client.scopes)}")
        print("The secret is shown only now; store it in the agency's system.", file=sys.stderr)
        return 0
    if args.command == "list-clients":
        for client in registry.all():
            print(json.dumps(client.public_view(), ensure_ascii=False))
        return 0
    try:
        client = registry.revoke(args.client_id)
    except KeyError:
        print(f"no client {args.client_id}", file=sys.stderr)
        return 1
    print(f"revoked {client.client_id} at {client.revoked_at}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
