"""The whole chain, every service a real process on a real nats-server, every step through the
services' own HTTP APIs (no hand-built envelopes):

the provincial committee's resolution is registered in correspondence → planning learns it and the
annual action plan is approved citing it → budgeting opens one line per project and category →
restructuring learns the staff and imports the DMC enrolment file → budgeting learns the schools'
snapshots → a per-head allocation is computed, proposed and approved → correspondence drafts one
letter per school with the amount in Thai words → monitoring's feed shows the allocation case and
the line; then a merger of a small school into a larger one (prepared by an officer, proposed by
the group director, the committee's decision recorded by another officer citing the registered
resolution, carried out by the ESA director) takes effect today → budgeting records it with its
effective date, and since fiscal year 2568 ended before it, a per-head allocation of that year
still funds every school as it stood then: the absorbed school gets its own amount and letter
again, and the receiving school's letter names no absorbed school. (How a merger inside a fiscal
year splits its halves is in tests/flows/test_budgeting_flow.py and the budgeting unit and
component tests: the registry takes no merger dated before today, and this year's snapshots are
the sample file's.)
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from planning_samples import NATIONAL, PROVINCIAL, action_plan, development_plan, policy

from shared.testing import ServiceProcess, read_feed
from shared.thaimoney import baht_text, format_baht
from shared.thaitime import bangkok_date, utc_now
from tests.support.dmc import csv_of, sample_rows
from tests.support.http import every_item
from tests.support.waiting import eventually

SMALL, RECEIVER = "40050003", "40050038"  # โรงเรียนหินลาด (32 pupils) into บ้านหนองตาไก้
SCHOOLS = ("40050001", "40050002", SMALL, "40050007", RECEIVER)
FISCAL_YEAR = 2568  # funded from academic year 2567's snapshots, those of the sample file
RATES = {"kindergarten": Decimal("1700.00"), "primary": Decimal("1900.00"),
         "lower_secondary": Decimal("3500.00"), "upper_secondary": Decimal("3800.00")}
LEVEL_OF = {**{g: "kindergarten" for g in ("k1", "k2", "k3")},
            **{g: "primary" for g in ("p1", "p2", "p3", "p4", "p5", "p6")},
            **{g: "lower_secondary" for g in ("m1", "m2", "m3")}}
LETTER_SUBJECT = "แจ้งการจัดสรรงบประมาณ"


def per_head(rows: list[dict[str, str]]) -> Decimal:
    """The subsidy of a school's snapshots (both terms), each term at half the yearly rate."""
    return sum((RATES[LEVEL_OF[g]] * int(row[g]) / 2 for row in rows for g in LEVEL_OF),
               Decimal("0")).quantize(Decimal("0.01"))


class Client:
    """One service's HTTP API, spoken as the office's staff."""

    def __init__(self, service: ServiceProcess) -> None:
        self.http = service.client(timeout=15.0)

    def post(self, path: str, body: dict | None = None, actor: str = "off-1",
             method: str = "POST", *, changes: str | None = None) -> dict:
        """`changes`: the record the command changes (its GET path), read first so that the
        command says which version it changes (`If-Match`)."""
        headers = {"X-Actor-Id": actor}
        if changes is not None:
            read = self.http.get(changes, headers=headers)
            assert read.status_code == 200, f"{changes}: {read.text}"
            headers["If-Match"] = read.headers["ETag"]
        response = self.http.request(method, path, json=body or {}, headers=headers)
        assert response.status_code in (200, 201), f"{path}: {response.text}"
        return response.json()

    def step(self, record: str, verb: str, body: dict | None = None,
             actor: str = "off-1") -> dict:
        return self.post(f"{record}/{verb}", body, actor, changes=record)

    def get(self, path: str, **params: Any) -> Any:
        response = self.http.get(path, params=params, headers={"X-Actor-Id": "off-1"})
        assert response.status_code == 200, f"{path}: {response.text}"
        return response.json()

    def close(self) -> None:
        self.http.close()


