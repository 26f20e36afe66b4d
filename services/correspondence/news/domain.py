"""News of the group's work (procedure 2, the manual's step 5.3): ประชาสัมพันธ์เผยแพร่ข้อมูลข่าวสาร
และผลงานของกลุ่มนโยบายและแผนให้ครูและบุคลากรทางการศึกษาและประชาชนทั่วไปทราบ.

An officer drafts a news item and revises it while it is a draft; proposes it to a named group
director, who approves it or returns it with a reason (as often as it takes; every round is kept);
the approved item is published on the office's web page and feed, and may later be withdrawn with
a reason (it stays in the history, gone from the public list).

Pure: the moment of each command (`at`) comes from the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from services.correspondence.domain import (
    Attachment,
    CorrespondenceError,
    Forbidden,
    NotAGroupDirector,
    Officer,
    Role,
    WrongStep,
    _require_role,
)
from shared.domain import Aggregate, Conflict, NotFound, aware, event, required_text

MAX_LINKS = 10
IMAGE_MEDIA_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


class NewsStep(StrEnum):
    draft = "draft"
    in_review = "in_review"
    returned = "returned"
    approved = "approved"
    published = "published"
    withdrawn = "withdrawn"


NEWS_STEP_TH: dict[NewsStep, str] = {
    NewsStep.draft: "ร่างข่าว",
    NewsStep.in_review: "เสนอผู้อำนวยการกลุ่มพิจารณา",
    NewsStep.returned: "ส่งกลับให้แก้ไข",
    NewsStep.approved: "ผู้อำนวยการกลุ่มเห็นชอบแล้ว รอเผยแพร่",
    NewsStep.published: "เผยแพร่แล้ว",
    NewsStep.withdrawn: "ถอนการเผยแพร่แล้ว",
}
CLOSED_NEWS_STEPS = frozenset({NewsStep.published, NewsStep.withdrawn})
EDITABLE_NEWS_STEPS = (NewsStep.draft, NewsStep.returned)


class LinkKind(StrEnum):
    document = "document"
    meeting = "meeting"
    project = "project"
    url = "url"


LINK_KIND_TH: dict[LinkKind, str] = {
    LinkKind.document: "หนังสือราชการ",
    LinkKind.meeting: "การประชุม",
    LinkKind.project: "โครงการ",
    LinkKind.url: "เว็บไซต์",
}


class NewsLink(BaseModel):
    """What the news is about: a document or meeting of this service (by id), a project (by
    name) or a web page."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: LinkKind
    ref: str
    label: str = ""


@dataclass
class NewsReview:
    """One proposal of the item to a group director, and what the director decided."""

    number: int
    submitted_by: str
    submitted_at: datetime
    checker_id: str
    decided_at: datetime | None = None
    approved: bool | None = None
    comments: str = ""


# ---- errors -----------------------------------------------------------------------------------------


class InvalidNewsLink(CorrespondenceError):
    code = "invalid-news-link"
    title_th = "ลิงก์ที่เกี่ยวข้องไม่ถูกต้อง"
    title_en = "A related link is not valid"


class TooManyNewsLinks(CorrespondenceError):
    code = "too-many-news-links"
    title_th = "ลิงก์ที่เกี่ยวข้องมากเกินกำหนด"
    title_en = "Too many related links"


class NotAnImage(CorrespondenceError):
    code = "not-an-image"
    title_th = "ภาพประกอบข่าวต้องเป็นไฟล์ภาพ (JPEG, PNG, GIF หรือ WebP)"
    title_en = "A news image is a JPEG, PNG, GIF or WebP picture"


class NotTheNewsAuthor(CorrespondenceError, Forbidden):
    code = "not-the-news-author"
    title_th = "ต้องเป็นผู้จัดทำข่าวนี้ หรือผู้อำนวยการกลุ่ม"
    title_en = "Only the news item's author (or a group director) may do this"


