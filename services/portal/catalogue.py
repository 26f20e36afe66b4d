"""What the portal knows of each kind of record the services keep, in one place: its Thai name,
where the service answers it, where the portal shows it, and which of its steps wait for a
decision (รออนุมัติ). งานของฉัน, รออนุมัติ and the auditor's search all read it, so a case on
monitoring's board (service, case type, subject) is always one click from the page where the
officer acts on it.

Who holds a record is the services' word (`holder`: an officer id, a role, a body or the
committee); `holds_work` says, once, whether that is the signed-in officer's to act on: their id
or role; a body outside the office, whose decision the group's officers record; or a committee
they sit on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contracts.vocabulary import APPROVING_BODY_TH
from services.portal.sessions import Session

# Bodies outside the office: an officer of the group records their decision (each service's
# decision rights, `body_decision`), citing the registered resolution.
OUTSIDE_BODIES = frozenset({"provincial_committee", "area_committee", "governor",
                            "central_office"})
BODY_RECORDERS = frozenset({"officer", "group_director"})
COMMITTEE = "committee"
DIRECTORS = frozenset({"group_director", "esa_director"})
BODY_TH = {body.value: name for body, name in APPROVING_BODY_TH.items()}


def committee_of(record: Mapping[str, Any]) -> set[str]:
    committee = record.get("committee") or {}
    if not isinstance(committee, Mapping):
        return set()
    return {str(committee.get("chair") or ""), *map(str, committee.get("members") or ())}


def holds_work(session: Session, holder: str | None,
               record: Mapping[str, Any] | None = None) -> bool:
    """Is a record held by `holder` the signed-in officer's to act on?"""
    if holder is None:
        return False
    if session.holds(holder):
        return True
    if holder in OUTSIDE_BODIES:
        return bool(BODY_RECORDERS & session.roles)
    if holder == COMMITTEE:
        return record is not None and session.officer_id in committee_of(record)
    return False


def work_holders(session: Session) -> list[str]:
    """The holders whose open cases may be the officer's work (committee cases are then checked
    against the committee's members)."""
    holders = [session.officer_id, *sorted(session.roles)]
    if BODY_RECORDERS & session.roles:
        holders += sorted(OUTSIDE_BODIES)
    holders.append(COMMITTEE)
    return holders


@dataclass(frozen=True)
class Kind:
    service: str
    name: str  # the case type on monitoring's board
    label_th: str
    api: str  # the record in the service's API
    page: str  # the record's page in the portal
    decision_steps: frozenset[str] = frozenset()  # steps at which a body or director decides
    record: str = ""  # its page in the portal's registry of record pages (`records.REGISTRY`)

    def page_of(self, subject: str) -> str | None:
        if not self.page:  # no page in the portal yet: acted on through the service's API
            return None
        if self.name == "monitoring_item":  # a project of a monitoring plan: plan id:group code
            plan_id, _, group = subject.partition(":")
            return self.page.format(id=plan_id) + (f"#g-{group}" if group else "")
        return self.page.format(id=subject)

    def api_of(self, subject: str) -> str:
        return self.api.format(id=subject.partition(":")[0])


