"""An equivocation alarm on the audit stream becomes a case on monitoring's board (and so on the
dashboard and the feed), held by the ESA director, with both heads as evidence; a second alarm
about the same service is an event of the same case, and a redelivery changes nothing."""

from __future__ import annotations

from pathlib import Path

import orjson
from eventsourcing.persistence import Tracking

from services.monitoring.application import MonitoringApplication
from services.monitoring.handlers import subscriptions
from services.monitoring.projections import CaseBoard
from services.monitoring.settings import MonitoringSettings
from shared.audit.alarms import ALARM_EVENT_TYPE, alarm_case_id

HELD = {"service": "planning", "tree_size": 30, "root_hash": "aa" * 32}
OFFERED = {"service": "planning", "tree_size": 30, "root_hash": "bb" * 32}


def alarm(kind: str, raised_by: str) -> bytes:
    return orjson.dumps({"kind": "alarm", "alarm": kind, "service": "planning",
                         "raised_by": raised_by, "detail": "two signed heads of 30 events",
                         "raised_at": "2026-11-27T03:00:00+00:00", "held": HELD,
                         "offered": OFFERED})


def test_an_alarm_is_a_case_with_both_heads_as_evidence(tmp_path: Path) -> None:
    app = MonitoringApplication(MonitoringSettings(var_dir=tmp_path / "var"))
    [audit] = [s for s in subscriptions(app) if s.source == "audit"]
    assert audit.subjects == "esa.audit.*.alarm"

    def deliver(data: bytes, sequence: int) -> None:
        envelope = audit.decode(data, sequence)
        if not app.process_recorder.has_tracking_id("audit", sequence):
            app.execute(lambda: (None, audit.handler(envelope)),
                        tracking=Tracking("audit", sequence))

    deliver(alarm("equivocation", "witness-1"), 1)
    deliver(alarm("equivocation", "witness-1"), 1)  # redelivered
    deliver(alarm("rollback", "planning"), 2)
    board = CaseBoard(app)
    app.read_models.caught_up()
    cases, total = board.open_cases({"source": "audit"}, order_by=("changed",), limit=10)
    assert total == len(cases) == 1
    case = cases[0]
    assert case.state.step == "alarm_raised" and case.state.holder == "esa_director"
    assert "planning" in (case.state.title or "") and case.state.procedure == 14
    history = list(app.events.get(case.case_id))  # each alarm once, redelivery or not
    assert [h.observation.event_type for h in history] == [ALARM_EVENT_TYPE, ALARM_EVENT_TYPE]
    evidence = history[0].observation.data or {}
    assert evidence["held"] == HELD and evidence["offered"] == OFFERED
    assert str(case.state.subject) == alarm_case_id("planning")
    app.close()
