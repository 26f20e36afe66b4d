"""HTTP API of the group's news (procedure 2, step 5.3): staff draft, propose, approve, publish and
withdraw under `/news-items`; anyone reads what is published under `/news` (no token: the office's
web page and other agencies' sites), as JSON or as an Atom feed."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from services.correspondence.api import _answer, add_step_route, add_summary_route
from services.correspondence.application import CorrespondenceApplication, NewFile
from services.correspondence.news.domain import NewsLink, NewsStep
from services.correspondence.news.projections import (
    FEED_SIZE,
    SUMMARY_COLUMNS,
    atom_feed,
    summary_rows,
)
from services.correspondence.news.schemas import (
    ApproveNewsIn,
    ImageIn,
    LinkIn,
    NewsItemIn,
    NewsItemOut,
    PublicNewsOut,
    PublishNewsIn,
    ReasonIn,
    ReviseIn,
    SubmitNewsIn,
)
from shared.auth import PUBLIC
from shared.http.conditional import Idempotency
from shared.http.context import Actor

TAG = "news (ประชาสัมพันธ์ข่าวสารผลการดำเนินงาน)"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
PICTURE_MAX_AGE = 300  # seconds


def _links(links: list[LinkIn]) -> list[NewsLink]:
    return [NewsLink(kind=link.kind, ref=link.ref, label=link.label) for link in links]


def _image(image: ImageIn | None) -> NewFile | None:
    return NewFile(image.name, image.media_type, image.content()) if image else None


def create_router(app: CorrespondenceApplication) -> APIRouter:
    news = app.news
    staff = APIRouter(prefix="/news-items", tags=[TAG])
    public = APIRouter(prefix="/news", tags=[TAG])
    reports = APIRouter(tags=[TAG])

    @staff.post("", status_code=201, response_model=NewsItemOut,
                summary="ร่างข่าว: draft a news item of the group's work (Thai title and text)")
    def draft(body: NewsItemIn, actor: Actor, idem: Idempotency,
              response: Response) -> dict[str, Any]:
        result = news.draft(title=body.title, body=body.body, summary=body.summary,
                            links=_links(body.links), image=_image(body.image),
                            idempotency=idem.for_body(body))
        response.headers["Location"] = f"/news-items/{result['news_item_id']}"
        return _answer(response, result)

    @staff.get("", response_model=list[NewsItemOut],
               summary="ข่าวทุกสถานะ (ร่าง รอพิจารณา เผยแพร่ ถอน), newest draft first")
    def list_items(status: NewsStep | None = None) -> list[dict[str, Any]]:
        return news.list_items(status)

    @staff.get("/{news_item_id}", response_model=NewsItemOut)
    def get_item(news_item_id: UUID, response: Response) -> dict[str, Any]:
        return _answer(response, news.summary(news_item_id))

    add_step_route(staff, "/{news_item_id}/revise", id_name="news_item_id",
                   summary="แก้ไขร่างข่าว: the author rewrites a draft or a returned item",
                   body_model=ReviseIn, response_model=NewsItemOut,
                   command=lambda i, b, v, k: news.revise(
                       i, title=b.title, body=b.body, summary=b.summary, links=_links(b.links),
                       image=_image(b.image), remove_image=b.remove_image, expected_version=v,
                       idempotency=k))
    add_step_route(staff, "/{news_item_id}/submit", id_name="news_item_id",
                   summary="เสนอผู้อำนวยการกลุ่ม: the author proposes the item to a group director",
                   body_model=SubmitNewsIn, response_model=NewsItemOut,
                   command=lambda i, b, v, k: news.submit(
                       i, checker_id=b.checker_id, expected_version=v, idempotency=k))
    add_step_route(staff, "/{news_item_id}/approve", id_name="news_item_id",
                   summary="เห็นชอบ: the group director it was put to approves it",
                   body_model=ApproveNewsIn, response_model=NewsItemOut,
                   command=lambda i, b, v, k: news.approve(
                       i, comments=b.comments, expected_version=v, idempotency=k))
    add_step_route(staff, "/{news_item_id}/return", id_name="news_item_id",
                   summary="ส่งกลับแก้ไข: the group director returns it, with the reason",
                   body_model=ReasonIn, response_model=NewsItemOut,
                   command=lambda i, b, v, k: news.return_for_revision(
                       i, reason=b.reason, expected_version=v, idempotency=k))
    add_step_route(staff, "/{news_item_id}/publish", id_name="news_item_id",
                   summary="เผยแพร่: publish the approved item on the web page and feed",
                   body_model=PublishNewsIn, response_model=NewsItemOut,
                   command=lambda i, b, v, k: news.publish(
                       i, expected_version=v, idempotency=k))
    add_step_route(staff, "/{news_item_id}/withdraw", id_name="news_item_id",
                   summary="ถอนการเผยแพร่: take a published item off the public list, with the reason",
                   body_model=ReasonIn, response_model=NewsItemOut,
                   command=lambda i, b, v, k: news.withdraw(
                       i, reason=b.reason, expected_version=v, idempotency=k))

    @public.get("", openapi_extra=PUBLIC, response_model=list[PublicNewsOut],
                summary="ข่าวประชาสัมพันธ์: the published news, newest first (public)")
    def public_list(limit: int = Query(default=20, ge=1, le=100)) -> list[dict[str, Any]]:
        return news.public_list(limit)

    @public.get("/feed.xml", openapi_extra=PUBLIC, response_class=Response,
                summary="ข่าวประชาสัมพันธ์ as an Atom feed for other sites (public)",
                responses={200: {"content": {"application/atom+xml": {}}}})
    def feed(request: Request) -> Response:
        body = atom_feed(news.published(limit=FEED_SIZE), base_url=str(request.base_url),
                         office_name_th=app.settings.office_name_th, now=app.clock())
        return Response(body, media_type=ATOM_TYPE)

    @public.get("/{news_item_id}", openapi_extra=PUBLIC, response_model=PublicNewsOut,
                summary="One published news item (public)")
    def public_item(news_item_id: UUID) -> dict[str, Any]:
        return news.public_summary(news_item_id)

    @public.get("/{news_item_id}/image", openapi_extra=PUBLIC, response_class=Response,
                summary="The published item's picture (public)",
                responses={200: {"content": {"image/*": {}}}})
    def public_image(news_item_id: UUID) -> Response:
        image, content = news.image(news_item_id)
        # Short-lived, so a withdrawn item's picture leaves caches soon after the item does.
        return Response(content, media_type=image.media_type,
                        headers={"Cache-Control": f"public, max-age={PICTURE_MAX_AGE}",
                                 "X-Content-Type-Options": "nosniff"})

    add_summary_route(reports, app, "/reports/news", name="news_report",
                      summary="สรุปผลการประชาสัมพันธ์: news published per month of a period",
                      file_stem="news-summary", report=news.report, rows=summary_rows,
                      columns=SUMMARY_COLUMNS)

    root = APIRouter()
    root.include_router(staff)
    root.include_router(public)
    root.include_router(reports)
    return root
