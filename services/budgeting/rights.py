"""Budgeting's decision rights (procedures 10-13): who may run each command, in one table.

From the manual (งานวิเคราะห์งบประมาณรายจ่าย, งานจัดตั้งและเสนอของบประมาณ, งานจัดสรรงบประมาณ,
งานบริหารงบประมาณ การโอนและเปลี่ยนแปลงงบประมาณ) and DOMAIN.md ("People and bodies"):

- The office's budget work (opening cases, recording money on lines, the rates OBEC sets,
  surveys, schools' requests, targets, compiling, submitting, announcing, reporting to OBEC) is
  the group's: its analysts (`officer`) and its director (`group_director`).
- The office appoints each committee by an order of the ESA director (DOMAIN: the ESA director
  "appoints committees"): only `esa_director` records an appointment.
- A committee's own work (allocating, the analysis report, reviewing schools' requests,
  analysing spending, leftover-funds guidelines) is done by one of its members: that is a rule
  about the case's named people, checked by the case (`domain.require_member`), not here; here
  only the roles that may sit on a committee and work in the system.
- Decisions (`body_decision`, the case's `awaiting_body`): the ESA director approves an
  allocation (จัดสรร 5.1), an analysis (วิเคราะห์ 5.4) and a request for external support
  (จัดตั้ง 5.2 3: the superior) in person; the area committee endorses a budget request
  (จัดตั้ง 5.1 6) and the provincial governor (or the approver the office configures, then the
  central office where the rule table says so) approves a transfer (บริหาร 5.7): a decision taken
  outside the office is recorded by an officer of the group citing the resolution or signed letter
  registered in correspondence (`resolution.document_id`). Whoever proposed the case may not
  decide it, nor record its decision: not the committee member who proposed an allocation or
  drafted the analysis, not who submitted it, not who compiled or submitted a budget request, not
  who requested external support, not the maker of a transfer (who proposed or revised it).
"""

from __future__ import annotations

from contracts.vocabulary import StaffRole
from shared.office.rights import Right, right, rights_table

OFFICER, GROUP_DIRECTOR, ESA_DIRECTOR = (StaffRole.officer, StaffRole.group_director,
                                         StaffRole.esa_director)
GROUP = (OFFICER, GROUP_DIRECTOR)
# Who may sit on a committee and do its work in the system (a deputy director may chair one);
# that they are on THIS case's committee is the case's own rule.
COMMITTEE_WORK = (OFFICER, GROUP_DIRECTOR, ESA_DIRECTOR)
CITES = "resolution.document_id"

ANALYSIS = "คู่มือ งานวิเคราะห์งบประมาณรายจ่าย"
REQUEST = "คู่มือ งานจัดตั้งและเสนอของบประมาณ"
ALLOCATION = "คู่มือ งานจัดสรรงบประมาณ"
ADMINISTRATION = "คู่มือ งานบริหารงบประมาณ การโอนและเปลี่ยนแปลงงบประมาณ"
APPOINTS = "DOMAIN.md: ผอ.สพท. แต่งตั้งคณะกรรมการ (ลงนามคำสั่ง)"


def committee(path: str, what_th: str, what_en: str, basis: str) -> Right:
    return right(f"POST {path}/{{case_id}}/committee", f"แต่งตั้ง{what_th}", f"Appoint {what_en}",
                 ESA_DIRECTOR, basis=f"{basis}; {APPOINTS}")


