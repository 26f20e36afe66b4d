"""Knowledge management (procedure 4): the item's rules (given/when/then), the Thai word search and
the summary report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from test_correspondence_domain import (
    CLERK,
    DIRECTOR,
    OFFICER,
    OTHER_OFFICER,
    given,
    names,
    refused,
    then_events,
)

from services.correspondence.knowledge.domain import (
    KnowledgeItem,
    KnowledgeStep,
    normalise_tags,
)
from services.correspondence.knowledge.projections import (
    knowledge_entry,
    knowledge_row,
    knowledge_summary,
    query_terms,
    rank,
    search_key,
    stored_fields,
    summary_rows,
    words,
)

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def captured(**overrides: Any) -> KnowledgeItem:
    fields: dict[str, Any] = dict(
        by=OFFICER, title="แนวทางการจัดทำแผนปฏิบัติการประจำปี",
        body="ขั้นตอนการจัดทำแผนปฏิบัติการประจำปีงบประมาณของสำนักงานเขตพื้นที่การศึกษา",
        tags=["แผนปฏิบัติการ", "#งบประมาณ"], source="การอบรม สพฐ. 2569", at=T0)
    fields.update(overrides)
    return given(KnowledgeItem.capture(**fields))


def published(**overrides: Any) -> KnowledgeItem:
    item = captured(**overrides)
    item.screen(by=DIRECTOR, accept=True, reason="เป็นประโยชน์", at=at(1))
    item.publish(by=item_author(item), at=at(2))
    return given(item)


def item_author(item: KnowledgeItem) -> Any:
    return {OFFICER.officer_id: OFFICER, OTHER_OFFICER.officer_id: OTHER_OFFICER,
            CLERK.officer_id: CLERK}[item.author_id]


class TestCapture:
    def test_captured_items_wait_for_the_group_director(self) -> None:
        item = KnowledgeItem.capture(by=CLERK, title="การใช้ระบบ e-saraban",
                                     body="วิธีลงทะเบียนรับหนังสือ", tags=[" สารบรรณ ", "สารบรรณ"],
                                     source="", at=T0)
        assert names(then_events(item)) == ["Captured"]
        item = given(item)
        assert (item.step, item.holder, item.author_id) == (KnowledgeStep.captured,
                                                            "group_director", CLERK.officer_id)
        assert item.tags == ["สารบรรณ"]

    def test_title_and_body_are_required(self) -> None:
        with refused("field-required", 422):
            captured(title=" ")
        with refused("field-required", 422):
            captured(body="")

    def test_tags_are_tidied_and_limited(self) -> None:
        assert normalise_tags(["#KM", "km", "  แผน   ปฏิบัติการ ", ""]) == ["KM", "แผน ปฏิบัติการ"]
        with refused("too-many-tags", 422):
            normalise_tags([f"tag{i}" for i in range(21)])


class TestScreeningAndPublishing:
    def test_accepted_then_published_with_tags(self) -> None:
        item = captured()
        item.screen(by=DIRECTOR, accept=True, reason="", at=at(1))
        assert names(then_events(item)) == ["Accepted"]
        item = given(item)
        assert item.holder == OFFICER.officer_id
        item.publish(by=OFFICER, tags=["แผนปฏิบัติการ", "KM"], at=at(2))
        events = then_events(item)
        # Publishing adds tags to those captured, never drops them.
        assert names(events) == ["Published"]
        assert events[0].tags == ["แผนปฏิบัติการ", "งบประมาณ", "KM"]
        item = given(item)
        assert item.step == KnowledgeStep.published and item.closed and item.holder is None

    def test_rejected_with_a_reason(self) -> None:
        item = captured()
        with refused("field-required", 422):
            item.screen(by=DIRECTOR, accept=False, reason=" ", at=at(1))
        item.screen(by=DIRECTOR, accept=False, reason="ซ้ำกับองค์ความรู้เดิม", at=at(1))
        assert names(then_events(item)) == ["Rejected"]
        item = given(item)
        assert item.closed and item.screening_reason == "ซ้ำกับองค์ความรู้เดิม"
        with refused("wrong-step", 409):
            item.publish(by=DIRECTOR, at=at(2))

    def test_an_item_is_screened_once(self) -> None:
        # Who screens (a group director, not the author) is the decision-rights table's.
        item = captured()
        item.screen(by=DIRECTOR, accept=True, reason="", at=at(1))
        with refused("wrong-step", 409):
            given(item).screen(by=DIRECTOR, accept=False, reason="เปลี่ยนใจ", at=at(2))

    def test_not_published_before_screening_nor_without_tags_nor_by_others(self) -> None:
        with refused("wrong-step", 409):
            captured().publish(by=OFFICER, at=at(2))
        item = captured(tags=[])
        item.screen(by=DIRECTOR, accept=True, reason="", at=at(1))
        item = given(item)
        with refused("tags-required", 422):
            item.publish(by=OFFICER, at=at(2))
        with refused("not-the-author", 403):
            item.publish(by=OTHER_OFFICER, tags=["KM"], at=at(2))
        item.publish(by=DIRECTOR, tags=["KM"], at=at(2))  # a group director may publish
        assert names(then_events(item)) == ["Published"]


def search(items: list[KnowledgeItem], query: str) -> list[tuple[KnowledgeItem, dict[str, int]]]:
    """The items that match, best first, with their scores: what the knowledge listing does once
    its table has narrowed the rows, from the words stored with each row."""
    terms = query_terms(query)
    hits = []
    for item in items:
        row = knowledge_row(item)
        score = rank(stored_fields(row["view"]), terms)
        if score is not None:
            hits.append((item, {**row["view"], "score": score}))
    hits.sort(key=lambda hit: search_key(hit[1]))
    return [(item, hit["score"]) for item, hit in hits]


class TestThaiSearch:
    """Thai runs words together: the search cuts text into words before matching."""

    def test_thai_text_is_cut_into_words(self) -> None:
        assert words("การจัดทำแผนปฏิบัติการประจำปี") == ["การ", "จัดทำ", "แผน", "ปฏิบัติการ",
                                                         "ประจำปี"]
        # Grammatical words (ของ, ที่) would match nearly everything: they are left out.
        assert query_terms("แผนงานของกลุ่ม") == ["แผนงาน", "กลุ่ม"]

    def test_a_word_inside_a_run_of_thai_is_found_and_unrelated_items_are_not(self) -> None:
        plan = published(
            title="สรุปความรู้จากการอบรม", tags=["อบรม"],
            body="การจัดทำแผนปฏิบัติการประจำปีงบประมาณของสำนักงานเขตพื้นที่การศึกษาต้องสอดคล้อง"
                 "กับนโยบาย")
        subsidy = published(
            title="การจัดสรรเงินอุดหนุนรายหัว", tags=["จัดสรร"],
            body="เกณฑ์การจัดสรรเงินอุดหนุนรายหัวให้สถานศึกษาตามจำนวนนักเรียน")
        assert [e for e, _ in search([plan, subsidy], "แผนปฏิบัติการ")] == [plan]
        assert [e for e, _ in search([plan, subsidy], "เงินอุดหนุน")] == [subsidy]
        # ปีงบประมาณ is one word; its part งบประมาณ is still found inside it.
        assert [e for e, _ in search([plan, subsidy], "งบประมาณ")] == [plan]
        assert search([plan, subsidy], "ครุภัณฑ์") == []

    def test_a_short_word_does_not_match_inside_unrelated_longer_words(self) -> None:
        table = published(title="ตารางสรุปข้อมูล", tags=["ข้อมูล"],
                          body="ตารางแสดงจำนวนนักเรียน")
        assert search([table], "ตา") == []

    def test_every_query_word_must_match(self) -> None:
        plan = published(title="แผนปฏิบัติการ", tags=["แผน"], body="แผนงาน")
        assert search([plan], "แผนปฏิบัติการ ครุภัณฑ์") == []

    def test_title_matches_rank_first(self) -> None:
        in_body = published(
            title="บันทึกการประชุมกลุ่ม", tags=["ประชุม"],
            body="ที่ประชุมมอบหมายให้ทบทวนแผนปฏิบัติการประจำปีและรายงานผล")
        in_title = published(
            title="คู่มือแผนปฏิบัติการ", tags=["คู่มือ"], body="ขั้นตอนและปฏิทินการดำเนินงาน")
        in_tags = published(
            title="ปฏิทินงานประจำปี", tags=["แผนปฏิบัติการ"], body="กำหนดการส่งเอกสาร")
        ranked = search([in_body, in_tags, in_title], "แผนปฏิบัติการ")
        assert [e for e, _ in ranked] == [in_title, in_tags, in_body]
        assert ranked[0][1]["title"] > 0 and ranked[2][1] == {"title": 0, "tags": 0, "body": 4}

    def test_typing_slips_and_case_do_not_matter(self) -> None:
        item = published(title="การใช้ระบบ E-Budget", tags=["ระบบ"],
                         body="แนวทางการเบิกจ่าย")
        assert [e for e, _ in search([item], "e-budget")] == [item]
        # เเ typed as two เ is normalised to แ; and the item's แนวทางการ is cut แนว|ทางการ, the
        # query's แนวทาง as one word: still found.
        assert [e for e, _ in search([item], "เเนวทาง")] == [item]


class TestSummary:
    def test_counts_by_status_tag_author_and_month(self) -> None:
        a = published(tags=["แผน", "KM"])
        b = published(by=OTHER_OFFICER, tags=["แผน"])
        c = captured(at=datetime(2026, 4, 1, 3, 0, tzinfo=UTC), tags=["งบประมาณ"])
        report = knowledge_summary([knowledge_entry(i) for i in (a, b, c)], {OFFICER.officer_id: "นาย off-001"},
                                   date(2025, 10, 1), date(2026, 9, 30))
        assert report["total"] == 3
        assert {s["step"]: s["count"] for s in report["by_status"]} == {
            "captured": 1, "accepted": 0, "rejected": 0, "published": 2}
        assert report["by_tag"][0] == {"tag": "แผน", "count": 2}
        assert report["by_author"][0] == {"author_id": OFFICER.officer_id, "name_th": "นาย off-001",
                                          "count": 2, "published": 1}
        assert report["by_month"] == [
            {"month": "2026-03", "month_th": "มี.ค. 2569", "captured": 2, "published": 2},
            {"month": "2026-04", "month_th": "เม.ย. 2569", "captured": 1, "published": 0}]
        lines = {(r["section"], r["item"]): r["value"] for r in summary_rows(report)}
        assert lines[("สถานะ", "เผยแพร่แล้ว")] == 2
        assert lines[("รายเดือน (รวบรวม)", "เม.ย. 2569")] == 1
