"""Correspondence's reactions to other services' contract events: letters drafted from them.

Each reaction is its own function, so reactions written for different services merge side by side;
`subscriptions` lists them by source service.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import NAMESPACE_URL, UUID, uuid5

from contracts.correspondence.v1 import DocumentType
from contracts.envelope import AnyEnvelope
from contracts.monitoring.v1 import EvaluationKind, EvaluationResultsIssued
from services.correspondence.application import CorrespondenceApplication
from shared.consumer import Handler, Subscription
from shared.domain import Aggregate


# --- evaluation results (monitoring, procedure 15) -------------------------------------------------
def evaluation_letter_id(evaluation_id: UUID, result_no: int) -> UUID:
    """Deterministic: one document per result, however often the event is delivered."""
    return uuid5(NAMESPACE_URL, f"correspondence:evaluation-result:{evaluation_id}:{result_no}")


def evaluation_results_handler(app: CorrespondenceApplication) -> Handler:
    """`monitoring.evaluation.results_issued` → one outgoing draft per result, addressed to those
    responsible, drafted by the officer who issued the results (then checked, signed, dispatched
    like any letter). OBEC's evaluators get an external letter, the office's own people a memo."""

    def handle(envelope: AnyEnvelope) -> Sequence[Aggregate | None]:
        if envelope.type != EvaluationResultsIssued.EVENT_TYPE:
            return []
        issued = EvaluationResultsIssued.model_validate(envelope.data)
        doc_type = (DocumentType.external_letter if issued.kind == EvaluationKind.obec_strategy
                    else DocumentType.internal_memo)
        drafted: list[Aggregate | None] = []
        for result in issued.results:
            drafted.extend(app.draft_from_event(
                document_id=evaluation_letter_id(issued.evaluation_id, result.result_no),
                drafter_id=issued.issued_by, subject=result.subject_th,
                addressee=result.addressee_th, doc_type=doc_type, text=result.text_th))
        return drafted

    return handle


def subscriptions(app: CorrespondenceApplication) -> list[Subscription]:
    return [Subscription("monitoring", evaluation_results_handler(app),
                         subjects="esa.monitoring.evaluation.>")]
