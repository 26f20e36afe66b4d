"""Monitoring's anti-corruption layer, both ways: other services' envelopes become `Observation`s,
and monitoring's own `Case` events become `monitoring.case.status_changed` contract events on
`esa.monitoring.>` (the central office's durable export)."""

from __future__ import annotations

from typing import Any

from contracts.envelope import AnyEnvelope, CaseStatus, Envelope, Secrecy
from contracts.monitoring.v1 import CaseStatusChanged
from services.monitoring.domain import Case, CaseState, Observation, ReportedStatus

SERVICE = "monitoring"


def observation_from(envelope: AnyEnvelope) -> Observation:
    """Copy the fields monitoring tracks; the producer's payload (`data`) is not interpreted."""
    status = envelope.status
    return Observation(
        event_id=envelope.id,
        event_type=envelope.type,
        sequence=envelope.sequence,
        time=envelope.time,
        actor=envelope.actor,
        trace_id=envelope.trace_id,
        secrecy=envelope.secrecy.value,
        status=ReportedStatus.model_validate(status.model_dump()) if status is not None else None,
        data=envelope.data,
    )


def case_status(state: CaseState) -> CaseStatus | None:
    """The contract's view of a case, or None while no producer has reported a status."""
    if state.procedure is None or state.case_type is None or state.step is None \
            or state.step_th is None or state.since is None:
        return None
    return CaseStatus(
        procedure=state.procedure,
        case_type=state.case_type,
        title=None if state.classified else state.title,
        step=state.step,
        step_th=state.step_th,
        holder=state.holder,
        holder_th=state.holder_th,
        since=state.since,
        due=state.due,
        closed=state.closed,
    )


def translate(domain_event: Any, _case: Any = None) -> Envelope[CaseStatusChanged] | None:
    """The relay's translator: every `Case` event is published; anything else stays private."""
    if not isinstance(domain_event, (Case.Opened, Case.Observed)):
        return None
    state: CaseState = domain_event.state
    observation: Observation = domain_event.observation
    case_id = domain_event.originator_id
    version = domain_event.originator_version
    status = case_status(state)
    return Envelope[CaseStatusChanged](
        id=Envelope.message_id(SERVICE, case_id, version),
        type=CaseStatusChanged.EVENT_TYPE,
        type_version=CaseStatusChanged.EVENT_VERSION,
        source=SERVICE,
        subject=str(case_id),
        time=domain_event.timestamp,
        sequence=version,
        actor=domain_event.actor,
        trace_id=domain_event.trace_id,
        secrecy=Secrecy(state.secrecy),
        status=status,
        data=CaseStatusChanged(
            case_id=case_id,
            source=state.source,
            subject=state.subject,
            event_type=observation.event_type,
            event_id=observation.event_id,
            event_time=observation.time,
            status=status,
        ),
    )