RIGHTS = rights_table("budgeting", [
    # --- budget lines and rates -------------------------------------------------------------------
    right("POST /lines", "เปิดรายการงบประมาณของโครงการที่ไม่อยู่ในแผนปฏิบัติการ",
          "Open a budget line for a project no action plan named", *GROUP,
          basis=f"{ALLOCATION} 5.2 แผนการใช้จ่ายงบประมาณ"),
    right("POST /lines/{line_id}/commitments", "บันทึกการก่อหนี้ผูกพัน", "Record a commitment",
          *GROUP, basis=f"{ADMINISTRATION} 5.1 ข้อมูลการใช้จ่ายจากกลุ่มบริหารการเงินและสินทรัพย์"),
    right("POST /lines/{line_id}/commitment-releases", "บันทึกการยกเลิกการก่อหนี้ผูกพัน",
          "Release a commitment", *GROUP, basis=f"{ADMINISTRATION} 5.1"),
    right("POST /lines/{line_id}/disbursements", "บันทึกการเบิกจ่าย", "Record a disbursement",
          *GROUP, basis=f"{ADMINISTRATION} 5.1"),
    right("PUT /per-head-rates/{fiscal_year_be}", "บันทึกอัตราเงินอุดหนุนรายหัวที่ สพฐ. กำหนด",
          "Record or change OBEC's per-head rates of a year", *GROUP,
          basis="DOMAIN.md: อัตราต่อหัวเป็นตารางรายปีงบประมาณ สพฐ. เป็นผู้กำหนด"),
    # --- allocation (12) ------------------------------------------------------------------------------
    right("POST /allocations", "เปิดเรื่องจัดสรรงบประมาณ (กรอบวงเงินและเกณฑ์)",
          "Open an allocation (ceiling and criteria)", *GROUP, basis=f"{ALLOCATION} 5.1"),
    committee("/allocations", "คณะกรรมการจัดสรรงบประมาณ", "the allocation committee",
              f"{ALLOCATION} 5.1 1)"),
    right("POST /allocations/{case_id}/amounts", "คณะกรรมการจัดสรรเป็นจำนวนเงินรายผู้รับ",
          "The committee allocates amounts per recipient", *COMMITTEE_WORK,
          basis=f"{ALLOCATION} 5.1 2) คณะกรรมการจัดสรรงบประมาณวิเคราะห์จัดสรรตามกรอบวงเงินและเกณฑ์"),
    right("POST /allocations/{case_id}/per-head", "คณะกรรมการจัดสรรเงินอุดหนุนรายหัว",
          "The committee allocates the per-head subsidy", *COMMITTEE_WORK,
          basis=f"{ALLOCATION} 5.1 2)"),
    right("POST /allocations/{case_id}/submit", "เสนอผลการจัดสรรต่อ ผอ.สพท.",
          "Submit the allocation to the ESA director", *GROUP, basis=f"{ALLOCATION} 5.1"),
    right("POST /allocations/{case_id}/decision", "ผอ.สพท. อนุมัติ/ไม่อนุมัติ/ส่งกลับการจัดสรร",
          "The ESA director decides the allocation", ESA_DIRECTOR, body_decision=True,
          cites=CITES, not_by=("Proposed", "Submitted"),
          basis=f"{ALLOCATION} 5.1; ผู้เสนอการจัดสรรไม่อนุมัติเอง"),
    right("POST /allocations/{case_id}/announce", "แจ้งผลการจัดสรรให้กลุ่มและสถานศึกษา",
          "Announce the allocation to groups and schools", *GROUP, basis=f"{ALLOCATION} 5.1 3)"),
    right("POST /allocations/{case_id}/withdraw", "ยกเลิกเรื่องจัดสรร", "Withdraw an allocation",
          *GROUP),
    # --- transfers and leftover funds (13) ---------------------------------------------------------
    right("POST /budget-transfers", "เสนอขอโอนเปลี่ยนแปลงงบประมาณ", "Propose a transfer", *GROUP,
          basis=f"{ADMINISTRATION} 5.5, 5.7"),
    right("POST /budget-transfers/{case_id}/decision",
          "บันทึกการอนุมัติของผู้ว่าราชการจังหวัด (หรือผู้อนุมัติที่กำหนด/สพฐ.) ตามรอบ",
          "Record the approving body's decision on a transfer, round by round", *GROUP,
          body_decision=True, cites=CITES, not_by=("Proposed", "Revised"),
          basis=f"{ADMINISTRATION} 5.7 เสนอผู้ว่าราชการจังหวัดพิจารณาอนุมัติ; อ้างหนังสืออนุมัติที่ลงทะเบียน"
                "ในระบบสารบรรณ; ผู้ทำเรื่องโอนไม่บันทึกการอนุมัติเอง"),
    right("POST /budget-transfers/{case_id}/revise", "ปรับปรุงคำขอโอนหลังส่งกลับ/ไม่อนุมัติ",
          "Revise a returned or rejected transfer", *GROUP),
    right("POST /budget-transfers/{case_id}/report", "รายงานการโอนต่อ สพฐ.",
          "Report the transfer to OBEC", *GROUP, basis=f"{ADMINISTRATION} 5.8"),
    right("POST /budget-transfers/{case_id}/withdraw", "ยกเลิกคำขอโอน", "Withdraw a transfer",
          *GROUP),
    right("POST /leftover-reviews", "เปิดเรื่องพิจารณาเงินเหลือจ่ายประจำปี",
          "Open the year's leftover-funds review", *GROUP, basis=f"{ADMINISTRATION} 5.1"),
    committee("/leftover-reviews", "คณะกรรมการพิจารณาเงินเหลือจ่ายและโอนเปลี่ยนแปลงงบประมาณ",
              "the leftover-funds and transfer committee", f"{ADMINISTRATION} 5.2"),
    right("POST /leftover-reviews/{case_id}/analysis", "คณะกรรมการวิเคราะห์ผลการใช้จ่ายงบประมาณ",
          "The committee analyses spending against success conditions", *COMMITTEE_WORK,
          basis=f"{ADMINISTRATION} 5.3"),
    right("POST /leftover-reviews/{case_id}/guidelines", "คณะกรรมการกำหนดแนวทางใช้เงินเหลือจ่าย",
          "The committee sets how leftover funds are used", *COMMITTEE_WORK,
          basis=f"{ADMINISTRATION} 5.4"),
    right("POST /leftover-reviews/{case_id}/report", "รายงานผลต่อ สพฐ.",
          "Report the review to OBEC", *GROUP, basis=f"{ADMINISTRATION} 5.8"),
    # --- expenditure analysis (10) ------------------------------------------------------------------
    right("POST /budget-analyses", "เปิดเรื่องวิเคราะห์งบประมาณรายจ่าย",
          "Open the expenditure analysis", *GROUP, basis=ANALYSIS),
    right("POST /budget-analyses/{case_id}/survey", "แจ้งสถานศึกษาและกลุ่มสำรวจและรายงานข้อมูล",
          "Ask schools and groups to survey and report", *GROUP, basis=f"{ANALYSIS} 5.1"),
    right("POST /budget-analyses/{case_id}/responses", "บันทึกข้อมูลที่สถานศึกษา/กลุ่มรายงาน",
          "Record a school's or group's response", *GROUP, basis=f"{ANALYSIS} 5.1"),
    committee("/budget-analyses", "คณะกรรมการวิเคราะห์งบประมาณรายจ่าย",
              "the expenditure analysis committee", f"{ANALYSIS} 5.2"),
    right("POST /budget-analyses/{case_id}/report-draft", "คณะกรรมการจัดทำรายงานการวิเคราะห์",
          "The committee drafts the analysis report", *COMMITTEE_WORK, basis=f"{ANALYSIS} 5.3"),
    right("POST /budget-analyses/{case_id}/submit", "เสนอรายงานการวิเคราะห์ต่อ ผอ.สพท.",
          "Submit the analysis to the ESA director", *GROUP, basis=f"{ANALYSIS} 5.4"),
    right("POST /budget-analyses/{case_id}/decision", "ผอ.สพท. เห็นชอบ/ไม่เห็นชอบรายงานการวิเคราะห์",
          "The ESA director decides the analysis", ESA_DIRECTOR, body_decision=True, cites=CITES,
          not_by=("ReportDrafted", "Submitted"),
          basis=f"{ANALYSIS} 5.4 นำเสนอผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาพิจารณา"),
    right("POST /budget-analyses/{case_id}/publish", "เผยแพร่รายงานการวิเคราะห์",
          "Publish the approved analysis", *GROUP, basis=f"{ANALYSIS} 5.5"),
    right("POST /budget-analyses/{case_id}/report", "รายงาน สพฐ.", "Report the analysis to OBEC",
          *GROUP, basis=f"{ANALYSIS} 5.6"),
    # --- budget requests and external funding (11) ----------------------------------------------------
    right("POST /budget-requests", "แจ้งนโยบาย หลักเกณฑ์ และวิธีการจัดตั้งงบประมาณ",
          "Announce the policy, criteria and method", *GROUP, basis=f"{REQUEST} 5.1 1)"),
    right("POST /budget-requests/{case_id}/school-requests", "บันทึกคำขอของบประมาณของสถานศึกษา",
          "Record a school's budget request", *GROUP, basis=f"{REQUEST} 5.1 2)"),
    committee("/budget-requests", "คณะกรรมการจัดทำและเสนอของบประมาณ",
              "the budget request committee", f"{REQUEST} 5.1 3)"),
    right("POST /budget-requests/{case_id}/reviews", "คณะกรรมการวิเคราะห์ความเหมาะสมของคำขอ",
          "The committee reviews a school's request", *COMMITTEE_WORK,
          basis=f"{REQUEST} 5.1 3)"),
    right("POST /budget-requests/{case_id}/targets", "กำหนดเป้าหมายและผลผลิตร่วมกับสถานศึกษา",
          "Agree targets and outputs", *GROUP, basis=f"{REQUEST} 5.1 4)"),
    right("POST /budget-requests/{case_id}/compile", "จัดทำคำขอของบประมาณประจำปี",
          "Compile the office's request", *GROUP, basis=f"{REQUEST} 5.1 5)"),
    right("POST /budget-requests/{case_id}/submit", "เสนอคณะกรรมการเขตพื้นที่การศึกษาเห็นชอบ",
          "Submit the request to the area committee", *GROUP, basis=f"{REQUEST} 5.1 6)"),
    right("POST /budget-requests/{case_id}/decision", "บันทึกมติคณะกรรมการเขตพื้นที่การศึกษา",
          "Record the area committee's decision", *GROUP, body_decision=True, cites=CITES,
          not_by=("Compiled", "Submitted"),
          basis=f"{REQUEST} 5.1 6) คณะกรรมการเขตพื้นที่การศึกษาเห็นชอบ; อ้างมติที่ลงทะเบียนในระบบสารบรรณ; "
                "ผู้จัดทำและเสนอคำขอไม่บันทึกมติเอง"),
    right("POST /budget-requests/{case_id}/results", "แจ้งผลการพิจารณาให้สถานศึกษา",
          "Announce the results to the schools", *GROUP, basis=f"{REQUEST} 5.1 7)"),
    right("POST /budget-requests/{case_id}/report", "รายงาน สพฐ.", "Report the request to OBEC",
          *GROUP, basis=f"{REQUEST} 5.1 8)"),
    right("POST /external-funding", "วิเคราะห์ความคุ้มค่าและเสนอขอรับการสนับสนุนจากหน่วยงานภายนอก",
          "Propose a school's request for external support", *GROUP,
          basis=f"{REQUEST} 5.2 1)-3)"),
    right("POST /external-funding/{case_id}/decision", "ผู้บังคับบัญชา (ผอ.สพท.) อนุมัติการขอรับการสนับสนุน",
          "The ESA director decides the request for external support", ESA_DIRECTOR,
          body_decision=True, cites=CITES, not_by=("Requested", "Resubmitted"),
          basis=f"{REQUEST} 5.2 3) เสนอผู้บังคับบัญชาผู้มีอำนาจพิจารณาอนุมัติ"),
    right("POST /external-funding/{case_id}/resubmit", "ปรับปรุงและเสนอใหม่",
          "Resubmit after a return or rejection", *GROUP),
    right("POST /external-funding/{case_id}/notify", "แจ้งผลการพิจารณาให้สถานศึกษา",
          "Tell the school the decision", *GROUP, basis=f"{REQUEST} 5.2 4)"),
    right("POST /external-funding/{case_id}/receipts", "บันทึกทรัพยากรที่ระดมได้ในทะเบียน",
          "Enter resources raised in the register", *GROUP, basis=f"{REQUEST} 5.2 5)"),
    right("POST /external-funding/{case_id}/withdraw", "ยกเลิกคำขอ",
          "Withdraw the request for external support", *GROUP),
    # --- operations ----------------------------------------------------------------------------------
    right("POST /admin/dead-letters/replay", "ส่งข้อความที่ค้างให้ประมวลผลอีกครั้ง",
          "Replay parked messages", operator=True),
])
