"""Monitoring's decision rights (procedures 14-16): who may run each command, in one table.

The group's analysts (ผู้รับผิดชอบ / นักวิเคราะห์นโยบายและแผน) and its director do the monitoring
and evaluation work itself: progress reports against the monitoring plan, the inspection round
and its report, the analysis of the inspectors' recommendations, the evaluations (manual, งาน
ติดตามและรายงานผลฯ 5.1-5.2, งานประเมินผลฯ 5.1-5.3). A recommendation is proposed to the authority
(5.2 (4)): the group director, who assigns the work (DOMAIN.md: the group director assigns work),
decides on it, and not on one they proposed themselves; the officer assigned reports what was
done (a rule of the record: only the assignee, `domain.NotTheAssignee`), and the group director
checks the evidence and closes it, never the one who did the work. An evaluation's results go
to management, who decides what is sent back to those responsible (5.1 (4)-(5), 5.2 (4),
5.3 (4)-(5)): issuing them is the ESA director's.
"""

from __future__ import annotations

from contracts.vocabulary import StaffRole
from shared.office.rights import right, rights_table

OFFICER, GROUP_DIRECTOR, ESA_DIRECTOR = (StaffRole.officer, StaffRole.group_director,
                                         StaffRole.esa_director)
ANALYSTS = (OFFICER, GROUP_DIRECTOR)
# Who can be given monitoring work (a recommendation to act on, a project's progress reports):
# whoever may report the action taken and the progress.
HOLDS_MONITORING_WORK = ANALYSTS

RIGHTS = rights_table("monitoring", [
    right("POST /monitoring-plans/{plan_id}/progress", "รายงานความก้าวหน้าตามตัวชี้วัด",
          "Report an indicator's progress for a period", *ANALYSTS,
          basis="คู่มือ: งานติดตามและรายงานผลการดำเนินงานตามนโยบายและยุทธศาสตร์ 5.1 (2)-(4)"),
    right("POST /inspections", "บันทึกรอบการตรวจราชการและประเด็นการตรวจ",
          "Record an inspection round and its issues", *ANALYSTS,
          basis="คู่มือ: การติดตามและรายงานการตรวจราชการ 5.2 (1)-(2)"),
    right("POST /inspections/{round_id}/report", "จัดทำรายงานการตรวจราชการ",
          "Record the office's inspection report", *ANALYSTS,
          basis="คู่มือ: การติดตามและรายงานการตรวจราชการ 5.2 (3)"),
    right("POST /inspections/{round_id}/recommendations",
          "วิเคราะห์ข้อเสนอแนะของผู้ตรวจราชการ เสนอผู้มีอำนาจพิจารณา",
          "Record an inspector's recommendation and propose it", *ANALYSTS,
          basis="คู่มือ: การติดตามและรายงานการตรวจราชการ 5.2 (4)"),
    right("POST /recommendations/{recommendation_id}/assign",
          "พิจารณาข้อเสนอแนะ แจ้งผู้รับผิดชอบดำเนินการพร้อมกำหนดเสร็จ",
          "Decide on a recommendation: assign the officer responsible, with a due date",
          GROUP_DIRECTOR, not_by=("Recorded",),
          basis="คู่มือ: 5.2 (4)-(5) เสนอผู้มีอำนาจพิจารณา แจ้งผู้เกี่ยวข้อง; ผอ.กลุ่มมอบหมายงาน "
                "(DOMAIN.md); ผู้เสนอข้อเสนอแนะไม่พิจารณาข้อเสนอของตนเอง"),
    right("POST /recommendations/{recommendation_id}/action",
          "รายงานการดำเนินการตามข้อเสนอแนะ (เฉพาะผู้ได้รับมอบหมาย)",
          "Report the action taken (the assigned officer only)", *ANALYSTS,
          basis="คู่มือ: 5.2 (5) แจ้งผู้เกี่ยวข้องให้นำข้อเสนอแนะไปปรับปรุงและพัฒนางาน"),
    right("POST /recommendations/{recommendation_id}/close",
          "ตรวจสอบหลักฐานและปิดเรื่องข้อเสนอแนะ", "Check the evidence and close the recommendation",
          GROUP_DIRECTOR, not_by=("Acted",),
          basis="คู่มือ: 5.2 (6) สรุปผลและรายงาน; ผู้ดำเนินการไม่ตรวจรับงานของตนเอง"),
    right("POST /evaluations/action-plan", "ประเมินผลการดำเนินงานตามแผนปฏิบัติการประจำปี",
          "Evaluate the annual action plan", *ANALYSTS,
          basis="คู่มือ: งานประเมินผลการดำเนินงานฯ 5.3 (1)-(4)"),
    right("POST /evaluations/mid-plan", "ประเมินผลระยะครึ่งแผนพัฒนาการศึกษาขั้นพื้นฐาน",
          "Evaluate the development plan at mid-plan", *ANALYSTS,
          basis="คู่มือ: งานประเมินผลการดำเนินงานฯ 5.2 (1)-(4)"),
    right("POST /evaluations/obec-strategy", "ประเมินผลการดำเนินงานตามยุทธศาสตร์ สพฐ.",
          "Evaluate against OBEC's strategy", *ANALYSTS,
          basis="คู่มือ: งานประเมินผลการดำเนินงานฯ 5.1 (1)-(4)"),
    right("POST /evaluations/{evaluation_id}/issue",
          "พิจารณาผลการประเมินและแจ้งผลแก่ผู้เกี่ยวข้อง", "Issue an evaluation's results",
          ESA_DIRECTOR,
          basis="คู่มือ: งานประเมินผลการดำเนินงานฯ 5.1 (4)-(5), 5.2 (4), 5.3 (4)-(5) "
                "สรุปผลเสนอฝ่ายบริหารพิจารณา แล้วแจ้งผู้เกี่ยวข้อง"),
    right("POST /admin/dead-letters/replay", "ส่งข้อความที่ค้างให้ประมวลผลอีกครั้ง",
          "Replay parked messages", operator=True),
])
