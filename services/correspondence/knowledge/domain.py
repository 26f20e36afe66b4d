"""Knowledge management (procedure 4): the group's knowledge items, from capture to publication.

The manual's steps: study and capture knowledge about the group's work, screen and store it (the
group director accepts or rejects, with a reason), exchange and publish it (with tags, so that it can
be found), and summarise and report. Searching the published items is a read model
(`knowledge.projections`).

Pure: the moment of each command (`at`) comes from the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from services.correspondence.domain import (
    CorrespondenceError,
    Forbidden,
    Officer,
    Role,
    WrongStep,
)
from shared.domain import Aggregate, NotFound, aware, event, required_text

MAX_TAGS = 20


class KnowledgeStep(StrEnum):
    captured = "captured"
    accepted = "accepted"
    rejected = "rejected"
    published = "published"


KNOWLEDGE_STEP_TH: dict[KnowledgeStep, str] = {
    KnowledgeStep.captured: "รวบรวมแล้ว รอผู้อำนวยการกลุ่มกลั่นกรอง",
    KnowledgeStep.accepted: "ผ่านการกลั่นกรองแล้ว รอเผยแพร่",
    KnowledgeStep.rejected: "ไม่ผ่านการกลั่นกรอง",
    KnowledgeStep.published: "เผยแพร่แล้ว",
}
CLOSED_KNOWLEDGE_STEPS = frozenset({KnowledgeStep.rejected, KnowledgeStep.published})


class TagsRequired(CorrespondenceError):
    code = "tags-required"
    title_th = "ต้องระบุคำสำคัญ (แท็ก) อย่างน้อยหนึ่งคำก่อนเผยแพร่"
    title_en = "A knowledge item is published with at least one tag"


class TooManyTags(CorrespondenceError):
    code = "too-many-tags"
    title_th = "คำสำคัญ (แท็ก) มากเกินกำหนด"
    title_en = "Too many tags"


class NotTheAuthor(CorrespondenceError, Forbidden):
    code = "not-the-author"
    title_th = "ต้องเป็นผู้รวบรวมองค์ความรู้นี้ หรือผู้อำนวยการกลุ่ม"
    title_en = "Only the item's author or a group director may do this"


class KnowledgeItemNotFound(CorrespondenceError, NotFound):
    code = "knowledge-item-not-found"
    title_th = "ไม่พบองค์ความรู้"
    title_en = "Knowledge item not found"


def normalise_tags(tags: Iterable[str]) -> list[str]:
    """Tags as people type them, made one per idea: trimmed, inner spaces collapsed, a leading
    `#` dropped, duplicates (ignoring case) removed, first spelling kept."""
    seen: dict[str, str] = {}
    for tag in tags:
        clean = " ".join(tag.strip().lstrip("#").split())
        if clean and clean.casefold() not in seen:
            seen[clean.casefold()] = clean
    if len(seen) > MAX_TAGS:
        raise TooManyTags(f"{len(seen)} tags, at most {MAX_TAGS}", field="tags")
    return list(seen.values())


class KnowledgeItem(Aggregate, stored_as="correspondence.KnowledgeItem"):
    """One piece of the group's knowledge: a lesson, a how-to, a summary of training."""

    @classmethod
    def capture(cls, *, by: Officer, title: str, body: str, tags: Iterable[str], source: str,
                at: datetime) -> KnowledgeItem:
        """A member of the group's staff captures an item; the group director screens it."""
        return cls(title=required_text(title, "title"), body=required_text(body, "body"),
                   tags=normalise_tags(tags), source=source.strip(), author_id=by.officer_id,
                   at=aware(at))

    @event("Captured")
    def __init__(self, *, title: str, body: str, tags: list[str], source: str, author_id: str,
                 at: datetime) -> None:
        self.title = title
        self.body = body
        self.tags = list(tags)
        self.source = source
        self.author_id = author_id
        self.captured_at = at
        self.step = KnowledgeStep.captured
        self.step_since = at
        self.screened_by: str | None = None
        self.screening_reason = ""
        self.published_by: str | None = None
        self.published_at: datetime | None = None

    def screen(self, *, by: Officer, accept: bool, reason: str, at: datetime) -> None:
        """The group director keeps the item (reason optional) or rejects it (reason required)."""
        self._require_step(KnowledgeStep.captured)
        if accept:
            self._accepted(screened_by=by.officer_id, reason=reason.strip(), at=aware(at))
        else:
            self._rejected(screened_by=by.officer_id, reason=required_text(reason, "reason"),
                           at=aware(at))

    def publish(self, *, by: Officer, tags: Iterable[str] | None = None, at: datetime) -> None:
        """Share the accepted item with the group; `tags` are added to those captured (at least
        one in all)."""
        self._require_step(KnowledgeStep.accepted)
        if not by.active or not (by.officer_id == self.author_id
                                 or by.has_role(Role.group_director)):
            raise NotTheAuthor(by.officer_id, officer_id=by.officer_id)
        final = normalise_tags([*self.tags, *(tags or ())])
        if not final:
            raise TagsRequired(field="tags")
        self._published(published_by=by.officer_id, tags=final, at=aware(at))

    # ---- queries ---------------------------------------------------------------------------------

    @property
    def step_th(self) -> str:
        return KNOWLEDGE_STEP_TH[self.step]

    @property
    def closed(self) -> bool:
        return self.step in CLOSED_KNOWLEDGE_STEPS

    @property
    def holder(self) -> str | None:
        if self.step == KnowledgeStep.captured:
            return Role.group_director.value
        return self.author_id if self.step == KnowledgeStep.accepted else None

    def _require_step(self, *allowed: KnowledgeStep) -> None:
        if self.step not in allowed:
            raise WrongStep(f"knowledge item is {self.step.value}", step=self.step.value,
                            step_th=self.step_th, expected=sorted(s.value for s in allowed))

    # ---- events ----------------------------------------------------------------------------------

    @event("Accepted")
    def _accepted(self, screened_by: str, reason: str, at: datetime) -> None:
        self.screened_by = screened_by
        self.screening_reason = reason
        self.step = KnowledgeStep.accepted
        self.step_since = at

    @event("Rejected")
    def _rejected(self, screened_by: str, reason: str, at: datetime) -> None:
        self.screened_by = screened_by
        self.screening_reason = reason
        self.step = KnowledgeStep.rejected
        self.step_since = at

    @event("Published")
    def _published(self, published_by: str, tags: list[str], at: datetime) -> None:
        self.published_by = published_by
        self.published_at = at
        self.tags = list(tags)
        self.step = KnowledgeStep.published
        self.step_since = at
