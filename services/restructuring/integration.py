"""Restructuring's anti-corruption layer: private domain events → public contract events (v1).

Registry events travel without a case status (a school is not a case); every case event carries
the case's `CaseStatus` after the event (procedure 9), read from the case as it was at that
version. Pupils who joined a receiving school travel on the absorbed school's `merged` event, so
the receiving school's own record of them stays inside, as do idempotency records.
"""

from __future__ import annotations

from typing import Any

from contracts.envelope import CaseStatus, Envelope, IntegrationEvent
from contracts.restructuring import v1
from contracts.vocabulary import ApprovalRecord, RegisteredDocumentRef
from services.restructuring.domain import (
    COMMITTEE,
    RestructuringCase,
    School,
    SchoolRef,
)
from shared.domain import DomainEvent
from shared.relay import envelope_for

SERVICE = "restructuring"
PROCEDURE_RESTRUCTURING = 9


def _ref(ref: SchoolRef) -> v1.SchoolRef:
    return v1.SchoolRef(school_id=ref.school_id, school_code=ref.code, name_th=ref.name_th)


def school_payload(event: DomainEvent, school: School) -> IntegrationEvent | None:
    ids = {"school_id": school.id, "school_code": school.code}
    match event:
        case School.Registered():
            return v1.SchoolRegistered(
                **ids, name_th=event.name_th, name_en=event.name_en, district=event.district,
                subdistrict=event.subdistrict, levels=event.levels,
                established_on=event.established_on, case_id=event.case_id)
        case School.DetailsCorrected():
            return v1.SchoolDetailsChanged(**ids, name_th=event.name_th, name_en=event.name_en,
                                           district=event.district, subdistrict=event.subdistrict)
        case School.EnrolmentRecorded():
            snapshot = event.snapshot
            return v1.EnrolmentSnapshotRecorded(
                **ids, snapshot_date=snapshot.snapshot_date,
                academic_year_be=snapshot.academic_year_be, term=snapshot.term,
                pupils_by_grade=snapshot.pupils_by_grade,
                pupils_by_level=snapshot.pupils_by_level, total=snapshot.total,
                size_band=snapshot.size_band, small_school=snapshot.small_school,
                correction=event.correction)
        case School.LevelsExpanded():
            return v1.SchoolLevelsExpanded(**ids, levels=event.levels,
                                           effective_date=event.effective_date,
                                           case_id=event.case_id)
        case School.Merged():
            return v1.SchoolMerged(**ids, into_school_id=event.into_id,
                                   into_school_code=event.into_code,
                                   effective_date=event.effective_date, case_id=event.case_id,
                                   pupils_moved_by_grade=event.pupils_by_grade)
        case School.Dissolved():
            return v1.SchoolDissolved(**ids, effective_date=event.effective_date,
                                      case_id=event.case_id)
        case School.Transferred():
            return v1.SchoolTransferred(**ids, to_authority=event.to_authority,
                                        effective_date=event.effective_date,
                                        case_id=event.case_id)
    return None  # PupilsReceived: told by the absorbed school's `merged`


def case_payload(event: DomainEvent, case: RestructuringCase) -> IntegrationEvent | None:
    common = {"case_id": case.id, "case_type": case.case_type, "title_th": case.title_th}
    match event:
        case RestructuringCase.Opened():
            new = case.new_school
            return v1.CaseOpened(
                **common, schools=[_ref(r) for r in case.schools],
                receiving_school=_ref(case.receiving) if case.receiving else None,
                new_school=v1.NewSchool(school_code=new.code, **new.details.model_dump(),
                                        levels=new.levels) if new else None,
                to_authority=case.to_authority, levels_added=case.levels_added,
                regulation_th=case.regulation_th, opened_by=event.officer_id)
        case RestructuringCase.Studied():
            study = event.study
            return v1.CaseStudied(
                **common, study_no=study.number, school_age_population=study.school_age_population,
                travel_distance_km=study.travel_distance_km,
                pupils_affected=study.pupils_affected, summary_th=study.summary_th)
        case RestructuringCase.HearingRecorded():
            hearing = event.hearing
            return v1.CaseHearingRecorded(
                **common, hearing_no=hearing.number, held_on=hearing.held_on,
                participants=hearing.participants,
                school_board_agreed=hearing.school_board_agreed,
                community_agreed=hearing.community_agreed, summary_th=hearing.summary_th)
        case RestructuringCase.Proposed():
            return v1.CaseProposed(**common, round=event.round_no, body=COMMITTEE,
                                   proposed_by=event.by)
        case RestructuringCase.Decided():
            record = event.record
            resolution = record.resolution
            return v1.CaseDecided(**common, approval=ApprovalRecord(
                body=record.body, decision=record.decision, decided_on=record.decided_on,
                round=event.round_no, reason=record.reason,
                resolution=RegisteredDocumentRef(document_id=resolution.document_id,
                                                 reference=resolution.reference,
                                                 dated=resolution.dated) if resolution else None))
        case RestructuringCase.Executed():
            return v1.CaseExecuted(**common, effective_date=event.effective_date,
                                   schools=[_ref(r) for r in event.schools])
        case RestructuringCase.Withdrawn():
            return v1.CaseWithdrawn(**common, reason=event.reason)
    return None


def case_status(case: RestructuringCase) -> CaseStatus:
    return CaseStatus(
        procedure=PROCEDURE_RESTRUCTURING,
        case_type=case.case_type.value,
        title=case.title_th,
        step=case.step.value,
        step_th=case.step_th,
        holder=None if case.closed else case.holder,
        holder_th=None if case.closed else case.holder_th,
        since=case.step_since,
        due=None,
        closed=case.closed,
    )


def translate(event: DomainEvent, aggregate: Any) -> Envelope[Any] | None:
    """The relay's translate function: the contract event (and, for a case, its status)."""
    if isinstance(event, School.Event):
        payload = school_payload(event, aggregate)
        return envelope(event, payload, None) if payload is not None else None
    if isinstance(event, RestructuringCase.Event):
        payload = case_payload(event, aggregate)
        return envelope(event, payload, case_status(aggregate)) if payload is not None else None
    return None


def envelope(event: DomainEvent, payload: IntegrationEvent, status: CaseStatus | None
             ) -> Envelope[Any]:
    return envelope_for(SERVICE, event, payload, status=status)
