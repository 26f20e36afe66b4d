"""HTTP API of the group's news (procedure 2, step 5.3): staff draft, propose, approve, publish and
withdraw under `/news-items`; anyone reads what is published under `/news` (no token: the office's
web page and other agencies' sites), as JSON or as an Atom feed."""

from __future__ import annotations

from typing import Annotated, Any
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
from shared.http.paging import Page, PageRequest, Paging
from shared.http.reads import quick_read

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

    @staff.get("", response_model=Page[NewsItemOut],
               summary="ข่าวทุกสถานะ (ร่าง รอพิจารณา เผยแพร่ ถอน), newest draft first")
    @quick_read
    def list_items(
        paging: Paging, status: NewsStep | None = None,
        year_be: Annotated[int | None, Query(ge=2400, le=2800,
                                             description="The BE year it was drafted in")] = None,
    ) -> dict[str, Any]:
        return news.list_items(paging, status=status, year_be=year_be)

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

    @public.get("", openapi_extra=PUBLIC, response_model=Page[PublicNewsOut],
                summary="ข่าวประชาสัมพันธ์: the published news, newest first (public)")
    @quick_read
    def public_list(paging: Paging) -> dict[str, Any]:
        return news.public_list(paging)

    @public.get("/feed.xml", openapi_extra=PUBLIC, response_class=Response,
                summary="ข่าวประชาสัมพันธ์ as an Atom feed for other sites, newest first, "
                        f"{FEED_SIZE} a page; a page links the next (RFC 5005) (public)",
                responses={200: {"content": {"application/atom+xml": {}}}})
    def feed(request: Request, response: Response,
             cursor: Annotated[str | None, Query(max_length=2000,
                                                 description="The next page's cursor")] = None,
             ) -> Response:
        paging = PageRequest(request, response, FEED_SIZE, cursor)
        page = news.public_list(paging)
        body = atom_feed(page["items"], base_url=str(request.base_url),
                         office_name_th=app.settings.office_name_th, now=app.clock(),
                         next_cursor=page["next_cursor"])
        return Response(body, media_type=ATOM_TYPE, headers=dict(response.headers))

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
