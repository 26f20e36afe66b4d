"""Whose work a record is (`catalogue.holds_work`), where each case of the board is acted on, and
how a page's form becomes the command a service takes: pure functions of the portal."""

from __future__ import annotations

import time
from uuid import uuid4

import pytest

from services.portal.catalogue import holds_work, is_decision, page_of, work_holders
from services.portal.domain import Stage
from services.portal.pages_monitoring import _progress_body
from services.portal.pages_planning import _decision_body, _decision_route
from services.portal.records import _money
from services.portal.sessions import Session


def session(officer_id: str, *roles: str) -> Session:
    now = time.time()
    return Session("raw", uuid4(), officer_id, "ชื่อ", frozenset(roles), Stage.signed_in,
                   "password", True, now, now)


def test_work_is_the_officers_by_id_role_recorded_body_or_committee_seat() -> None:
    officer, clerk = session("off-1", "officer"), session("clerk-1", "clerk")
    committee = {"committee": {"chair": "dir-1", "members": ["off-1", "clerk-1"]}}
    assert holds_work(officer, "off-1") and holds_work(officer, "officer")
    # A body outside the office decides; the group's officers record it, a clerk does not.
    assert holds_work(officer, "provincial_committee") and not holds_work(clerk, "governor")
    assert holds_work(clerk, "committee", committee)
    assert not holds_work(session("off-2", "officer"), "committee", committee)
    assert not holds_work(officer, "esa_director") and not holds_work(officer, None)
    assert work_holders(clerk) == ["clerk-1", "clerk", "committee"]
    assert "area_committee" in work_holders(session("dir-1", "group_director"))


def test_each_case_of_the_board_is_one_click_from_its_page() -> None:
    assert page_of("budgeting", "allocation", "a1") == "/budgeting/allocations/a1"
    assert page_of("monitoring", "monitoring_item", "p9:P68-01") == "/monitoring/plans/p9#g-P68-01"
    assert page_of("correspondence", "service_request", "s1") == "/saraban/service-requests/s1"
    assert page_of("correspondence", "knowledge_item", "k1") == "/saraban/knowledge/k1"
    assert page_of("planning", "unknown", "x") is None
    assert is_decision("budgeting", "allocation", "submitted")
    assert not is_decision("budgeting", "allocation", "proposed")
    assert is_decision("restructuring", "merge", "proposed")


def test_a_forms_values_become_the_command_the_route_takes() -> None:
    assert _decision_route({"decision": "reject"}) == "/plans/{id}/reject"
    assert _decision_body({"decision": "approve", "decided_on": "2025-01-02", "reason": "x",
                           "resolution_document_id": "d", "effective_from": "2025-02-01"}) == {
        "decided_on": "2025-01-02", "resolution_document_id": "d", "effective_from": "2025-02-01"}
    assert _decision_body({"decision": "return", "reason": "แก้ไขตัวชี้วัด",
                           "effective_from": "2025-02-01"}) == {"reason": "แก้ไขตัวชี้วัด"}
    assert _progress_body({"target": "P68-01|K1", "period": "q2", "value": "42.5"}) == {
        "group_code": "P68-01", "item_code": "K1", "quarter": "2", "value": "42.5"}
    assert _progress_body({"target": "S1|S1-K1", "period": "2568", "value": "4"})["year_be"] \
        == "2568"
    assert _money("1,500,000.50") == "1500000.50"
    for wrong in ("12.345", "สองพัน", "NaN"):
        with pytest.raises(ValueError):
            _money(wrong)
