"""Correspondence's lists answer the same on SQLite and PostgreSQL: the registers by page, their
filters (an overdue test that is an OR, a text search limited to what the reader may see, a "%"
typed), /my-work's two walks (overdue first), the Thai word search of knowledge, and a restart that
resumes every listing where it was."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.correspondence.application import CorrespondenceApplication
from services.correspondence.main import create_app
from services.correspondence.settings import CorrespondenceSettings
from shared.testing import office_client
from tests.component.test_correspondence_api import act, hire, register
from tests.component.test_knowledge_api import publish
from tests.support.http import every_item, h


@pytest.fixture
def on_store(store_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for key, value in store_env.items():
        monkeypatch.setenv(key, value)
    return store_env


def open_app(clock: Callable[[], datetime]) -> tuple[CorrespondenceApplication, TestClient]:
    app = CorrespondenceApplication(CorrespondenceSettings(office_code="ศธ 04123"), clock=clock)
    return app, office_client(create_app(app.settings, app))


@pytest.fixture
def saraban(on_store: dict[str, str], clock: Any
            ) -> Iterator[tuple[CorrespondenceApplication, TestClient]]:
    app, client = open_app(clock)
    hire(client)
    try:
        yield app, client
    finally:
        app.close()


def total(client: TestClient, path: str, actor: str = "clerk-1", **params: object) -> int:
    response = client.get(path, params=params, headers=h(actor))
    assert response.status_code == 200, response.text
    return response.json()["total"]


def test_the_registers_and_the_work_lists_on_both_stores(
        saraban: tuple[CorrespondenceApplication, TestClient], clock: Any) -> None:
    app, client = saraban
    secret = register(client, secrecy="002", subject="ผลการสอบสวนวินัย 100% ของผู้ถูกกล่าวหา")
    late = act(client, register(client, subject="ขอข้อมูลนักเรียน 100_คน"), "assign", "dir-1",
               {"officer_id": "off-1", "due_date": "2026-11-28"})
    clock.now = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)
    later = act(client, register(client, subject="ขอข้อมูลครู"), "assign", "dir-1",
                {"officer_id": "off-1", "due_date": "2026-12-20"})
    clock.now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    path = "/registers/receiving/2569"

    listed = every_item(client, path, "off-2", limit=2)
    assert [r["receipt_no"] for r in listed] == [1, 2, 3]
    assert listed[0]["subject"] == "(ลับ)"
    assert [r["document_id"] for r in every_item(client, path, "off-2", q="สอบสวน")] == []
    assert [r["document_id"] for r in every_item(client, path, "dir-1", q="สอบสวน")] == [
        secret["document_id"]]
    assert total(client, path, "dir-1", q="100%") == 1 and total(client, path, q="100_") == 1
    assert total(client, path, q="ขอข้อมูล") == 2
    assert total(client, path, overdue=True) == 1 and total(client, path, overdue=False) == 2
    assert total(client, path, holder="off-1", step="assigned") == 2

    work = every_item(client, "/my-work", "off-1", limit=1)
    assert [(w["id"], w["overdue"]) for w in work] == [(late["document_id"], True),
                                                       (later["document_id"], False)]
    assert total(client, "/work-in-progress", overdue=True) == 1
    assert app.work.count({"holder__in": ["off-1"]}) == 2


def test_the_knowledge_search_and_a_restart_on_both_stores(
        saraban: tuple[CorrespondenceApplication, TestClient], clock: Any) -> None:
    app, client = saraban
    titled = publish(client, "off-1", "คู่มือแผนปฏิบัติการ", "ขั้นตอนและปฏิทิน", ["คู่มือ"])
    body = publish(client, "off-2", "สรุปการอบรม", "การจัดทำแผนปฏิบัติการประจำปี", ["อบรม"])
    publish(client, "off-2", "การเบิกจ่าย", "ตามระเบียบ", ["งบ"])
    hits = every_item(client, "/knowledge-items/search", "off-1", q="แผนปฏิบัติการ", limit=1)
    assert [hit["knowledge_item_id"] for hit in hits] == [titled["knowledge_item_id"],
                                                          body["knowledge_item_id"]]
    assert every_item(client, "/knowledge-items/search", "off-1", q="ตา") == [], (
        "a short word only as a whole word")
    positions = {name: app.read_models.view.position(listing)
                 for name, listing in app.read_models.listings.items()}
    app.close()

    again, client = open_app(clock)
    try:
        assert {name: again.read_models.view.position(listing)
                for name, listing in again.read_models.listings.items()} == positions
        assert total(client, "/knowledge-items", status="published") == 3
        register(client, subject="หนังสือหลังเริ่มใหม่")
        assert total(client, "/registers/receiving/2569", q="หลังเริ่มใหม่") == 1
    finally:
        again.close()
