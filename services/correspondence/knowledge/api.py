"""HTTP API of knowledge management (procedure 4): capture, screen, publish, search, report."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query, Response

from services.correspondence.api import (
    _answer,
    add_step_route,
    add_summary_route,
    period_query,
)
from services.correspondence.application import CorrespondenceApplication
from services.correspondence.knowledge.domain import KnowledgeStep
from services.correspondence.knowledge.projections import SUMMARY_COLUMNS, summary_rows
from services.correspondence.knowledge.schemas import (
    KnowledgeItemIn,
    KnowledgeItemOut,
    PublishIn,
    ScreenIn,
    SearchHitOut,
)
from shared.http.conditional import Idempotency
from shared.http.context import Actor
from shared.http.paging import Page, Paging
from shared.http.reads import quick_read

TAG = "knowledge management (งานจัดการความรู้)"


def create_router(app: CorrespondenceApplication) -> APIRouter:
    knowledge = app.knowledge
    router = APIRouter(prefix="/knowledge-items", tags=[TAG])
    reports = APIRouter(tags=[TAG])

    @router.post("", status_code=201, response_model=KnowledgeItemOut,
                 summary="รวบรวมองค์ความรู้: capture a knowledge item (title, body, tags, source)")
    def capture(body: KnowledgeItemIn, actor: Actor, idem: Idempotency,
                response: Response) -> dict[str, Any]:
        result = knowledge.capture(title=body.title, body=body.body, tags=body.tags,
                                   source=body.source, idempotency=idem.for_body(body))
        response.headers["Location"] = f"/knowledge-items/{result['knowledge_item_id']}"
        return _answer(response, result)

    @router.get("", response_model=Page[KnowledgeItemOut],
                summary="องค์ความรู้ทั้งหมด, newest first (of one status, captured in a fiscal "
                        "year or between two dates)")
    @quick_read
    def list_items(paging: Paging, status: KnowledgeStep | None = None,
                   period: tuple[date, date] | None = period_query(app, default=False)
                   ) -> dict[str, Any]:
        return knowledge.list_items(paging, status=status, captured=period)

    @router.get("/search", response_model=Page[SearchHitOut],
                summary="ค้นหาองค์ความรู้: Thai word search over published items, titles first")
    def search(paging: Paging,
               q: str = Query(min_length=1, max_length=200, description="คำค้น")) -> dict[str, Any]:
        return knowledge.search(q, paging)

    @router.get("/{knowledge_item_id}", response_model=KnowledgeItemOut)
    def get_item(knowledge_item_id: UUID, response: Response) -> dict[str, Any]:
        return _answer(response, knowledge.summary(knowledge_item_id))

    add_step_route(router, "/{knowledge_item_id}/screen", id_name="knowledge_item_id",
                   summary="กลั่นกรอง: the group director accepts or rejects (with reason)",
                   body_model=ScreenIn, response_model=KnowledgeItemOut,
                   command=lambda i, b, v, k: knowledge.screen(
                       i, accept=b.accept, reason=b.reason, expected_version=v, idempotency=k))
    add_step_route(router, "/{knowledge_item_id}/publish", id_name="knowledge_item_id",
                   summary="เผยแพร่: share the accepted item, with its tags",
                   body_model=PublishIn, response_model=KnowledgeItemOut,
                   command=lambda i, b, v, k: knowledge.publish(
                       i, tags=b.tags, expected_version=v, idempotency=k))

    add_summary_route(reports, app, "/reports/knowledge", name="knowledge_report",
                      summary="สรุปผลการจัดการความรู้: by status, tag, author and month of a period",
                      file_stem="knowledge-summary", report=knowledge.report, rows=summary_rows,
                      columns=SUMMARY_COLUMNS)

    root = APIRouter()
    root.include_router(router)
    root.include_router(reports)
    return root
