"""Every service's decision-rights table, printed for people: the README's section "Who may do
what" is this output (`python -m services.rights_table --write` rewrites it; a test fails when the
README and the code disagree), so an auditor can compare it with the manual line by line."""

from __future__ import annotations

import argparse
import importlib
import sys

from contracts.vocabulary import STAFF_ROLE_TH, StaffRole
from shared.launcher import existing_services
from shared.office.rights import DecisionRights, Right
from shared.settings import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
START = "<!-- decision-rights:start (python -m services.rights_table --write) -->"
END = "<!-- decision-rights:end -->"


def tables() -> dict[str, DecisionRights]:
    return {name: importlib.import_module(f"services.{name}.rights").RIGHTS
            for name in existing_services()}


def _who(entry: Right) -> str:
    parts = [f"{STAFF_ROLE_TH[role]} (`{role.value}`)" for role in sorted(entry.roles)]
    if entry.agency:
        parts.append("ระบบของหน่วยงานภายนอกเอง (agency client)")
    if entry.operator:
        parts.append("ผู้ดูแลระบบ (operator, scope `:admin`)")
    if entry.body_decision:
        parts.append(f"หรือ{STAFF_ROLE_TH[StaffRole.esa_director]}ด้วยตนเองเมื่อเรื่องเสนอ ผอ.สพท. "
                     "(in person, when the ESA director decides)")
    return "; ".join(parts)


def _rules(entry: Right) -> str:
    rules = []
    if entry.not_by:
        rules.append("ไม่ใช่ผู้ที่ " + ", ".join(f"`{step}`" for step in entry.not_by)
                     + " (not whoever took those steps)")
    if entry.body_decision:
        rules.append(f"บันทึกมติของผู้พิจารณา อ้างอิงหนังสือที่ลงทะเบียน `{entry.cites}` "
                     "(records the body's decision, citing a registered document)")
    return "; ".join(rules)


def markdown(all_tables: dict[str, DecisionRights] | None = None) -> str:
    lines = []
    for service, table in (all_tables or tables()).items():
        lines += [f"<details><summary>{service}: ตารางผู้มีสิทธิ์ดำเนินการ / decision rights "
                  f"({len(table.rights)} commands)</summary>", "",
                  "| คำสั่ง / command | การดำเนินการ / action | ผู้มีสิทธิ์ / who may | "
                  "เงื่อนไข / rules | อ้างอิง / basis |",
                  "|---|---|---|---|---|"]
        for entry in table.rights:
            lines.append(f"| `{entry.route}` | {entry.action_th} / {entry.action_en} | "
                         f"{_who(entry)} | {_rules(entry)} | {entry.basis} |")
        lines += ["", "</details>", ""]
    return "\n".join(lines).rstrip() + "\n"


def readme_section() -> str:
    text = README.read_text(encoding="utf-8")
    start, end = text.index(START) + len(START), text.index(END)
    return text[start:end].strip() + "\n"


def write() -> None:
    text = README.read_text(encoding="utf-8")
    start, end = text.index(START) + len(START), text.index(END)
    README.write_text(text[:start] + "\n" + markdown() + text[end:], encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.rights_table")
    parser.add_argument("--write", action="store_true", help="rewrite the README's section")
    args = parser.parse_args(argv)
    if args.write:
        write()
        return 0
    sys.stdout.write(markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
