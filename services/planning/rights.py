"""Planning's decision rights (procedures 5-8): who may run each command, in one table.

The group's analysts (ผู้รับผิดชอบ / นักวิเคราะห์นโยบายและแผน) and its director draft the plans; the
group director checks a draft and proposes it to the body (กศจ. by default: manual, policy 5.6,
development plan 5.6, action plan 5.5), and may not propose a draft they wrote. The body decides
outside the office: an officer of the group records its decision, citing the resolution registered
in correspondence, and not on a plan they drafted. Where the plan was put to the ESA director, the
ESA director decides in person. Publishing and running the plan are the group director's (5.7).
"""

from __future__ import annotations

from contracts.vocabulary import StaffRole
from shared.office.rights import right, rights_table

OFFICER, GROUP_DIRECTOR, ESA_DIRECTOR = (StaffRole.officer, StaffRole.group_director,
                                         StaffRole.esa_director)
DRAFTERS = (OFFICER, GROUP_DIRECTOR)
# The steps whose actor wrote the plan: they may neither propose it nor record its decision.
WROTE_IT = ("Drafted", "Revised")
DECISION = {"not_by": WROTE_IT, "body_decision": True, "cites": "resolution_document_id",
            "basis": "คู่มือ: นำเสนอคณะกรรมการศึกษาธิการจังหวัดพิจารณา (นโยบาย 5.6, แผนพัฒนา 5.6, "
                     "แผนปฏิบัติการ 5.5); มติอ้างอิงหนังสือที่ลงทะเบียนในระบบสารบรรณ"}

RIGHTS = rights_table("planning", [
    right("POST /policies", "จัดทำร่างนโยบาย จุดเน้น และเป้าหมาย", "Draft the policy", *DRAFTERS,
          basis="คู่มือ: งานพัฒนานโยบาย 5.1-5.5"),
    right("POST /policies/{plan_id}/revise", "แก้ไขร่างนโยบาย", "Revise the draft policy",
          *DRAFTERS),
    right("POST /development-plans", "จัดทำร่างแผนพัฒนาการศึกษาขั้นพื้นฐาน",
          "Draft the development plan", *DRAFTERS, basis="คู่มือ: งานจัดทำแผนพัฒนา 5.1-5.5"),
    right("POST /development-plans/{plan_id}/revise", "แก้ไขร่างแผนพัฒนา",
          "Revise the draft development plan", *DRAFTERS),
    right("POST /action-plans", "จัดทำร่างแผนปฏิบัติการประจำปี", "Draft the annual action plan",
          *DRAFTERS, basis="คู่มือ: งานจัดทำแผนปฏิบัติการประจำปี 5.1-5.4"),
    right("POST /action-plans/{plan_id}/revise", "แก้ไขร่างแผนปฏิบัติการประจำปี",
          "Revise the draft action plan", *DRAFTERS),
    right("POST /plans/{plan_id}/submit", "ตรวจและเสนอร่างแผนต่อผู้พิจารณา",
          "Check the draft and propose it to the approving body", GROUP_DIRECTOR,
          not_by=WROTE_IT, basis="คู่มือ: ผอ.กลุ่มตรวจสอบก่อนนำเสนอ; นำเสนอ กศจ."),
    right("POST /plans/{plan_id}/return", "บันทึกมติส่งกลับแก้ไข",
          "Record the body's return for revision", *DRAFTERS, **DECISION),
    right("POST /plans/{plan_id}/reject", "บันทึกมติไม่เห็นชอบ", "Record the body's rejection",
          *DRAFTERS, **DECISION),
    right("POST /plans/{plan_id}/approve", "บันทึกมติเห็นชอบ/อนุมัติแผน",
          "Record the body's approval", *DRAFTERS, **DECISION),
    right("POST /plans/{plan_id}/publish", "เผยแพร่แผนต่อสาธารณชน", "Publish the approved plan",
          GROUP_DIRECTOR, basis="คู่มือ: เผยแพร่ต่อสาธารณชน (นโยบาย 5.7, แผนพัฒนา 5.7, "
                                "แผนปฏิบัติการ 5.6)"),
    right("POST /plans/{plan_id}/start-execution", "เริ่มดำเนินการตามแผน",
          "Start executing the plan", GROUP_DIRECTOR, basis="คู่มือ: แผนปฏิบัติการ 5.7"),
    right("POST /plans/{plan_id}/close", "ปิดแผน", "Close the plan", GROUP_DIRECTOR),
    right("POST /plans/{plan_id}/amend", "จัดทำฉบับปรับปรุงของแผนที่อนุมัติแล้ว",
          "Start the next version of an approved plan", *DRAFTERS),
    right("POST /fiscal-years/{year_be}/close", "ปิดปีงบประมาณ (ไม่รับการอนุมัติแผนของปีนั้นอีก)",
          "Close a fiscal year to plan approvals", ESA_DIRECTOR),
    right("POST /fiscal-years/{year_be}/reopen", "เปิดปีงบประมาณอีกครั้ง",
          "Reopen a fiscal year", ESA_DIRECTOR),
    right("POST /reference-strategies/{level}", "เพิ่ม/แก้ไขยุทธศาสตร์จังหวัดหรือชาติ",
          "Add or retitle reference strategies", *DRAFTERS, basis="คู่มือ: งานบูรณาการ 5.2"),
    right("POST /reference-strategies/{level}/import", "นำเข้ายุทธศาสตร์จังหวัดหรือชาติ",
          "Import reference strategies", *DRAFTERS),
    right("POST /admin/dead-letters/replay", "ส่งข้อความที่ค้างให้ประมวลผลอีกครั้ง",
          "Replay parked messages", operator=True),
])