def test_plan_to_allocation_letters_then_a_merger_moves_the_next_allocation(whole_system) -> None:
    system = whole_system
    saraban = Client(system.correspondence)
    planning = Client(system.planning)
    registry = Client(system.restructuring)
    budgeting = Client(system.budgeting)
    monitoring = Client(system.monitoring)
    today = bangkok_date(utc_now()).isoformat()

    # 1. correspondence: the provincial committee's resolution is registered; planning learns it.
    system.saraban.hire_staff()
    # A second analyst, who records the committee's decision on the merger (not the officer who
    # prepared the case, nor the group director who proposed it).
    saraban.post("/officers", {"officer_id": "off-2", "name_th": "นางสาววิไล ขยัน",
                               "roles": ["officer"]}, "esa-1")
    resolution = system.saraban.register(subject="แจ้งมติ กศจ. เห็นชอบแผนปฏิบัติการและการจัดสรร")
    known = eventually(lambda: (r := planning.http.get(
        f"/registered-documents/{resolution['document_id']}")).status_code == 200
        and r.json()["citable"] and r.json(), "planning learns the resolution")
    cited = {"resolution_document_id": resolution["document_id"]}

    # 2. planning: the year's policy and the development plan, then the action plan linked to
    # both: off-1 drafts each, the group director checks and proposes it to the committee and
    # records the committee's approval citing the resolution (each step with the plan's ETag).
    def approved_plan(path: str, body: dict) -> dict:
        drafted = planning.post(path, body)
        plan = f"/plans/{drafted['plan_id']}"
        planning.post(f"{plan}/submit", {}, "dir-1", changes=plan)
        return planning.post(f"{plan}/approve", cited, "dir-1", changes=plan)

    planning.post("/reference-strategies/provincial", {"strategies": PROVINCIAL})
    planning.post("/reference-strategies/national", {"strategies": NATIONAL})
    focus = approved_plan("/policies", policy(FISCAL_YEAR))
    development = approved_plan("/development-plans", development_plan(2566, 2570))
    approved_plan("/action-plans", action_plan(development["plan_id"], focus["plan_id"],
                                               FISCAL_YEAR))

    lines = eventually(lambda: len(found := budgeting.get(
        "/lines", fiscal_year_be=FISCAL_YEAR)["items"]) == 4 and found,
        "budgeting opens the plan's lines")
    assert sorted((x["project_code"], x["category"]) for x in lines) == [
        ("P68-01", "operations"), ("P68-01", "subsidies"),
        ("P68-02", "investment"), ("P68-02", "operations")]
    subsidies = next(x for x in lines if x["category"] == "subsidies")

    # 3. restructuring: it learns the staff from correspondence; the DMC file of five schools, both
    # terms; budgeting learns the snapshots.
    eventually(lambda: {o["officer_id"] for o in registry.get("/officers", limit=500)["items"]}
               >= {"esa-1", "dir-1", "off-1", "off-2"}, "restructuring knows the staff")
    rows = sample_rows(SCHOOLS)
    response = registry.http.post("/schools/import", content=csv_of(rows),
                                  headers={"X-Actor-Id": "off-1", "Content-Type": "text/csv"})
    assert response.status_code == 200, response.text
    eventually(lambda: [(s["school_code"], len(s["snapshots"]))
                        for s in budgeting.get("/schools")["items"]]
               == [(c, 2) for c in sorted(SCHOOLS)],
               "budgeting knows every school with both terms")
    names = {r["school_code"]: r["name_th"] for r in rows}
    expected = {code: per_head([r for r in rows if r["school_code"] == code]) for code in SCHOOLS}

    # 4. budgeting: once it has learned the staff and the resolution from correspondence, the
    # year's rates, then a per-head allocation: the ESA director appoints the committee, a member
    # (off-1) proposes, the ESA director approves citing the resolution.
    eventually(lambda: {"esa-1", "off-1", "dir-1"} <= {
        o["officer_id"] for o in budgeting.get("/officers", active=True)["items"]},
        "budgeting knows the staff")
    eventually(lambda: (r := budgeting.http.get(
        f"/registered-documents/{resolution['document_id']}")).status_code == 200
        and r.json()["citable"], "budgeting knows the resolution")
    budgeting.post(f"/per-head-rates/{FISCAL_YEAR}", {
        "rates": {k: str(v) for k, v in RATES.items()},
        "source_th": "หนังสือ สพฐ. ที่ ศธ 04002/ว 100"}, method="PUT")
    decision = {"body": "esa_director", "decision": "approve", "decided_on": today,
                "resolution": {"document_id": resolution["document_id"],
                               "reference": known["reference"], "dated": today}}
    committee = {"chair": "dir-1", "members": ["off-1", "clerk-1"], "appointed_on": today}

    def allocate(title_th: str) -> tuple[dict, dict]:
        case = budgeting.post("/allocations", {
            "title_th": title_th, "line_id": subsidies["line_id"], "ceiling": "5000000.00",
            "criteria_th": "จำนวนนักเรียน × อัตราต่อหัว"})
        path = f"/allocations/{case['case_id']}"
        budgeting.step(path, "committee", committee, "esa-1")
        proposed = budgeting.step(path, "per-head")
        budgeting.step(path, "submit")
        approved = budgeting.step(path, "decision", decision, "esa-1")
        assert approved["step"] == "approved"
        return proposed, approved

    def letters(title_th: str) -> list[dict]:
        return [d for d in every_item(saraban.http, "/work-in-progress")
                if d["subject"] == f"{LETTER_SUBJECT} {title_th} ประจำปีงบประมาณ พ.ศ. {FISCAL_YEAR}"]

    def letter_text(letter: dict) -> str:
        return saraban.get(f"/documents/{letter['document_id']}/content")["draft_text"]

    first_title = "เงินอุดหนุนรายหัว ปีงบประมาณ 2568"
    proposed, approved = allocate(first_title)
    assert proposed["missing_snapshots"] == []
    assert {i["recipient_code"]: Decimal(i["amount"]) for i in proposed["items"]} == expected
    assert Decimal(approved["total"]) == sum(expected.values())

    first = eventually(lambda: len(found := letters(first_title)) >= len(SCHOOLS) and found,
                       "one allocation letter per school")
    assert sorted(d["addressee"] for d in first) == sorted(
        f"ผู้อำนวยการ{names[c]}" for c in SCHOOLS)
    receiver_letter = next(d for d in first if d["addressee"] == f"ผู้อำนวยการ{names[RECEIVER]}")
    assert (receiver_letter["step"], receiver_letter["holder"]) == ("drafted", "off-1")
    text = letter_text(receiver_letter)
    amount = expected[RECEIVER]
    assert f"เป็นเงินทั้งสิ้น {format_baht(amount)} บาท ({baht_text(amount)})" in text
    assert f"อ้างถึง  {known['reference']}" in text
    assert "ยุบรวม" not in text

    # monitoring: the allocation case step by step on the feed, and the line it is charged to.
    case_id = approved["case_id"]
    events = read_feed(f"{system.monitoring.url}/feed", timeout=30, until=lambda evs: any(
        e.data.get("subject") == case_id and e.data.get("step") == "approved" for e in evs))
    shown = [e.data for e in events if e.data.get("subject") == case_id]
    assert [(d["step"], d["holder_th"]) for d in shown] == [
        ("opened", "ผู้รับผิดชอบงานงบประมาณ"), ("committee_appointed", "คณะกรรมการ"),
        ("proposed", "ผู้รับผิดชอบงานงบประมาณ"),
        ("submitted", "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา"),
        ("approved", "ผู้รับผิดชอบงานงบประมาณ")]
    assert shown[-1]["step_th"] == "อนุมัติการจัดสรรแล้ว รอแจ้งผลการจัดสรร"
    assert shown[-1]["procedure"] == 12 and shown[-1]["title"] == first_title
    board = monitoring.get(f"/cases/by-subject/budgeting/{case_id}")
    assert (board["step"], board["procedure"]) == ("approved", 12)
    total = sum(expected.values())
    assert Decimal(budgeting.get(f"/lines/{subsidies['line_id']}")["allocated"]) == total
    eventually(lambda: f"คงเหลือ {format_baht(total)} บาท" in monitoring.get(
        f"/cases/by-subject/budgeting/{subsidies['line_id']}")["title"],
        "the line's balance on the board")

    # 5. restructuring: the small school is merged into the receiver, with effect from today; the
    # committee's decision cites the resolution restructuring learned from correspondence.
    case = registry.post("/cases", {"case_type": "merge", "school_codes": [SMALL],
                                    "receiving_school_code": RECEIVER})
    assert case["holder_th"] == "นายสมชาย รักงาน"  # the directory's name for off-1
    path = f"/cases/{case['case_id']}"
    registry.post(f"{path}/study", {"school_age_population": 30, "travel_distance_km": "3.5",
                                    "summary_th": "เดินทางไปโรงเรียนบ้านหนองตาไก้ได้ มีรถรับส่ง"},
                  changes=path)
    registry.post(f"{path}/hearing", {"held_on": today, "participants": 54,
                                      "school_board_agreed": True, "community_agreed": True,
                                      "summary_th": "คณะกรรมการสถานศึกษาและผู้ปกครองเห็นด้วย"},
                  changes=path)
    registry.post(f"{path}/propose", actor="dir-1", changes=path)
    eventually(lambda: (r := registry.http.get(
        f"/registered-documents/{resolution['document_id']}")).status_code == 200
        and r.json()["citable"], "restructuring learns the resolution")
    decided = registry.post(f"{path}/decision", {
        "decision": "approve", "decided_on": today,
        "resolution": {"document_id": resolution["document_id"]}}, "off-2", changes=path)
    assert decided["rounds"][-1]["decision"]["resolution"]["reference"] == known["reference"]
    executed = registry.post(f"{path}/execute", {"effective_date": today}, "esa-1", changes=path)
    assert executed["step"] == "executed"
    assert registry.get(f"/schools/{SMALL}")["status"] == "merged"

    merged = eventually(lambda: (s := budgeting.get(f"/schools/{SMALL}"))["status"] == "merged"
                        and s, "budgeting learns of the merger")
    assert (merged["merged_into"], str(merged["status_from"])) == (RECEIVER, today)

    # The merger is effective after FY 2568 ended (30 September 2025): on the last day of that
    # year the small school stood open, and the year's money stays as it was.
    assert SMALL in [s["school_code"] for s in budgeting.get(
        "/schools", status="open", as_of="2025-09-30")["items"]]
    second_title = "เงินอุดหนุนรายหัว ปีงบประมาณ 2568 (ทบทวน)"
    proposed, approved = allocate(second_title)
    assert {i["recipient_code"]: Decimal(i["amount"]) for i in proposed["items"]} == expected
    assert all(i["basis"]["absorbed_school_codes"] == [] for i in proposed["items"])
    assert Decimal(approved["total"]) == total
    eventually(lambda: f"คงเหลือ {format_baht(2 * total)} บาท" in monitoring.get(
        f"/cases/by-subject/budgeting/{subsidies['line_id']}")["title"],
        "both allocations on the line")

    second = eventually(lambda: len(found := letters(second_title)) >= len(SCHOOLS) and found,
                        "the letters of the second allocation")
    assert f"ผู้อำนวยการ{names[SMALL]}" in {d["addressee"] for d in second}
    receiver_letter = next(d for d in second if d["addressee"] == f"ผู้อำนวยการ{names[RECEIVER]}")
    text = letter_text(receiver_letter)
    amount = expected[RECEIVER]
    assert f"เป็นเงินทั้งสิ้น {format_baht(amount)} บาท ({baht_text(amount)})" in text
    assert "ยุบรวม" not in text

    # Whatever was redelivered meanwhile, no letter was drafted twice.
    assert len(letters(first_title)) == len(SCHOOLS)
    assert len(letters(second_title)) == len(SCHOOLS)
    for client in (saraban, planning, registry, budgeting, monitoring):
        client.close()
