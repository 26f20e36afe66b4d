"""Budgeting among the services: planning's and restructuring's events arrive over a real
nats-server (published here from their contract models, as their relays would), budgeting opens
its lines and computes per-head amounts, and its approvals reach correspondence (one letter per
school, a report to OBEC) and monitoring. The office's staff and the governor's letter approving
the transfer are registered in the real correspondence, and budgeting acts only once it has
learned them from correspondence's events: the ESA director appoints the committee and approves
the allocation, a committee member proposes it, the maker of the transfer is not the one who
records the governor's approval, which cites the registered letter. Budgeting, correspondence and
monitoring run as real processes, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import httpx
import orjson
import pytest
from support.budgeting import (
    COMMITTEE,
    action_plan_approved,
    decision,
    merged,
    plan_envelope,
    registry_envelopes,
    registry_rows,
)

from contracts.envelope import AnyEnvelope
from shared.messaging import connect
from shared.nats_server import NatsServer
from shared.testing import ServiceProcess
from shared.thaimoney import baht_text, format_baht
from tests.support.http import every_item
from tests.support.waiting import eventually

STAFF = [("esa-1", ["esa_director", "signer"], "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา"),
         ("dir-1", ["group_director"], "ผู้อำนวยการกลุ่มนโยบายและแผน"),
         ("clerk-1", ["clerk"], "เจ้าพนักงานธุรการ"),
         ("off-1", ["officer"], "นักวิเคราะห์นโยบายและแผนชำนาญการ"),
         ("off-2", ["officer"], "นักวิเคราะห์นโยบายและแผนปฏิบัติการ")]


class Services:
    def __init__(self, nats_url: str, env: dict[str, str]) -> None:
        env = {**env, "ESA_NATS_URL": nats_url, "ESA_RELAY_POLL_SECONDS": "0.2"}
        self.nats_url = nats_url
        self.budgeting = ServiceProcess("budgeting", env)
        self.correspondence = ServiceProcess("correspondence", env)
        self.monitoring = ServiceProcess("monitoring", env)

    def start(self) -> Services:
        for process in (self.budgeting, self.correspondence, self.monitoring):
            process.start()
        return self

    def stop(self) -> None:
        for process in (self.budgeting, self.correspondence, self.monitoring):
            process.stop()


@pytest.fixture
def services(nats_server: NatsServer, store_env: dict[str, str]) -> Iterator[Services]:
    running = Services(nats_server.url, store_env).start()
    try:
        yield running
    finally:
        running.stop()


def publish(nats_url: str, *envelopes: AnyEnvelope, message_ids: list[str] | None = None) -> None:
    """Publish as the producers' relays do: subject `esa.<type>`, message id `Nats-Msg-Id`."""

    async def run() -> None:
        client = await connect(nats_url, name="test-producer")
        try:
            js = client.jetstream()
            for n, envelope in enumerate(envelopes):
                message_id = message_ids[n] if message_ids else envelope.id
                await js.publish(envelope.nats_subject,
                                 orjson.dumps(envelope.model_dump(mode="json")),
                                 headers={"Nats-Msg-Id": message_id})
        finally:
            await client.drain()

    asyncio.run(run())


def consumed(nats_url: str, stream: str, durable: str) -> int:
    """How many messages of `stream` the durable consumer has acknowledged."""

    async def run() -> int:
        client = await connect(nats_url, name="test-inspect")
        try:
            info = await client.jetstream().consumer_info(stream, durable)
            return info.ack_floor.stream_seq if info.num_pending == 0 else -1
        finally:
            await client.drain()

    return asyncio.run(run())


