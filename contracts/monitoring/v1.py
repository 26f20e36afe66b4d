"""Monitoring's contract events, version 1, published on `esa.monitoring.>`:

- `monitoring.case.status_changed`: the versioned status-event contract, the durable export of every
  case's status changes to the central office (stream `monitoring`, see README "Central-office feed");
- `monitoring.evaluation.results_issued`: evaluation results (procedure 15) sent back to those
  responsible; correspondence drafts one outgoing document per result.

Imports only pydantic and `contracts.envelope` (checked by an architecture test).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from contracts.envelope import CaseStatus, ContractModel, IntegrationEvent


class CaseStatusChanged(IntegrationEvent):
    """Monitoring observed an event about a case of another service; `status` is where the case now
    stands (None while no producer has reported a status for it). The envelope's `subject` is the
    case id, `uuid5(NAMESPACE_URL, f"{source}:{subject}")`."""

    EVENT_TYPE: ClassVar[str] = "monitoring.case.status_changed"

    case_id: UUID
    source: str = Field(description="The service the case belongs to")
    subject: str = Field(description="The case's aggregate id in that service")
    event_type: str = Field(description="The type of the observed contract event")
    event_id: str = Field(description="The id of the observed contract event")
    event_time: datetime = Field(description="When the observed event happened")
    status: CaseStatus | None = None


class EvaluationKind(StrEnum):
    action_plan = "action_plan"  # ประเมินผลแผนปฏิบัติการประจำปี
    mid_plan = "mid_plan"  # ประเมินผลระยะครึ่งแผนพัฒนาการศึกษาขั้นพื้นฐาน
    obec_strategy = "obec_strategy"  # ประเมินผลการดำเนินงานตามยุทธศาสตร์ สพฐ.


class EvaluationResultLetter(ContractModel):
    """One result, addressed to whoever must act on it, with the Thai text of the letter."""

    result_no: int = Field(ge=1, description="Unique within the evaluation")
    addressee: str = Field(description="Officer id, group or body the result goes back to")
    addressee_th: str = Field(description="The addressee as the letter names it, in Thai")
    subject_th: str = Field(description="The letter's subject (เรื่อง)")
    text_th: str = Field(description="The letter's body: the results and what to improve")


class EvaluationResultsIssued(IntegrationEvent):
    """An evaluation's results were issued (procedure 15): each goes back to those responsible as
    a letter drafted in correspondence. The ESA director issues them (`issued_by`); the officer
    who evaluated (`prepared_by`) is the one who can draft the letters. The envelope's `subject`
    is the evaluation id."""

    EVENT_TYPE: ClassVar[str] = "monitoring.evaluation.results_issued"

    evaluation_id: UUID
    kind: EvaluationKind
    title_th: str
    fiscal_year_be: int | None = Field(default=None, description="For annual evaluations")
    issued_by: str = Field(description="Who decided to issue the results (the ESA director)")
    prepared_by: str | None = Field(
        default=None, description="The officer who recorded the evaluation: the letters' drafter "
        "where the staff directory lets them draft")
    issued_on: date = Field(description="Bangkok date of issue")
    results: list[EvaluationResultLetter] = Field(min_length=1)


EVENTS = (CaseStatusChanged, EvaluationResultsIssued)
