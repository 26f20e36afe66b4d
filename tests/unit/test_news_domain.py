"""News of the group's work (procedure 2, step 5.3): the news item's rules (given/when/then), the
monthly summary and the Atom feed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from xml.etree import ElementTree

from test_correspondence_domain import (
    CLERK,
    DIRECTOR,
    OFFICER,
    OTHER_OFFICER,
    UNCLEARED_DIRECTOR,
    given,
    names,
    refused,
    then_events,
)

from services.correspondence.domain import Attachment
from services.correspondence.news.domain import LinkKind, NewsItem, NewsLink, NewsStep, tidy_links
from services.correspondence.news.projections import (
    atom_feed,
    news_entry,
    news_summary,
    public_view,
    summary_rows,
)

T0 = datetime(2026, 10, 30, 2, 0, tzinfo=UTC)  # 30 Oct 2026, 09:00 in Bangkok
DOC_ID = "8d5a3a4e-4c43-4f7e-9a57-6d2b1f0c9e11"
PICTURE = Attachment(name="อบรม.jpg", media_type="image/jpeg", sha256="a" * 64, size=1024)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def drafted(**overrides: Any) -> NewsItem:
    fields: dict[str, Any] = dict(
        by=OFFICER, title="กลุ่มนโยบายและแผนจัดประชุมเชิงปฏิบัติการจัดทำแผนปฏิบัติการ",
        body="วันที่ 30 ตุลาคม 2569 กลุ่มนโยบายและแผนจัดประชุมเชิงปฏิบัติการ ...",
        summary="ประชุมเชิงปฏิบัติการจัดทำแผนปฏิบัติการประจำปีงบประมาณ 2570",
        links=[NewsLink(kind=LinkKind.project, ref="โครงการจัดทำแผนปฏิบัติการ")], at=T0)
    fields.update(overrides)
    return given(NewsItem.draft(**fields))


def approved(**overrides: Any) -> NewsItem:
    item = drafted(**overrides)
    item.submit(by=OFFICER, checker=DIRECTOR, at=at(1))
    item = given(item)
    item.approve(by=DIRECTOR, at=at(2))
    return given(item)


def published(hours: float = 3, **overrides: Any) -> NewsItem:
    item = approved(**overrides)
    item.publish(by=OFFICER, at=at(hours))
    return given(item)


class TestDrafting:
    def test_a_draft_stays_with_its_author_until_proposed(self) -> None:
        item = NewsItem.draft(by=CLERK, title=" ข่าวกลุ่ม ", body="เนื้อหา", at=T0,
                              links=[NewsLink(kind=LinkKind.document, ref=DOC_ID.upper()),
                                     NewsLink(kind=LinkKind.document, ref=DOC_ID)],
                              image=PICTURE)
        assert names(then_events(item)) == ["Drafted"]
        item = given(item)
        assert (item.step, item.holder, item.title, item.image) == (
            NewsStep.draft, CLERK.officer_id, "ข่าวกลุ่ม", PICTURE)
        assert [link.ref for link in item.links] == [DOC_ID], "one link per record"
        assert not item.is_public

    def test_title_and_body_are_required(self) -> None:
        with refused("field-required", 422):
            drafted(title="  ")
        with refused("field-required", 422):
            drafted(body="")

    def test_links_and_pictures_are_checked(self) -> None:
        with refused("invalid-news-link", 422):
            tidy_links([NewsLink(kind=LinkKind.url, ref="javascript:alert(1)")])
        with refused("invalid-news-link", 422):
            tidy_links([NewsLink(kind=LinkKind.meeting, ref="ประชุมครั้งที่ 1")])
        with refused("too-many-news-links", 422):
            tidy_links([NewsLink(kind=LinkKind.project, ref=f"โครงการ {i}") for i in range(11)])
        with refused("not-an-image", 422):
            drafted(image=PICTURE.model_copy(update={"media_type": "application/pdf"}))

    def test_the_author_revises_a_draft_and_nobody_else_does(self) -> None:
        item = drafted(image=PICTURE)
        item.revise(by=OFFICER, title="หัวข้อใหม่", body="เนื้อหาใหม่", summary="", links=[],
                    image=None, at=at(1))
        assert names(then_events(item)) == ["Revised"]
        item = given(item)
        assert (item.title, item.revision, item.image, item.links) == ("หัวข้อใหม่", 2, None, [])
        with refused("not-the-news-author", 403):
            item.revise(by=OTHER_OFFICER, title="x", body="y", summary="", links=[], image=None,
                        at=at(2))


class TestReview:
    def test_returned_with_a_reason_then_approved_every_round_kept(self) -> None:
        item = drafted()
        item.submit(by=OFFICER, checker=DIRECTOR, at=at(1))
        assert names(then_events(item)) == ["Submitted"]
        item = given(item)
        assert (item.step, item.holder) == (NewsStep.in_review, DIRECTOR.officer_id)
        with refused("news-not-editable", 409):
            item.revise(by=OFFICER, title="x", body="y", summary="", links=[], image=None,
                        at=at(1))
        with refused("field-required", 422):
            item.return_for_revision(by=DIRECTOR, reason=" ", at=at(2))
        item.return_for_revision(by=DIRECTOR, reason="เพิ่มภาพกิจกรรม", at=at(2))
        item = given(item)
        assert (item.step, item.holder) == (NewsStep.returned, OFFICER.officer_id)
        item.revise(by=OFFICER, title=item.title, body="เนื้อหาพร้อมภาพ", summary="", links=[],
                    image=PICTURE, at=at(3))
        item.submit(by=OFFICER, checker=DIRECTOR, at=at(4))
        item.approve(by=DIRECTOR, comments="เห็นชอบ", at=at(5))
        assert names(then_events(item)) == ["Revised", "Submitted", "Approved"]
        item = given(item)
        assert item.step == NewsStep.approved
        assert [(r.number, r.approved, r.comments) for r in item.reviews] == [
            (1, False, "เพิ่มภาพกิจกรรม"), (2, True, "เห็นชอบ")]

    def test_only_the_named_group_director_decides(self) -> None:
        item = drafted()
        with refused("not-a-group-director", 403):
            item.submit(by=OFFICER, checker=OTHER_OFFICER, at=at(1))
        with refused("not-the-news-author", 403):
            item.submit(by=OTHER_OFFICER, checker=DIRECTOR, at=at(1))
        item.submit(by=OFFICER, checker=DIRECTOR, at=at(1))
        item = given(item)
        with refused("news-put-to-another", 403):
            item.approve(by=OFFICER, at=at(2))
        with refused("news-put-to-another", 403):
            item.approve(by=UNCLEARED_DIRECTOR, at=at(2))
        with refused("wrong-step", 409):
            drafted().approve(by=DIRECTOR, at=at(2))

    def test_a_group_director_does_not_check_their_own_item(self) -> None:
        item = drafted(by=DIRECTOR)
        with refused("own-news-check", 403):
            item.submit(by=DIRECTOR, checker=DIRECTOR, at=at(1))
        assert then_events(item) == []
        item.submit(by=DIRECTOR, checker=UNCLEARED_DIRECTOR, at=at(1))
        item = given(item)
        with refused("news-put-to-another", 403):
            item.approve(by=DIRECTOR, at=at(2))
        item.approve(by=UNCLEARED_DIRECTOR, at=at(2))
        assert names(then_events(item)) == ["Approved"]


class TestPublishing:
    def test_only_approved_news_is_published(self) -> None:
        with refused("news-not-approved", 409):
            drafted().publish(by=DIRECTOR, at=at(1))
        item = approved()
        with refused("not-the-news-author", 403):
            item.publish(by=OTHER_OFFICER, at=at(3))
        item.publish(by=OFFICER, at=at(3))
        assert names(then_events(item)) == ["Published"]
        item = given(item)
        assert item.is_public and item.closed and item.published_at == at(3)
        with refused("wrong-step", 409):
            item.publish(by=OFFICER, at=at(4))

    def test_withdrawn_once_with_a_reason_and_kept_in_the_history(self) -> None:
        with refused("news-not-published", 409):
            approved().withdraw(by=DIRECTOR, reason="ข้อมูลไม่ถูกต้อง", at=at(4))
        item = published()
        with refused("field-required", 422):
            item.withdraw(by=DIRECTOR, reason="", at=at(4))
        item.withdraw(by=DIRECTOR, reason="ข้อมูลไม่ถูกต้อง", at=at(4))
        assert names(then_events(item)) == ["Withdrawn"]
        item = given(item)
        assert not item.is_public and item.withdrawal_reason == "ข้อมูลไม่ถูกต้อง"
        assert item.published_at == at(3), "it was published; that stays on record"
        with refused("news-already-withdrawn", 409):
            item.withdraw(by=DIRECTOR, reason="อีกครั้ง", at=at(5))


class TestSummaryAndFeed:
    def test_published_per_month_of_the_fiscal_year(self) -> None:
        october = published(hours=3)
        november = published(hours=24 * 5)  # 4 Nov 2026
        november.withdraw(by=DIRECTOR, reason="ซ้ำ", at=at(24 * 6))
        report = news_summary([news_entry(october), news_entry(given(november))], date(2026, 10, 1), date(2027, 9, 30))
        assert (report["published"], report["withdrawn"]) == (2, 1)
        assert len(report["by_month"]) == 12
        assert report["by_month"][:3] == [
            {"month": "2026-10", "month_th": "ตุลาคม 2569", "published": 1},
            {"month": "2026-11", "month_th": "พฤศจิกายน 2569", "published": 1},
            {"month": "2026-12", "month_th": "ธันวาคม 2569", "published": 0}]
        assert report["by_month"][-1]["month_th"] == "กันยายน 2570"
        rows = summary_rows(report)
        assert {"section": "รายเดือน (เผยแพร่)", "item": "ตุลาคม 2569", "value": 1} in rows

    def test_the_feed_is_atom_in_thai_with_buddhist_era_dates(self) -> None:
        item = published(title="ข่าว <ทดสอบ> & อักขระพิเศษ")
        xml = atom_feed([public_view(news_entry(item))], base_url="https://esa.example/", office_name_th="สพป.ตัวอย่าง",
                        now=at(10))
        root = ElementTree.fromstring(xml)
        ns = {"a": "http://www.w3.org/2005/Atom"}
        assert root.tag == "{http://www.w3.org/2005/Atom}feed"
        entry = root.find("a:entry", ns)
        assert entry is not None
        assert entry.findtext("a:title", namespaces=ns) == "ข่าว <ทดสอบ> & อักขระพิเศษ"
        assert entry.findtext("a:id", namespaces=ns) == f"urn:uuid:{item.id}"
        assert "30 ต.ค. 2569 12:00 น." in entry.findtext("a:summary", namespaces=ns)
        link = entry.find("a:link", ns)
        assert link is not None and link.get("href") == f"https://esa.example/news/{item.id}"
        assert root.findtext("a:updated", namespaces=ns) == "2026-10-30T05:00:00Z"
