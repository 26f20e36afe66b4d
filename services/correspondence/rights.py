"""Correspondence's decision rights (procedures 1-4, งานธุรการ): who may run each command, in one table.

Saraban (manual, งานสารบรรณ 5.2): the clerk registers what arrives (1); it is proposed to the group
director, who assigns a responsible officer (2); the officer drafts (3); the group director checks
(4); the authorised signer signs (5). The clerk numbers and sends what was signed, keeps and lends
the files, and lists expired ones for destruction (ขอบเขต 3.2-3.5); the head of office appoints the
destruction committee, whose members decide what is kept longer and carry out the destruction
(ระเบียบสำนักนายกรัฐมนตรีว่าด้วยงานสารบรรณ, หมวด การทำลายหนังสือ). Nobody checks, returns or signs a
draft they wrote. Coordination and service, meetings and knowledge (manual, งานประสานงานและให้บริการ,
งานจัดการประชุมภายใน, งานจัดการความรู้): the group's staff take requests, draft news, call meetings
and capture knowledge; the group director (ผู้บังคับบัญชา) routes, approves, screens, and never
approves their own proposal.

Who a record names (the assigned officer, the checker and signer a draft was put to, the meeting's
organiser and chair, the committee's members, an item's author) is the record's own rule, decided
in the domain; this table says which roles may run a command at all, and which earlier step's actor
may not take it.
"""

from __future__ import annotations

from contracts.vocabulary import StaffRole
from shared.office.rights import right, rights_table

CLERK, OFFICER, GROUP_DIRECTOR, ESA_DIRECTOR, SIGNER = (
    StaffRole.clerk, StaffRole.officer, StaffRole.group_director, StaffRole.esa_director,
    StaffRole.signer)
# Those who draft letters, minutes and plans of the group: the responsible officers and their
# director (manual, งานสารบรรณ 5.2 (3)).
DRAFTERS = (OFFICER, GROUP_DIRECTOR)
# The group's own staff, who take requests down, draft news and capture knowledge.
GROUP_STAFF = (CLERK, OFFICER, GROUP_DIRECTOR)
# Who may sit on a destruction committee or own an action item: any officer of the office; the
# record names which of them.
ANY_OFFICER = tuple(StaffRole)
# Who may manage a meeting they organise or chair (the record names them).
MEETING_PEOPLE = (OFFICER, GROUP_DIRECTOR, ESA_DIRECTOR)
# The steps whose actor wrote the draft: they may neither check, return nor sign it.
WROTE_IT = ("Started", "Drafted")
# Roles, clearance and active status are granted by the head of office only; a name or position
# any director may correct (PATCH /officers/{officer_id} checks this within its own row).
GRANTS_POWERS = (ESA_DIRECTOR,)
SARABAN = "คู่มือ งานสารบรรณ 5.2"
DESTRUCTION = "ระเบียบสำนักนายกรัฐมนตรีว่าด้วยงานสารบรรณ พ.ศ. 2526 หมวด การทำลายหนังสือ"

