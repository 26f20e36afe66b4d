"""Restructuring's decision rights (procedure 9): who may run each command, in one table.

The manual (งานจัดตั้ง ยุบ รวม เลิก และโอนสถานศึกษาขั้นพื้นฐาน, 5.1-5.5) gives the work to the Policy
and Planning Group: its analysts (ผู้รับผิดชอบ / นักวิเคราะห์นโยบายและแผน) and its director keep the
school data (the group's duty 4: วิเคราะห์และจัดทำข้อมูลเกี่ยวกับการจัดตั้ง ยุบ รวม เลิก และโอนสถานศึกษา),
study the schools and the school-age population (5.2), draft the plan of a case and hear the school
board and community (5.3). The group director checks the group's work before it leaves the group
(ควบคุม กำกับ ดูแล ... ก่อนนำเสนอ) and proposes the case to the provincial committee (กศจ.), and may
not propose a case they opened or studied themselves. กศจ. decides outside the office: an officer
or the director of the group records its decision, citing the resolution registered in
correspondence, and not the one who opened or studied the case, nor the one who proposed it (each
has a stake in its approval). Carrying a case out (5.4: ดำเนินการ ... ตามระเบียบ
กระทรวงศึกษาธิการ) opens, closes or hands over a school: an act of the office under its head's
announcement, so only the ESA director executes, and not the one who recorded the approval (one
person may not both assert the committee's approval and act on it). Ending a case without carrying
it out stops the group's work: the group director, or the ESA director.
"""

from __future__ import annotations

from contracts.vocabulary import StaffRole
from shared.office.rights import right, rights_table

OFFICER, GROUP_DIRECTOR, ESA_DIRECTOR = (StaffRole.officer, StaffRole.group_director,
                                         StaffRole.esa_director)
GROUP = (OFFICER, GROUP_DIRECTOR)  # the group's people who do the work of procedure 9
# The steps whose actor drafted the case (its plan, 5.3) or wrote its study (5.2).
PREPARED_IT = ("Opened", "Studied")
MANUAL = "คู่มือ: งานจัดตั้ง ยุบ รวม เลิก และโอนสถานศึกษาขั้นพื้นฐาน"
DATA = f"{MANUAL}; หน้าที่ข้อ 4 ของกลุ่ม: วิเคราะห์และจัดทำข้อมูลเกี่ยวกับการจัดตั้ง ยุบ รวม เลิก และโอนสถานศึกษา"

RIGHTS = rights_table("restructuring", [
    # --- the school registry ----------------------------------------------------------------------
    right("POST /schools", "บันทึกโรงเรียนเข้าทะเบียนสถานศึกษา", "Enter a school in the registry",
          *GROUP, basis=DATA),
    right("POST /schools/import", "นำเข้าข้อมูลนักเรียน DMC", "Import a DMC enrolment file",
          *GROUP, basis=f"{DATA}; 5.2 ศึกษาสภาพปัจจุบันปัญหาเกี่ยวกับสถานศึกษา"),
    right("POST /schools/{code}/enrolment", "บันทึกข้อมูลนักเรียนรายโรงเรียน",
          "Record one enrolment snapshot", *GROUP, basis=DATA),
    # --- cases ------------------------------------------------------------------------------------
    right("POST /cases", "เปิดเรื่องจัดตั้ง ยุบรวม เลิก โอน หรือขยายชั้นเรียน",
          "Open a restructuring case", *GROUP,
          basis=f"{MANUAL} 5.1, 5.3 จัดทำแผนจัดตั้ง ยุบรวม เลิก การขยายชั้นเรียน การรับและโอน"),
    right("POST /cases/{case_id}/study", "บันทึกผลการศึกษาสภาพปัจจุบันและความต้องการ",
          "Record the study", *GROUP,
          basis=f"{MANUAL} 5.2 ศึกษาสภาพปัจจุบันปัญหาและความต้องการด้านโอกาสการเข้าถึงบริการการศึกษา"),
    right("POST /cases/{case_id}/hearing", "บันทึกการรับฟังความคิดเห็นคณะกรรมการสถานศึกษาและชุมชน",
          "Record the hearing of the school board and community", *GROUP,
          basis=f"{MANUAL} 5.3-5.4; ระเบียบกระทรวงศึกษาธิการ พ.ศ. 2550"),
    right("POST /cases/{case_id}/propose", "ตรวจและเสนอเรื่องต่อ กศจ.",
          "Check the case and propose it to the provincial committee", GROUP_DIRECTOR,
          not_by=PREPARED_IT,
          basis=f"{MANUAL} 5.3 เสนอขอความเห็นชอบคณะกรรมการศึกษาธิการจังหวัด; ผอ.กลุ่มควบคุม กำกับ "
                "ดูแลการปฏิบัติงานก่อนนำเสนอ"),
    right("POST /cases/{case_id}/decision", "บันทึกมติ กศจ. (เห็นชอบ ไม่เห็นชอบ ส่งกลับแก้ไข)",
          "Record the provincial committee's decision", *GROUP,
          not_by=(*PREPARED_IT, "Proposed"), body_decision=True, cites="resolution.document_id",
          basis=f"{MANUAL} 5.3-5.4 ความเห็นชอบของคณะกรรมการศึกษาธิการจังหวัด; มติอ้างอิงหนังสือที่"
                "ลงทะเบียนในระบบสารบรรณ"),
    right("POST /cases/{case_id}/execute", "ดำเนินการตามที่ กศจ. เห็นชอบ (เปลี่ยนแปลงทะเบียนสถานศึกษา)",
          "Carry out the approved case in the registry", ESA_DIRECTOR, not_by=("Decided",),
          basis=f"{MANUAL} 5.4 ดำเนินการจัดตั้ง ยุบรวม เลิก ขยายชั้นเรียน รับและโอนสถานศึกษาตามระเบียบ"
                "กระทรวงศึกษาธิการ (ประกาศของสำนักงานเขตพื้นที่การศึกษา)"),
    right("POST /cases/{case_id}/withdraw", "ยุติเรื่องโดยไม่ดำเนินการ",
          "End the case without carrying it out", GROUP_DIRECTOR, ESA_DIRECTOR,
          basis="คู่มือ: ผอ.กลุ่มกำหนดแผนงาน มอบหมายงาน ควบคุม กำกับ ตรวจสอบการปฏิบัติงานของกลุ่ม"),
    # --- operations -------------------------------------------------------------------------------
    right("POST /admin/dead-letters/replay", "ส่งข้อความที่ค้างให้ประมวลผลอีกครั้ง",
          "Replay parked messages", operator=True),
])