class OwnNewsCheck(CorrespondenceError, Forbidden):
    code = "own-news-check"
    title_th = "ผู้จัดทำข่าวพิจารณาเห็นชอบข่าวของตนเองไม่ได้ ต้องเสนอผู้อำนวยการกลุ่มท่านอื่น"
    title_en = "The author may not approve their own news item; another group director checks it"


class NewsPutToAnother(CorrespondenceError, Forbidden):
    code = "news-put-to-another"
    title_th = "ข่าวนี้เสนอผู้อำนวยการกลุ่มท่านอื่นพิจารณา"
    title_en = "The news item was put to another group director"


class NewsNotEditable(CorrespondenceError, Conflict):
    code = "news-not-editable"
    title_th = "แก้ไขหรือเสนอข่าวได้เฉพาะเมื่อเป็นร่างหรือถูกส่งกลับให้แก้ไข"
    title_en = "A news item is revised or submitted only as a draft or when returned"


class NewsNotApproved(CorrespondenceError, Conflict):
    code = "news-not-approved"
    title_th = "ข่าวยังไม่ได้รับความเห็นชอบจากผู้อำนวยการกลุ่ม จึงเผยแพร่ไม่ได้"
    title_en = "Only a news item the group director approved may be published"


class NewsNotPublished(CorrespondenceError, Conflict):
    code = "news-not-published"
    title_th = "ข่าวยังไม่ได้เผยแพร่ จึงถอนการเผยแพร่ไม่ได้"
    title_en = "Only a published news item may be withdrawn"


class NewsAlreadyWithdrawn(CorrespondenceError, Conflict):
    code = "news-already-withdrawn"
    title_th = "ข่าวนี้ถอนการเผยแพร่แล้ว"
    title_en = "The news item is already withdrawn"


class NewsItemNotFound(CorrespondenceError, NotFound):
    code = "news-item-not-found"
    title_th = "ไม่พบข่าว"
    title_en = "News item not found"


def tidy_links(links: Iterable[NewsLink]) -> list[NewsLink]:
    """The links as stored: trimmed, ids as canonical UUIDs, web pages http(s) only, no repeats."""
    tidy: dict[tuple[LinkKind, str], NewsLink] = {}
    for link in links:
        ref = required_text(link.ref, "links.ref")
        if link.kind in (LinkKind.document, LinkKind.meeting):
            try:
                ref = str(UUID(ref))
            except ValueError as error:
                raise InvalidNewsLink(f"{ref!r} is not a {link.kind.value} id",
                                      field="links.ref") from error
        if link.kind == LinkKind.url and not ref.lower().startswith(("https://", "http://")):
            raise InvalidNewsLink(f"{ref!r} is not an http(s) address", field="links.ref")
        tidy.setdefault((link.kind, ref), NewsLink(kind=link.kind, ref=ref,
                                                   label=" ".join(link.label.split())))
    if len(tidy) > MAX_LINKS:
        raise TooManyNewsLinks(f"{len(tidy)} links, at most {MAX_LINKS}", field="links")
    return list(tidy.values())


def check_image(image: Attachment | None) -> Attachment | None:
    if image is not None and image.media_type.lower() not in IMAGE_MEDIA_TYPES:
        raise NotAnImage(f"{image.media_type} is not a picture", field="image.media_type")
    return image


def picture_type(content: bytes) -> str | None:
    """The media type the file's leading bytes show, of the pictures a news item may carry."""
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_image_content(media_type: str, content: bytes) -> None:
    """The picture is what it says it is: the public image route serves it under the declared
    type, so a page or script uploaded as "image/png" must never get there."""
    found = picture_type(content)
    if found != media_type.lower():
        raise NotAnImage(f"declared {media_type}, the file is {found or 'not a picture'}",
                         field="image.content_base64")


