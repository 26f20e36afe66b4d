"""Work another service's event asks correspondence to create never ends on a dead-letter subject
(issues 11 §1, 12 §1): evaluation results issued by the ESA director, who does not draft, by an
officer the directory does not know, and by a responsible officer, arrive over real NATS
JetStream at correspondence running as a real process; each becomes a draft letter (the first two
held by the group director, saying who was named and why) and nothing is parked.
On SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from typing import Any
from uuid import UUID

import nats
from conftest import Saraban

from contracts.envelope import Envelope
from contracts.monitoring.v1 import EvaluationResultsIssued
from services.correspondence.handlers import evaluation_letter_id
from shared.settings import PROJECT_ROOT
from shared.testing import ServiceProcess

EXAMPLE = PROJECT_ROOT / "contracts" / "examples" / "monitoring.evaluation.results_issued.v1.json"


def issued_by(officer_id: str, evaluation_id: str) -> Envelope[EvaluationResultsIssued]:
    example = Envelope[EvaluationResultsIssued].model_validate_json(
        EXAMPLE.read_text(encoding="utf-8"))
    # Issued, and prepared, by that officer: the letter is theirs to draft if they may.
    data = example.data.model_copy(update={"issued_by": officer_id, "prepared_by": officer_id,
                                           "evaluation_id": evaluation_id})
    return example.model_copy(update={
        "data": data, "subject": evaluation_id,
        "id": Envelope.message_id("monitoring", evaluation_id, 3)})


def publish(url: str, envelopes: list[Envelope[Any]]) -> None:
    async def run() -> None:
        client = await nats.connect(url)
        for envelope in envelopes:
            await client.jetstream().publish(envelope.nats_subject,
                                             envelope.model_dump_json().encode(),
                                             headers={"Nats-Msg-Id": envelope.id})
        await client.drain()

    asyncio.run(run())


def eventually(get: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = get()
        if response.status_code == 200:
            return response.json()
        time.sleep(0.2)
    raise TimeoutError


def test_letters_issued_on_someone_s_behalf_are_drafted_and_nothing_is_parked(
        nats_server: Any, store_env: dict[str, str]) -> None:
    env = {**store_env, "ESA_NATS_URL": nats_server.url, "ESA_RELAY_POLL_SECONDS": "0.2"}
    correspondence = ServiceProcess("correspondence", env).start()
    saraban = Saraban(correspondence)
    try:
        saraban.hire_staff()
        cases = {"esa-1": ("group_director", "may_not_draft"),
                 "nobody-9": ("group_director", "not_in_directory"),
                 "off-1": ("off-1", None)}
        evaluations = {officer: f"00000000-0000-4000-8000-00000000000{i}"
                       for i, officer in enumerate(cases, start=1)}
        publish(nats_server.url, [issued_by(officer, evaluation)
                                  for officer, evaluation in evaluations.items()])

        for officer, (holder, reason) in cases.items():
            letter_id = evaluation_letter_id(UUID(evaluations[officer]), 1)
            letter = eventually(lambda i=letter_id: saraban.http.get(
                f"/documents/{i}", headers={"X-Actor-Id": "dir-1"}))
            assert (letter["step"], letter["holder"]) == ("drafted", holder), officer
            assert letter["named_drafter_id"] == officer
            assert (letter["rerouted"] or {}).get("reason") == reason
        parked = saraban.http.get("/admin/dead-letters")
        assert parked.status_code == 200 and parked.json()["items"] == [], "nothing on a dead-letter subject"
    finally:
        saraban.close()
        correspondence.stop()