RIGHTS = rights_table("correspondence", [
    # --- the staff directory (งานธุรการ keeps it) -------------------------------------------------
    right("POST /officers", "ลงทะเบียนเจ้าหน้าที่", "Register an officer", ESA_DIRECTOR,
          GROUP_DIRECTOR,
          basis="ผู้อำนวยการจัดการทะเบียนเจ้าหน้าที่; เจ้าหน้าที่คนแรกต้องเป็นผู้อำนวยการ "
                "(เริ่มทะเบียนได้โดยไม่ต้องมีผู้อื่นในทะเบียน)"),
    right("PATCH /officers/{officer_id}", "แก้ไขชื่อ ตำแหน่ง บทบาท ชั้นความลับ หรือสถานะเจ้าหน้าที่",
          "Change an officer's name, position, roles, clearance or status", ESA_DIRECTOR,
          GROUP_DIRECTOR,
          basis="ผู้อำนวยการกลุ่มแก้ไขชื่อและตำแหน่งได้; บทบาท ชั้นความลับ และการระงับ/คืนสิทธิ์ "
                "เป็นอำนาจของผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาเท่านั้น; ไม่มีผู้ใดแก้ไขข้อมูลของตนเอง"),
    # --- saraban (procedure 1) -----------------------------------------------------------------
    right("POST /documents/incoming", "ลงทะเบียนรับหนังสือ", "Register an incoming document", CLERK,
          basis=f"{SARABAN} (1) รับงานและลงทะเบียนรับ"),
    right("POST /documents/outgoing", "จัดทำหนังสือที่สำนักงานริเริ่ม", "Start an outgoing document",
          *DRAFTERS, basis=f"{SARABAN} (3) เจ้าหน้าที่ที่รับผิดชอบจัดทำหนังสือราชการ"),
    right("POST /documents/{document_id}/assign", "มอบหมายผู้รับผิดชอบ",
          "Assign the responsible officer", GROUP_DIRECTOR,
          basis=f"{SARABAN} (2) เสนอผู้อำนวยการกลุ่มมอบหมายให้ผู้รับผิดชอบปฏิบัติ"),
    right("POST /documents/{document_id}/draft", "ร่างหนังสือ (ผู้ได้รับมอบหมาย)",
          "Record a draft (the assigned officer)", *DRAFTERS,
          basis=f"{SARABAN} (3)"),
    right("POST /documents/{document_id}/submit", "เสนอร่างให้ผู้อำนวยการกลุ่มตรวจสอบ",
          "Put the draft to a group director for checking", *DRAFTERS,
          basis=f"{SARABAN} (4) เสนอผู้อำนวยการกลุ่มตรวจสอบความถูกต้อง"),
    right("POST /documents/{document_id}/approve", "ตรวจสอบร่างแล้ว เสนอผู้มีอำนาจลงนาม",
          "Approve the checked draft and put it to a signer", GROUP_DIRECTOR, not_by=WROTE_IT,
          basis=f"{SARABAN} (4); ผู้ร่างไม่ตรวจร่างของตนเอง"),
    right("POST /documents/{document_id}/return", "ส่งร่างกลับให้แก้ไข",
          "Return the draft for revision", GROUP_DIRECTOR, SIGNER, not_by=WROTE_IT,
          basis=f"{SARABAN} (4)-(5) ผู้ตรวจหรือผู้ลงนามส่งกลับแก้ไข; ผู้ร่างไม่พิจารณาร่างของตนเอง"),
    right("POST /documents/{document_id}/sign", "ลงนาม", "Sign", SIGNER, not_by=WROTE_IT,
          basis=f"{SARABAN} (5) ผู้มีอำนาจพิจารณาลงนาม; ผู้ร่างไม่ลงนามร่างของตนเอง"),
    right("POST /documents/{document_id}/dispatch", "ออกเลขทะเบียนส่งและส่งหนังสือ",
          "Number the signed document and send it", CLERK,
          basis="คู่มือ งานสารบรรณ ขอบเขต 3.2 การส่งหนังสือ, 5.3 ควบคุมการส่งหนังสือ"),
    right("POST /documents/{document_id}/file", "เก็บรักษาหนังสือ", "File the document", CLERK,
          basis="คู่มือ งานสารบรรณ ขอบเขต 3.4 การเก็บรักษา"),
    right("POST /documents/{document_id}/cancel", "ยกเลิกหนังสือ", "Cancel the document", CLERK,
          GROUP_DIRECTOR, ESA_DIRECTOR,
          basis="เจ้าหน้าที่สารบรรณผู้คุมทะเบียน หรือผู้บังคับบัญชา; เลขที่ออกแล้วคงอยู่ในทะเบียน"),
    right("POST /documents/{document_id}/borrow", "ให้ยืมหนังสือ", "Lend the filed document",
          CLERK, basis="คู่มือ งานสารบรรณ ขอบเขต 3.4 การยืม; บุคคลภายนอกต้องได้รับอนุญาตจาก"
                       "ผู้อำนวยการกลุ่ม"),
    right("POST /documents/{document_id}/return-loan", "รับคืนหนังสือที่ยืม",
          "Take the lent document back", CLERK, basis="คู่มือ งานสารบรรณ ขอบเขต 3.4"),
    right("POST /destruction-lists", "จัดทำบัญชีหนังสือขอทำลาย", "List the expired documents",
          CLERK, basis=f"{DESTRUCTION}: ภายใน 60 วันหลังสิ้นปีปฏิทิน"),
    right("POST /destruction-lists/{year_be}/committee", "แต่งตั้งคณะกรรมการทำลายหนังสือ",
          "Appoint the destruction committee", ESA_DIRECTOR,
          basis=f"{DESTRUCTION}: หัวหน้าส่วนราชการแต่งตั้งประธานและกรรมการอย่างน้อยสองคน"),
    right("POST /destruction-lists/{year_be}/keep", "คณะกรรมการให้เก็บหนังสือไว้ต่อ",
          "The committee keeps an item longer (a member decides)", *ANY_OFFICER,
          basis=f"{DESTRUCTION}: คณะกรรมการพิจารณา หนังสือที่ควรเก็บต่อให้ขยายอายุการเก็บ; "
                "ผู้ดำเนินการต้องเป็นกรรมการ"),
    right("POST /destruction-lists/{year_be}/send", "ส่งบัญชีหนังสือขอทำลายให้กรมศิลปากร",
          "Send the list to the National Archives", CLERK, basis=DESTRUCTION),
    right("POST /destruction-lists/{year_be}/objection", "บันทึกการทักท้วงของกรมศิลปากร",
          "Record the National Archives' objection", CLERK, basis=DESTRUCTION),
    right("POST /destruction-lists/{year_be}/destroy", "ทำลายหนังสือ",
          "Carry out the destruction (a committee member)", *ANY_OFFICER,
          basis=f"{DESTRUCTION}: เมื่อพ้นกำหนดทักท้วง คณะกรรมการดำเนินการทำลาย; "
                "ผู้ดำเนินการต้องเป็นกรรมการ"),
    right("POST /agency/documents", "หน่วยงานภายนอกส่งหนังสือถึงสำนักงาน",
          "An agency's system submits a letter", agency=True,
          basis="ระบบสารบรรณอิเล็กทรอนิกส์ของหน่วยงานอื่น ส่งด้วยสิทธิ์ของหน่วยงานเอง"),
    # --- coordination and service (procedure 2) -------------------------------------------------
    right("POST /service-requests", "รับเรื่องคำขอรับบริการ", "Log a service request",
          *GROUP_STAFF, basis="คู่มือ งานประสานงานและให้บริการ 5.1-5.2"),
    right("POST /service-requests/{service_request_id}/route", "มอบหมายผู้รับผิดชอบคำขอ",
          "Route the request to a responsible officer", GROUP_DIRECTOR,
          basis="คู่มือ: ผู้อำนวยการกลุ่มกำหนดแผนงานและมอบหมายงาน (บทนำ ข้อ 3)"),
    right("POST /service-requests/{service_request_id}/respond", "ตอบสนองคำขอ",
          "Respond to the request (the officer it was routed to)", *DRAFTERS,
          basis="คู่มือ งานประสานงานและให้บริการ 5.1"),
    right("POST /service-requests/{service_request_id}/satisfaction",
          "บันทึกความพึงพอใจของผู้รับบริการ", "Record the requester's satisfaction", *GROUP_STAFF,
          not_by=("Responded",),
          basis="คู่มือ งานประสานงานและให้บริการ 2.1, 5.4; ผู้ให้บริการไม่บันทึกผลประเมินของตนเอง"),
    # --- news of the group's work (procedure 2, 5.3) ---------------------------------------------
    right("POST /news-items", "ร่างข่าวประชาสัมพันธ์", "Draft a news item", *GROUP_STAFF,
          basis="คู่มือ งานประสานงานและให้บริการ 5.3"),
    right("POST /news-items/{news_item_id}/revise", "แก้ไขร่างข่าว (ผู้จัดทำ)",
          "Revise the news item (its author)", *GROUP_STAFF),
    right("POST /news-items/{news_item_id}/submit", "เสนอข่าวให้ผู้อำนวยการกลุ่มพิจารณา",
          "Put the news item to a group director (its author)", *GROUP_STAFF),
    right("POST /news-items/{news_item_id}/approve", "เห็นชอบข่าว", "Approve the news item",
          GROUP_DIRECTOR, not_by=("Drafted", "Revised"),
          basis="คู่มือ: ผู้อำนวยการกลุ่มตรวจสอบก่อนเผยแพร่; ผู้จัดทำข่าวไม่พิจารณาข่าวของตนเอง"),
    right("POST /news-items/{news_item_id}/return", "ส่งข่าวกลับให้แก้ไข",
          "Return the news item to its author", GROUP_DIRECTOR),
    right("POST /news-items/{news_item_id}/publish", "เผยแพร่ข่าว (ผู้จัดทำหรือผู้อำนวยการกลุ่ม)",
          "Publish the approved news item (its author or a group director)", *GROUP_STAFF,
          basis="คู่มือ งานประสานงานและให้บริการ 5.3"),
    right("POST /news-items/{news_item_id}/withdraw", "ถอนการเผยแพร่ข่าว",
          "Withdraw the published news item (its author or a group director)", *GROUP_STAFF),
    # --- internal meetings (procedure 3) ---------------------------------------------------------
    right("POST /meetings", "เรียกประชุม", "Call a meeting", *DRAFTERS,
          basis="คู่มือ งานจัดการประชุมภายใน 5.1-5.2"),
    right("POST /meetings/{meeting_id}/agenda-items", "เสนอระเบียบวาระ", "Propose an agenda item",
          *DRAFTERS, basis="คู่มือ งานจัดการประชุมภายใน 5.3 เสนอผู้บังคับบัญชาพิจารณา"),
    right("POST /meetings/{meeting_id}/agenda-items/approve", "บรรจุระเบียบวาระ",
          "Put a proposed item on the agenda", GROUP_DIRECTOR,
          basis="คู่มือ งานจัดการประชุมภายใน 5.3; ผู้เสนอระเบียบวาระไม่พิจารณาวาระของตนเอง "
                "(ตรวจต่อระเบียบวาระ: same-person)"),
    right("POST /meetings/{meeting_id}/agenda-items/drop", "ไม่บรรจุระเบียบวาระ",
          "Leave a proposed item off the agenda", GROUP_DIRECTOR,
          basis="คู่มือ งานจัดการประชุมภายใน 5.3"),
    right("POST /meetings/{meeting_id}/notify", "แจ้งผู้เข้าร่วมประชุม", "Notify the participants",
          *MEETING_PEOPLE, basis="คู่มือ งานจัดการประชุมภายใน 5.3 แจ้งต่อเจ้าหน้าที่; "
                                 "ผู้จัด ประธาน หรือผู้อำนวยการกลุ่ม"),
    right("POST /meetings/{meeting_id}/hold", "บันทึกการจัดประชุมและผู้เข้าประชุม",
          "Record that the meeting was held, and who attended", *MEETING_PEOPLE,
          basis="คู่มือ งานจัดการประชุมภายใน 4, 5.4: บุคคลตั้งแต่ 2 คนขึ้นไป"),
    right("POST /meetings/{meeting_id}/minutes", "จัดทำรายงานการประชุม",
          "Record the minutes (a record-type document)", *DRAFTERS,
          basis="คู่มือ งานจัดการประชุมภายใน 5.5"),
    right("POST /meetings/{meeting_id}/circulate", "แจ้งเวียนรายงานการประชุม",
          "Circulate the registered minutes", *DRAFTERS,
          basis="คู่มือ งานจัดการประชุมภายใน 5.5 แจ้งผู้เกี่ยวข้องทราบ"),
    right("POST /meetings/{meeting_id}/action-items", "มอบหมายงานตามมติที่ประชุม",
          "Give an action item of the meeting to an officer", *MEETING_PEOPLE),
    right("POST /action-items/{action_item_id}/close", "ปิดงานตามมติ (ผู้รับผิดชอบหรือผู้อำนวยการกลุ่ม)",
          "Report the action item done (its owner or a group director)", *ANY_OFFICER),
    # --- knowledge management (procedure 4) ------------------------------------------------------
    right("POST /knowledge-items", "รวบรวมองค์ความรู้", "Capture a knowledge item", *GROUP_STAFF,
          basis="คู่มือ งานจัดการความรู้ 5.1-5.2"),
    right("POST /knowledge-items/{knowledge_item_id}/screen", "กลั่นกรององค์ความรู้",
          "Screen the knowledge item", GROUP_DIRECTOR, not_by=("Captured",),
          basis="คู่มือ งานจัดการความรู้ 5.2 รวบรวมกลั่นกรอง; ผู้รวบรวมไม่กลั่นกรองของตนเอง"),
    right("POST /knowledge-items/{knowledge_item_id}/publish",
          "เผยแพร่องค์ความรู้ (ผู้รวบรวมหรือผู้อำนวยการกลุ่ม)",
          "Publish the accepted item (its author or a group director)", *GROUP_STAFF,
          basis="คู่มือ งานจัดการความรู้ 5.3 แลกเปลี่ยนและเผยแพร่ความรู้"),
    # --- operations ------------------------------------------------------------------------------
    right("POST /admin/dead-letters/replay", "ส่งข้อความที่ค้างให้ประมวลผลอีกครั้ง",
          "Replay parked messages", operator=True),
])