class NewsItem(Aggregate, stored_as="correspondence.NewsItem"):
    """One piece of news of the group's work, from draft to the office's web page."""

    @classmethod
    def draft(cls, *, by: Officer, title: str, body: str, summary: str = "",
              links: Iterable[NewsLink] = (), image: Attachment | None = None,
              at: datetime) -> NewsItem:
        """A member of the group's staff drafts news; a group director approves it."""
        return cls(title=required_text(title, "title"), body=required_text(body, "body"),
                   summary=summary.strip(), links=tidy_links(links), image=check_image(image),
                   author_id=by.officer_id, at=aware(at))

    @event("Drafted")
    def __init__(self, *, title: str, body: str, summary: str, links: list[NewsLink],
                 image: Attachment | None, author_id: str, at: datetime) -> None:
        self.title = title
        self.body = body
        self.summary = summary
        self.links = list(links)
        self.image = image
        self.author_id = author_id
        self.drafted_at = at
        self.revision = 1
        self.step = NewsStep.draft
        self.step_since = at
        self.reviews: list[NewsReview] = []
        self.published_by: str | None = None
        self.published_at: datetime | None = None
        self.withdrawn_by: str | None = None
        self.withdrawn_at: datetime | None = None
        self.withdrawal_reason = ""

    # ---- commands --------------------------------------------------------------------------------

    def revise(self, *, by: Officer, title: str, body: str, summary: str,
               links: Iterable[NewsLink], image: Attachment | None, at: datetime) -> None:
        """The author rewrites the draft (or the returned item); `image` is the picture kept."""
        self._require_editable()
        self._require_author(by, directors_too=False)
        self._revised(title=required_text(title, "title"), body=required_text(body, "body"),
                      summary=summary.strip(), links=tidy_links(links), image=check_image(image),
                      revision=self.revision + 1, at=aware(at))

    def submit(self, *, by: Officer, checker: Officer, at: datetime) -> None:
        """The author proposes the item to a named group director (again, after a return)."""
        self._require_editable()
        self._require_author(by, directors_too=False)
        _require_role(checker, Role.group_director, NotAGroupDirector)
        self._require_not_author(checker)
        self._submitted(round_no=len(self.reviews) + 1, officer_id=by.officer_id,
                        checker_id=checker.officer_id, at=aware(at))

    def approve(self, *, by: Officer, comments: str = "", at: datetime) -> None:
        """The group director it was put to approves it for publication; never its author (the
        decision rights' separation of duties: an item put to its author before that was refused
        can still be returned, so it is not stuck)."""
        self._require_checker(by)
        self._approved(round_no=self._round.number, checker_id=by.officer_id,
                       comments=comments.strip(), at=aware(at))

    def return_for_revision(self, *, by: Officer, reason: str, at: datetime) -> None:
        """The group director it was put to sends it back to the author, saying why."""
        self._require_checker(by)
        self._returned(round_no=self._round.number, checker_id=by.officer_id,
                       reason=required_text(reason, "reason"), at=aware(at))

    def publish(self, *, by: Officer, at: datetime) -> None:
        """Put the approved item on the office's web page and feed."""
        if self.step in CLOSED_NEWS_STEPS:
            raise WrongStep(f"news item is {self.step.value}", step=self.step.value,
                            step_th=self.step_th, expected=[NewsStep.approved.value])
        if self.step != NewsStep.approved:
            raise NewsNotApproved(f"news item is {self.step.value}", step=self.step.value,
                                  step_th=self.step_th)
        self._require_author(by, directors_too=True)
        self._published(published_by=by.officer_id, at=aware(at))

    def withdraw(self, *, by: Officer, reason: str, at: datetime) -> None:
        """Take a published item off the public list, saying why; its history stays."""
        if self.step == NewsStep.withdrawn:
            raise NewsAlreadyWithdrawn(f"withdrawn {self.withdrawn_at}")
        if self.step != NewsStep.published:
            raise NewsNotPublished(f"news item is {self.step.value}", step=self.step.value,
                                   step_th=self.step_th)
        self._require_author(by, directors_too=True)
        self._withdrawn(withdrawn_by=by.officer_id, reason=required_text(reason, "reason"),
                        at=aware(at))

    # ---- queries ---------------------------------------------------------------------------------

    @property
    def step_th(self) -> str:
        return NEWS_STEP_TH[self.step]

    @property
    def closed(self) -> bool:
        return self.step in CLOSED_NEWS_STEPS

    @property
    def is_public(self) -> bool:
        return self.step == NewsStep.published

    @property
    def holder(self) -> str | None:
        if self.step == NewsStep.in_review:
            return self._round.checker_id
        if self.step in (*EDITABLE_NEWS_STEPS, NewsStep.approved):
            return self.author_id
        return None

    # ---- guards ----------------------------------------------------------------------------------

    @property
    def _round(self) -> NewsReview:
        assert self.reviews, "a review step without a round"
        return self.reviews[-1]

    def _require_editable(self) -> None:
        if self.step not in EDITABLE_NEWS_STEPS:
            raise NewsNotEditable(f"news item is {self.step.value}", step=self.step.value,
                                  step_th=self.step_th)

    def _require_author(self, by: Officer, *, directors_too: bool) -> None:
        allowed = by.officer_id == self.author_id or (directors_too
                                                      and by.has_role(Role.group_director))
        if not by.active or not allowed:
            raise NotTheNewsAuthor(f"drafted by {self.author_id}", officer_id=by.officer_id)

    def _require_checker(self, by: Officer) -> None:
        if self.step != NewsStep.in_review:
            raise WrongStep(f"news item is {self.step.value}", step=self.step.value,
                            step_th=self.step_th, expected=[NewsStep.in_review.value])
        if by.officer_id != self._round.checker_id:
            raise NewsPutToAnother(f"put to {self._round.checker_id}", officer_id=by.officer_id,
                                   named=self._round.checker_id)

    def _require_not_author(self, checker: Officer) -> None:
        if checker.officer_id == self.author_id:
            raise OwnNewsCheck(f"drafted by {self.author_id}", officer_id=checker.officer_id)

    # ---- events (state changes only: these bodies run again on every replay) ---------------------

    @event("Revised")
    def _revised(self, title: str, body: str, summary: str, links: list[NewsLink],
                 image: Attachment | None, revision: int, at: datetime) -> None:
        self.title, self.body, self.summary = title, body, summary
        self.links = list(links)
        self.image = image
        self.revision = revision

    @event("Submitted")
    def _submitted(self, round_no: int, officer_id: str, checker_id: str, at: datetime) -> None:
        self.reviews.append(NewsReview(number=round_no, submitted_by=officer_id,
                                       submitted_at=at, checker_id=checker_id))
        self._move(NewsStep.in_review, at)

    @event("Approved")
    def _approved(self, round_no: int, checker_id: str, comments: str, at: datetime) -> None:
        review = self.reviews[round_no - 1]
        review.decided_at, review.approved, review.comments = at, True, comments
        self._move(NewsStep.approved, at)

    @event("Returned")
    def _returned(self, round_no: int, checker_id: str, reason: str, at: datetime) -> None:
        review = self.reviews[round_no - 1]
        review.decided_at, review.approved, review.comments = at, False, reason
        self._move(NewsStep.returned, at)

    @event("Published")
    def _published(self, published_by: str, at: datetime) -> None:
        self.published_by = published_by
        self.published_at = at
        self._move(NewsStep.published, at)

    @event("Withdrawn")
    def _withdrawn(self, withdrawn_by: str, reason: str, at: datetime) -> None:
        self.withdrawn_by = withdrawn_by
        self.withdrawn_at = at
        self.withdrawal_reason = reason
        self._move(NewsStep.withdrawn, at)

    def _move(self, step: NewsStep, at: datetime) -> None:
        self.step = step
        self.step_since = at
