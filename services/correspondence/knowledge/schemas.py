"""Request and response models of knowledge management (procedure 4)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field

from services.correspondence.schemas import Model, ShortText, Text

Tag = Annotated[str, Field(min_length=1, max_length=60)]


class KnowledgeItemIn(Model):
    """รวบรวมองค์ความรู้"""

    title: Text = Field(min_length=1, description="ชื่อเรื่อง")
    body: str = Field(min_length=1, max_length=200_000, description="เนื้อหา")
    tags: list[Tag] = Field(default_factory=list, max_length=20, description="คำสำคัญ")
    source: ShortText = Field(default="", description="แหล่งที่มา")


class ScreenIn(Model):
    accept: bool = Field(description="true: ผ่านการกลั่นกรอง; false: ไม่ผ่าน (reason required)")
    reason: Text = ""


class PublishIn(Model):
    tags: list[Tag] | None = Field(default=None, max_length=20,
                                   description="tags added to those captured (none: the "
                                               "captured ones)")


class KnowledgeItemOut(BaseModel):
    knowledge_item_id: UUID
    version: int
    title: str
    body: str
    tags: list[str]
    source: str
    author_id: str
    author_name_th: str | None
    captured_at: datetime
    step: str
    step_th: str
    holder: str | None
    step_since: datetime
    screened_by: str | None
    screening_reason: str
    published_by: str | None
    published_at: datetime | None


class MatchScoreOut(BaseModel):
    title: int
    tags: int
    body: int


class SearchHitOut(KnowledgeItemOut):
    score: MatchScoreOut