def post(http: httpx.Client, path: str, body: dict, actor: str = "off-1",
         changes: str | None = None) -> dict:
    """POST as `actor`; `changes`: the record the command changes, read first for its ETag
    (If-Match), as a client must."""
    headers = {"X-Actor-Id": actor}
    if changes is not None:
        read = http.get(changes, headers={"X-Actor-Id": actor})
        assert read.status_code == 200, read.text
        headers["If-Match"] = read.headers["ETag"]
    response = http.post(path, json=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    return response.json()


def step(http: httpx.Client, record: str, verb: str, body: dict, actor: str = "off-1") -> dict:
    return post(http, f"{record}/{verb}", body, actor, changes=record)


def office_registered(saraban: httpx.Client, budgeting: httpx.Client) -> dict:
    """The staff, then the governor's letter approving the transfer, registered in correspondence;
    budgeting acts once it has learned both from correspondence's events."""
    for officer_id, roles, position in STAFF:
        post(saraban, "/officers", {"officer_id": officer_id, "name_th": f"นาย {officer_id}",
                                    "position_th": position, "roles": roles}, actor="esa-1")
    letter = post(saraban, "/documents/incoming", {
        "received_at": "2024-11-26T09:30:00+07:00", "sender": "จังหวัดขอนแก่น",
        "sender_ref_no": "ขก 0017.2/1234", "sender_doc_date": "2024-11-25",
        "subject": "อนุมัติโอนเปลี่ยนแปลงงบประมาณ", "addressee": "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา",
        "urgency": "normal", "body_text": "ผู้ว่าราชการจังหวัดอนุมัติ"}, actor="clerk-1")
    eventually(lambda: sorted(o["officer_id"] for o in budgeting.get(
        "/officers", params={"active": True}).json()["items"]) == sorted(o for o, *_ in STAFF),
               what="budgeting knows the staff")
    known = eventually(lambda: (r := budgeting.get(
        f"/registered-documents/{letter['document_id']}")).status_code == 200
        and r.json()["citable"] and r.json(), what="budgeting knows the governor's letter")
    return {"document_id": letter["document_id"], "reference": known["reference"],
            "dated": known["dated"]}


def test_plan_and_registry_events_drive_budgeting_and_its_letters(services: Services) -> None:
    nats_url = services.nats_url
    budgeting = services.budgeting.client(timeout=10)
    saraban = services.correspondence.client(timeout=10)
    governors_letter = office_registered(saraban, budgeting)

    # planning: the approval published, republished with the same id (the stream drops it),
    # and once more under another id (the consumer sees it twice): the lines open once.
    approved = plan_envelope(action_plan_approved())
    publish(nats_url, approved, approved, approved,
            message_ids=[approved.id, approved.id, f"{approved.id}:again"])
    eventually(lambda: consumed(nats_url, "planning", "budgeting-from-planning") == 2,
               what="both planning messages handled")
    lines = budgeting.get("/lines", params={"fiscal_year_be": 2568}).json()["items"]
    assert len(lines) == 5
    assert all(m["movement"] == "opened" for line in lines
               for m in budgeting.get(f"/lines/{line['line_id']}/movements").json()["items"])

    # restructuring: six schools, both terms; the last merged into the first from the first day of
    # FY 2568, so the first counts its 10 June pupils for the whole year.
    rows = registry_rows(limit=6)
    codes = sorted({r["school_code"] for r in rows})
    publish(nats_url, *registry_envelopes(rows), merged(codes[5], codes[0], date(2024, 10, 1)))
    eventually(lambda: [s["status"] for s in budgeting.get("/schools").json()["items"]].count(
        "merged") == 1, what="the registry and the merger")

    # allocation: per head, proposed by a committee member, approved by the ESA director.
    subsidies = next(x for x in lines if x["category"] == "subsidies")
    case = post(budgeting, "/allocations", {
        "title_th": "เงินอุดหนุนรายหัว ปีงบประมาณ 2568", "line_id": subsidies["line_id"],
        "ceiling": "90000000.00", "criteria_th": "จำนวนนักเรียน × อัตราต่อหัว"})
    path = f"/allocations/{case['case_id']}"
    step(budgeting, path, "committee", COMMITTEE, "esa-1")
    proposed = step(budgeting, path, "per-head", {})
    assert len(proposed["items"]) == 5 and proposed["missing_snapshots"] == []
    step(budgeting, path, "submit", {})
    step(budgeting, path, "decision", decision("esa_director"), "esa-1")

    def letters(prefix: str) -> list[dict]:
        documents = every_item(saraban, "/work-in-progress")
        return [d for d in documents if d["subject"].startswith(prefix)]

    allocation_letters = eventually(lambda: len(letters("แจ้งการจัดสรร")) == 5 and
                                    letters("แจ้งการจัดสรร"), what="five allocation letters")
    by_school = {d["addressee"]: d for d in allocation_letters}
    first = next(i for i in proposed["items"] if i["recipient_code"] == codes[0])
    letter = by_school[f"ผู้อำนวยการ{first['recipient_name_th']}"]
    assert (letter["step"], letter["holder"]) == ("drafted", "off-1")
    text = saraban.get(f"/documents/{letter['document_id']}/content",
                       headers={"X-Actor-Id": "off-1"}).json()["draft_text"]
    amount = Decimal(first["amount"])
    assert f"{format_baht(amount)} บาท ({baht_text(amount)})" in text
    assert f"รวมนักเรียนของโรงเรียนที่ยุบรวมมา รหัส {codes[5]}" in text

    # transfer: off-1 proposes it; the governor approves, and another officer (off-2) records
    # the approval citing the governor's letter registered in correspondence → the report to
    # OBEC is drafted.
    operations = next(x for x in lines if (x["project_code"], x["category"]) ==
                      ("P68-01", "operations"))
    transfer = post(budgeting, "/budget-transfers", {
        "source_line_id": subsidies["line_id"], "target_line_id": operations["line_id"],
        "amount": "1500.50", "reason_th": "ค่าวัสดุการเรียนการสอน"})
    t = f"/budget-transfers/{transfer['case_id']}"
    refused = budgeting.post(f"{t}/decision", json=decision("governor", resolution=governors_letter),
                             headers={"X-Actor-Id": "off-1",
                                      "If-Match": budgeting.get(t).headers["ETag"]})
    assert (refused.status_code, refused.json()["code"]) == (403, "same-person")
    approved = step(budgeting, t, "decision", decision("governor", resolution=governors_letter),
                    "off-2")
    assert approved["approvals"][0]["resolution"] == governors_letter
    (report,) = eventually(lambda: letters("รายงานการโอน"), what="the report to OBEC")
    assert report["addressee"] == "เลขาธิการคณะกรรมการการศึกษาขั้นพื้นฐาน"

    # Nothing was drafted twice, whatever was redelivered.
    time.sleep(1.0)
    assert len(letters("แจ้งการจัดสรร")) == 5 and len(letters("รายงานการโอน")) == 1

    # monitoring shows each case where it stands, and each line with what is left on it.
    monitor = services.monitoring.client(timeout=10)

    def case_of(subject: str) -> dict | None:
        response = monitor.get(f"/cases/by-subject/budgeting/{subject}")
        return response.json() if response.status_code == 200 else None

    seen = eventually(lambda: (c := case_of(transfer["case_id"])) and c["step"] == "approved"
                      and c, what="the transfer on monitoring's board")
    assert (seen["procedure"], seen["holder_th"]) == (13, "ผู้รับผิดชอบงานงบประมาณ")
    allocation = case_of(case["case_id"])
    assert allocation["procedure"] == 12 and allocation["step"] == "approved"
    line = eventually(lambda: (c := case_of(operations["line_id"])) and "1,500.50" in c["title"]
                      and c, what="the line's balance on the board")
    assert line["step_th"] == "ได้รับจัดสรรแล้ว อยู่ระหว่างใช้จ่าย"
    assert "คงเหลือ 1,500.50 บาท" in line["title"]
