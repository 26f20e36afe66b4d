"""The auditor's search: what answers is listed, and a service that did not answer is said on
the page (what is listed may then not be all there is), not passed over in silence."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from services.portal.pages_auditor import find
from services.portal.service_client import Unavailable

LINE_ID = "5d1f1c55-5b33-4f0e-9a51-1a6b5e9d2f10"


class Services:
    """The portal's clients of the services, as the search uses them: budgeting may be away."""

    def __init__(self, budgeting_away: bool) -> None:
        self.budgeting_away = budgeting_away

    async def page(self, service: str, path: str, **_: Any) -> Any:
        if service == "budgeting":
            if self.budgeting_away:
                raise Unavailable("budgeting", "timed out")
            return SimpleNamespace(items=[{"line_id": LINE_ID, "project_code": "P68-01",
                                           "title_th": "อบรมครู"}])
        return SimpleNamespace(items=[])


def request_with(services: Services) -> Any:
    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(
        portal=SimpleNamespace(services=services))))


async def test_a_line_is_found_by_its_project_code() -> None:
    found, problems = await find(request_with(Services(budgeting_away=False)), "P68-01")

    assert [(f["service"], f["id"], f["label"]) for f in found] == [
        ("budgeting", LINE_ID, "P68-01 อบรมครู")]
    assert problems == []


async def test_a_service_that_does_not_answer_is_named() -> None:
    found, problems = await find(request_with(Services(budgeting_away=True)), "P68-01")

    assert found == []
    assert problems == ["ระบบงบประมาณไม่พร้อมให้บริการในขณะนี้ โปรดลองใหม่ภายหลัง "
                        "ส่วนอื่นของพอร์ทัลยังใช้งานได้"]