KINDS: tuple[Kind, ...] = (
    # correspondence (procedures 1-4; its work comes from its own /my-work)
    Kind("correspondence", "document", "หนังสือราชการ", "/documents/{id}",
         "/saraban/documents/{id}"),
    Kind("correspondence", "service_request", "คำขอรับบริการ", "/service-requests/{id}",
         "/saraban/service-requests/{id}", record="correspondence/service_request"),
    Kind("correspondence", "action_item", "งานติดตามจากการประชุม", "/action-items/{id}",
         "/saraban/action-items/{id}", record="correspondence/action_item"),
    Kind("correspondence", "knowledge_item", "องค์ความรู้", "/knowledge-items/{id}",
         "/saraban/knowledge/{id}", record="correspondence/knowledge"),
    Kind("correspondence", "news_item", "ข่าวประชาสัมพันธ์", "/news-items/{id}",
         "/saraban/news/{id}", frozenset({"in_review"}), "correspondence/news"),
    # A meeting before it is held is the director's while agenda items wait for a decision.
    Kind("correspondence", "meeting", "การประชุม", "/meetings/{id}", "/saraban/meetings/{id}",
         frozenset({"planned", "notified"}), "correspondence/meeting"),
    # planning (5-8)
    *(Kind("planning", kind, label, "/plans/{id}", "/planning/plans/{id}", frozenset({"submitted"}),
           "planning/plan")
      for kind, label in (("policy", "นโยบาย จุดเน้น เป้าหมาย"),
                          ("development_plan", "แผนพัฒนาการศึกษา"),
                          ("action_plan", "แผนปฏิบัติการประจำปี"))),
    # budgeting (10-13)
    Kind("budgeting", "budget_line", "รายการงบประมาณ", "/lines/{id}", "/budgeting/lines/{id}",
         record="budgeting/line"),
    Kind("budgeting", "allocation", "การจัดสรรงบประมาณ", "/allocations/{id}",
         "/budgeting/allocations/{id}", frozenset({"submitted"}), "budgeting/allocation"),
    Kind("budgeting", "budget_transfer", "การโอนเปลี่ยนแปลงงบประมาณ", "/budget-transfers/{id}",
         "/budgeting/transfers/{id}", frozenset({"proposed"}), "budgeting/transfer"),
    Kind("budgeting", "budget_analysis", "การวิเคราะห์งบประมาณรายจ่าย", "/budget-analyses/{id}",
         "/budgeting/analyses/{id}", frozenset({"submitted"}), "budgeting/analysis"),
    Kind("budgeting", "budget_request", "คำขอจัดตั้งงบประมาณ", "/budget-requests/{id}",
         "/budgeting/requests/{id}", frozenset({"submitted"}), "budgeting/request"),
    Kind("budgeting", "external_funding", "การขอรับการสนับสนุนจากภายนอก", "/external-funding/{id}",
         "/budgeting/funding/{id}", frozenset({"requested"}), "budgeting/funding"),
    Kind("budgeting", "leftover_review", "เงินเหลือจ่าย", "/leftover-reviews/{id}",
         "/budgeting/leftover/{id}", record="budgeting/leftover"),
    # restructuring (9)
    *(Kind("restructuring", kind, label, "/cases/{id}", "/restructuring/cases/{id}",
           frozenset({"proposed"}), "restructuring/case")
      for kind, label in (("establish", "จัดตั้งสถานศึกษา"), ("merge", "ยุบรวมสถานศึกษา"),
                          ("dissolve", "เลิกสถานศึกษา"), ("transfer_school", "โอนสถานศึกษา"),
                          ("class_expansion", "ขยายชั้นเรียน"))),
    # monitoring (14-16)
    Kind("monitoring", "monitoring_item", "รายงานความก้าวหน้า", "/monitoring-plans/{id}",
         "/monitoring/plans/{id}", record="monitoring/plan"),
    Kind("monitoring", "inspection_recommendation", "ข้อเสนอแนะการตรวจราชการ",
         "/recommendations/{id}", "/monitoring/recommendations/{id}", frozenset({"proposed"}),
         "monitoring/recommendation"),
    Kind("monitoring", "evaluation", "ผลการประเมิน", "/evaluations/{id}",
         "/monitoring/evaluations/{id}", frozenset({"evaluated"}), "monitoring/evaluation"),
)
_BY_TYPE = {(k.service, k.name): k for k in KINDS}


def kind_of(service: str, case_type: str | None) -> Kind | None:
    return _BY_TYPE.get((service, case_type or ""))


def page_of(service: str, case_type: str | None, subject: str) -> str | None:
    kind = kind_of(service, case_type)
    return kind.page_of(subject) if kind is not None else None


def is_decision(service: str, case_type: str | None, step: str | None) -> bool:
    kind = kind_of(service, case_type)
    return kind is not None and (step or "") in kind.decision_steps
