"""The portal's command line, for the first account and for recovery (with `make run` running):

    .venv/bin/python -m services.portal create-account --officer-id esa-1 \\
        --name-th "นายใหญ่ ผู้อำนวยการ" --roles esa_director,signer --clearance top_secret \\
        --position-th "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาประถมศึกษาตัวอย่าง เขต 1"
    .venv/bin/python -m services.portal reset-password --officer-id esa-1
    .venv/bin/python -m services.portal unlock --officer-id esa-1
    .venv/bin/python -m services.portal create-auditor --account-id audit-1 \\
        --name-th "นางสาวตรวจ สอบบัญชี (สำนักงานการตรวจเงินแผ่นดิน)"

`create-account` binds an account to the officer's entry in the staff directory (correspondence
`/officers`); on a new system whose directory is still empty it adds the officer first (the first
entry must be a director), so one command takes a fresh clone to a director who can sign in. It
prints a one-time password; a director (or signer) enrols the second factor at the first sign-in.
`create-auditor` makes an auditor's account: the portal's own (role `auditor`), not an officer
of the staff directory; it reads the auditor's pages only and enrols a second factor at the
first sign-in. Everything else about accounts is done by directors in the portal.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from services.portal.application import DirectoryEntry, PortalApplication
from services.portal.domain import SECOND_FACTOR_ROLES
from services.portal.main import portal_client_secret
from services.portal.service_client import Refused, ServiceClient, Unavailable
from services.portal.settings import PORTAL_CLIENT_ID, PortalSettings
from shared.domain import DomainError
from shared.logging import configure_logging


async def directory_entry(settings: PortalSettings, args: argparse.Namespace) -> DirectoryEntry:
    services = ServiceClient(settings.service_urls(), client_id=PORTAL_CLIENT_ID,
                             client_secret=portal_client_secret(settings),
                             timeout=settings.portal_service_timeout_seconds)
    try:
        try:
            found = await services.get("correspondence", f"/officers/{args.officer_id}",
                                       actor=None)
            return DirectoryEntry.of(found.data)
        except Refused as refused:
            if refused.status != 404 or not (args.name_th and args.roles):
                raise
        # Not in the directory: add them (on an empty directory the first entry is a director).
        added = await services.command(
            "correspondence", "/officers", actor=args.officer_id,
            idempotency_key=f"portal-setup-{args.officer_id}",
            body={"officer_id": args.officer_id, "name_th": args.name_th,
                  "position_th": args.position_th or "", "roles": args.roles.split(","),
                  "clearance": args.clearance})
        print(f"เพิ่ม {args.officer_id} ในทะเบียนเจ้าหน้าที่แล้ว / added to the staff directory")
        return DirectoryEntry.of(added.data)
    finally:
        await services.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.portal",
                                     description="Accounts of the office portal")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-account", help="an account for a directory entry")
    create.add_argument("--officer-id", required=True)
    create.add_argument("--name-th", help="only if the officer is not in the directory yet")
    create.add_argument("--roles", help="comma-separated, e.g. esa_director,signer (ditto)")
    create.add_argument("--position-th", default="")
    create.add_argument("--clearance", default="none",
                        choices=["none", "confidential", "secret", "top_secret"])
    auditor = commands.add_parser("create-auditor", help="an auditor's account (not an officer)")
    auditor.add_argument("--account-id", required=True)
    auditor.add_argument("--name-th", required=True)
    for name in ("reset-password", "unlock"):
        command = commands.add_parser(name, help=f"{name} (recovery from the command line)")
        command.add_argument("--officer-id", required=True)
    args = parser.parse_args(argv)

    settings = PortalSettings()
    configure_logging("portal-cli", "WARNING")  # what it prints is for a person
    app = PortalApplication(settings)
    try:
        if args.command == "create-account":
            try:
                entry = asyncio.run(directory_entry(settings, args))
            except Unavailable as down:
                print(f"{down.message_th}\nเริ่มระบบด้วย `make run` ก่อน / start `make run` first",
                      file=sys.stderr)
                return 2
            except Refused as refused:
                print(f"{refused.message_th} ({refused.code}: {refused.detail})", file=sys.stderr)
                if refused.status == 404:
                    print("ระบุ --name-th และ --roles เพื่อเพิ่มเจ้าหน้าที่ในทะเบียน", file=sys.stderr)
                return 1
            password = app.create_account(entry, by=None)
            print(f"บัญชี {entry.officer_id} ({entry.name_th}) สร้างแล้ว / account created")
        elif args.command == "create-auditor":
            password = app.create_auditor(args.account_id, args.name_th, by=None)
            entry = DirectoryEntry(args.account_id, args.name_th, frozenset({"auditor"}))
            print(f"บัญชีผู้ตรวจสอบ {args.account_id} สร้างแล้ว / auditor's account created")
        elif args.command == "reset-password":
            password = app.reset_password(args.officer_id, by=None)
            entry = None
        else:
            app.unlock(args.officer_id, by=None)
            print(f"ปลดล็อก {args.officer_id} แล้ว / unlocked")
            return 0
    except DomainError as error:
        print(f"{error.title_th} / {error.title_en}", file=sys.stderr)
        return 1
    finally:
        app.close()
    print(f"รหัสผ่านใช้ครั้งเดียว / one-time password:  {password}")
    print(f"เข้าสู่ระบบที่ / sign in at  http://127.0.0.1:{settings.http_port}/")
    if entry is not None and SECOND_FACTOR_ROLES & entry.roles:
        print("ลงทะเบียนรหัสยืนยันสองชั้น (TOTP) ด้วยแอปในโทรศัพท์เมื่อเข้าสู่ระบบครั้งแรก / "
              "enrol the TOTP second factor at the first sign-in")
    return 0


if __name__ == "__main__":
    sys.exit(main())
