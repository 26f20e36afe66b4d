"""Request and response models of the group's news (procedure 2, step 5.3)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from services.correspondence.news.domain import LinkKind
from services.correspondence.schemas import FileIn, Model, OfficerId, ShortText, Text

MAX_BODY = 50_000


class LinkIn(Model):
    kind: LinkKind = Field(description="document / meeting (their id), project (its name), url")
    ref: ShortText = Field(min_length=1, description="id, project name or http(s) address")
    label: ShortText = Field(default="", description="ข้อความที่แสดง")


class ImageIn(FileIn):
    """ภาพประกอบข่าว: JPEG, PNG, GIF or WebP."""

    media_type: ShortText = Field(min_length=1, description="image/jpeg, image/png, ...")


class NewsItemIn(Model):
    """ร่างข่าวประชาสัมพันธ์"""

    title: ShortText = Field(min_length=1, description="หัวข้อข่าว")
    body: str = Field(min_length=1, max_length=MAX_BODY, description="เนื้อหาข่าว")
    summary: Text = Field(default="", description="สรุปย่อ (shown in the list and the feed)")
    links: list[LinkIn] = Field(default_factory=list, max_length=10,
                                description="เรื่องที่เกี่ยวข้อง: หนังสือ การประชุม โครงการ เว็บไซต์")
    image: ImageIn | None = Field(default=None, description="ภาพประกอบ (optional)")


class ReviseIn(NewsItemIn):
    remove_image: bool = Field(default=False,
                               description="drop the picture (kept when `image` is omitted)")


class SubmitNewsIn(Model):
    checker_id: OfficerId = Field(description="the group director asked to approve")


class ApproveNewsIn(Model):
    comments: Text = ""


class ReasonIn(Model):
    reason: Text = Field(min_length=1, description="เหตุผล")


class PublishNewsIn(Model):
    """Nothing to say: the approved item is published as approved."""


class LinkOut(BaseModel):
    kind: str
    kind_th: str
    ref: str
    label: str


class ImageOut(BaseModel):
    name: str
    media_type: str
    size: int
    url: str


class PublicNewsOut(BaseModel):
    """ข่าวประชาสัมพันธ์ as the office's web page shows it."""

    news_item_id: UUID
    title: str
    summary: str
    body: str
    links: list[LinkOut]
    image: ImageOut | None
    published_at: datetime | None = Field(description="Bangkok time (+07:00)")
    published_date_th: str | None = Field(description="วันที่เผยแพร่ (พ.ศ.)")
    published_at_th: str | None


class ReviewOut(BaseModel):
    round: int
    submitted_by: str
    submitted_at: datetime
    checker_id: str
    checker_name_th: str | None
    decided_at: datetime | None
    approved: bool | None
    comments: str


class NewsItemOut(PublicNewsOut):
    version: int
    author_id: str
    author_name_th: str | None
    drafted_at: datetime
    revision: int
    step: str
    step_th: str
    holder: str | None
    holder_name_th: str | None
    step_since: datetime
    reviews: list[ReviewOut]
    published_by: str | None
    withdrawn_by: str | None
    withdrawn_at: datetime | None
    withdrawal_reason: str
