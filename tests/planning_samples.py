"""Sample plans of a primary ESA office, as an officer would fill them in (request bodies), and the
reference strategies they align to. Used by planning's component, contract and flow tests."""

from __future__ import annotations

import copy
from typing import Any

PROVINCIAL = [
    {"code": "KK-E1", "title_th": "พัฒนาคุณภาพการศึกษาให้ได้มาตรฐานสากล"},
    {"code": "KK-E2", "title_th": "พัฒนาผู้เรียนให้มีทักษะในศตวรรษที่ 21"},
    {"code": "KK-E3", "title_th": "ส่งเสริมการจัดการศึกษาอย่างทั่วถึงและเท่าเทียม"},
]
NATIONAL = [
    {"code": "NS3", "title_th": "การพัฒนาและเสริมสร้างศักยภาพทรัพยากรมนุษย์"},
    {"code": "NS4", "title_th": "การสร้างโอกาสและความเสมอภาคทางสังคม"},
    {"code": "NS6", "title_th": "การปรับสมดุลและพัฒนาระบบการบริหารจัดการภาครัฐ"},
]


def policy(fiscal_year_be: int = 2568) -> dict[str, Any]:
    return {
        "title_th": f"นโยบาย จุดเน้น และเป้าหมาย สพป. ปีงบประมาณ พ.ศ. {fiscal_year_be}",
        "fiscal_year_be": fiscal_year_be,
        "drafter_name_th": "นายสมชาย รักงาน",
        "sources": [
            {"level": "obec", "title_th": f"นโยบาย สพฐ. ปีงบประมาณ พ.ศ. {fiscal_year_be}",
             "analysis_th": "เน้นการอ่านออกเขียนได้และความปลอดภัยของผู้เรียน"},
            {"level": "provincial", "title_th": "แผนพัฒนาการศึกษาจังหวัดขอนแก่น"},
        ],
        "focus_points": [
            {"code": "F1", "title_th": "ยกระดับคุณภาพการอ่านออกเขียนได้", "targets": [
                {"code": "F1-T1", "description_th": "นักเรียน ป.1 อ่านออกเขียนได้",
                 "unit": "ร้อยละ", "target_value": "95"}]},
            {"code": "F2", "title_th": "สถานศึกษาปลอดภัย", "targets": [
                {"code": "F2-T1", "description_th": "สถานศึกษาผ่านเกณฑ์ความปลอดภัย",
                 "unit": "ร้อยละ", "target_value": "100"}]},
        ],
    }


def development_plan(start: int = 2566, end: int = 2570) -> dict[str, Any]:
    years = range(start, end + 1)
    return {
        "title_th": f"แผนพัฒนาการศึกษาขั้นพื้นฐาน พ.ศ. {start}-{end}",
        "start_year_be": start,
        "end_year_be": end,
        "drafter_name_th": "นายสมชาย รักงาน",
        "vision_th": "ผู้เรียนมีคุณภาพ ครูมีคุณภาพ สถานศึกษามีคุณภาพ",
        "missions": ["จัดการศึกษาให้ทั่วถึงและมีคุณภาพ"],
        "goals": ["ผู้เรียนมีทักษะการเรียนรู้ในศตวรรษที่ 21"],
        "values": ["ทำงานเป็นทีม"],
        "strategies": [
            {"code": "S1", "title_th": "พัฒนาคุณภาพผู้เรียนทุกระดับ",
             "outcomes": ["ผลสัมฤทธิ์ทางการเรียนสูงขึ้น"],
             "kpis": [{"code": "S1-K1", "name_th": "ร้อยละของนักเรียนที่มีผลสัมฤทธิ์ระดับดีขึ้นไป",
                       "unit": "ร้อยละ",
                       "targets": [{"year_be": y, "target_value": str(60 + 5 * (y - start))}
                                   for y in years]}],
             "programmes": ["แผนงานพื้นฐานด้านการพัฒนาและเสริมสร้างศักยภาพทรัพยากรมนุษย์"],
             "provincial_strategy_codes": ["KK-E2"], "national_strategy_codes": ["NS3"]},
            {"code": "S2", "title_th": "พัฒนาระบบบริหารจัดการ",
             "outcomes": ["สำนักงานบริหารงานอย่างมีประสิทธิภาพ"],
             "kpis": [{"code": "S2-K1", "name_th": "ระดับความสำเร็จของการบริหารจัดการ",
                       "unit": "ระดับ",
                       "targets": [{"year_be": y, "target_value": "4"} for y in years]}],
             "national_strategy_codes": ["NS6"]},
        ],
    }


def action_plan(development_plan_id: str, policy_id: str | None,
                fiscal_year_be: int = 2568) -> dict[str, Any]:
    ce = fiscal_year_be - 543
    return {
        "title_th": f"แผนปฏิบัติการประจำปีงบประมาณ พ.ศ. {fiscal_year_be}",
        "fiscal_year_be": fiscal_year_be,
        "drafter_name_th": "นายสมชาย รักงาน",
        "development_plan_id": development_plan_id,
        "policy_id": policy_id,
        "total_budget": "1250000.50",
        "projects": [
            {
                "code": "P68-01",
                "title_th": "พัฒนาคุณภาพการอ่านออกเขียนได้ของนักเรียนชั้นประถมศึกษาปีที่ 1",
                "strategy_code": "S1",
                "policy_focus_codes": ["F1"],
                "provincial_strategy_codes": ["KK-E2"],
                "national_strategy_codes": ["NS3"],
                "objectives": ["นักเรียนชั้น ป.1 อ่านออกเขียนได้ทุกคน", "ครูภาษาไทยได้รับการพัฒนา"],
                "responsible_group": "กลุ่มนิเทศ ติดตามและประเมินผลการจัดการศึกษา",
                "responsible_officer": "นายสมชาย รักงาน",
                "kpis": [{"code": "P68-01-K1", "name_th": "ร้อยละของนักเรียน ป.1 ที่อ่านออกเขียนได้",
                          "unit": "ร้อยละ", "target_value": "95",
                          "quarter_targets": [{"quarter": 2, "target_value": "60"},
                                              {"quarter": 4, "target_value": "95"}]}],
                "activities": [{"title_th": "อบรมครูผู้สอนภาษาไทย ป.1",
                                "starts_on": f"{ce - 1}-12-01", "ends_on": f"{ce - 1}-12-03"}],
                "starts_on": f"{ce - 1}-10-01",
                "ends_on": f"{ce}-09-30",
                "budget_lines": [
                    {"category": "operations", "quarter": 1, "amount": "450000.00"},
                    {"category": "operations", "quarter": 2, "amount": "300000.00"},
                    {"category": "subsidies", "quarter": 2, "amount": "250000.50"},
                ],
                "total_budget": "1000000.50",
            },
            {
                "code": "P68-02",
                "title_th": "พัฒนาระบบติดตามการใช้จ่ายงบประมาณ",
                "strategy_code": "S2",
                "objectives": ["ติดตามการเบิกจ่ายได้ทุกไตรมาส"],
                "responsible_group": "กลุ่มนโยบายและแผน",
                "responsible_officer": "นางสาววิไล ขยัน",
                "kpis": [{"code": "P68-02-K1", "name_th": "ร้อยละการเบิกจ่ายตามแผน",
                          "unit": "ร้อยละ", "target_value": "100"}],
                "starts_on": f"{ce - 1}-10-01",
                "ends_on": f"{ce}-09-30",
                "budget_lines": [
                    {"category": "operations", "quarter": 1, "amount": "125000.00"},
                    {"category": "investment", "quarter": 3, "amount": "125000.00"},
                ],
                "total_budget": "250000.00",
            },
        ],
    }


def changed(body: dict[str, Any], **updates: Any) -> dict[str, Any]:
    out = copy.deepcopy(body)
    out.update(updates)
    return out


def correspondence_event(document_id: str, *, receipt_no: int = 15, year_be: int = 2567,
                         received_at: str = "2024-11-19T09:30:00+07:00", sequence: int = 1,
                         kind: str = "registered", outgoing_no: str = "ที่ ศธ 04123/77") -> Any:
    """A correspondence contract event about a document, as the consumer receives it."""
    from contracts.envelope import AnyEnvelope

    if kind == "registered":
        data: dict[str, Any] = {
            "document_id": document_id, "receipt_no": receipt_no, "register_year_be": year_be,
            "received_at": received_at, "sender": "สำนักงานศึกษาธิการจังหวัดขอนแก่น",
            "sender_ref_no": "ศธ 0287/123", "sender_doc_date": None,
            "subject": "แจ้งมติ กศจ.", "addressee": None, "doc_type": "external_letter",
            "urgency": "normal", "urgency_code": "001", "secrecy": "none", "secrecy_code": "001",
            "attachments": []}
    elif kind == "dispatched":
        data = {"document_id": document_id, "series": "dispatch", "number": 77,
                "register_year_be": year_be, "outgoing_no": outgoing_no,
                "dispatched_at": received_at}
    else:
        data = {"document_id": document_id, "signer_id": "esa-1"}
    return AnyEnvelope.model_validate({
        "id": f"correspondence:{document_id}:{sequence}",
        "type": f"correspondence.document.{kind}", "source": "correspondence",
        "subject": document_id, "time": received_at, "sequence": sequence, "actor": "clerk-1",
        "data": data})


def know_document(app: Any, document_id: str, position: int | None = None, **event: Any) -> None:
    """Deliver a correspondence event about a document to planning's consumer handler, tracked as
    the consumer does (at the next position of the correspondence stream)."""
    from shared.office.testing import OfficeTeacher

    OfficeTeacher(app).deliver(correspondence_event(document_id, **event))
