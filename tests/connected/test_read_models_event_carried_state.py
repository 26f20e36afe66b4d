"""A listing of event-carried state (`each_event_carries`, e.g. monitoring's case board): every
event of its aggregates carries all the row is made of, so the row is made from an aggregate's
latest event. On both stores: the rows are those of the latest events, whether followed live or
rebuilt from scratch; a rebuild decodes one event per aggregate it lists, not every event; an
event that carries too little stops the listing with a clear error."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from shared.domain import Aggregate, event
from shared.eventstore import ServiceApplication
from tests.support.stores import service_settings


class Reading(BaseModel):
    meter: str
    total: int


class Meter(Aggregate, stored_as="test.Meter"):
    """A meter whose every event says what it reads now."""

    @event("Installed")
    def __init__(self, meter: str, reading: Reading) -> None:
        self.reading = reading

    def add(self, units: int) -> None:
        self._read(Reading(meter=self.reading.meter, total=self.reading.total + units))

    @event("Read")
    def _read(self, reading: Reading) -> None:
        self.reading = reading

    @event("Noted")  # carries no reading: not for a listing of event-carried state
    def note(self, text: str) -> None:
        self.text = text


def meter_row(event: Any) -> dict[str, Any]:
    return {"meter": event.reading.meter, "total": event.reading.total,
            "view": {"total": event.reading.total, "version": event.originator_version}}


class Meters(ServiceApplication):
    name = "metertest"

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.decoded = 0
        self.meters = self.read_models.listing(
            "meters", of=(Meter,), row=meter_row, each_event_carries="reading",
            columns={"meter": "text", "total": "int"}, indexes=(("total",),))

    def to_domain_event(self, notification: Any) -> Any:
        self.decoded += 1
        return super().to_domain_event(notification)


def test_rows_come_from_each_aggregates_latest_event(store_env: dict[str, str]) -> None:
    app = Meters(service_settings("metertest", store_env))
    try:
        meters = [Meter(f"M{n}", Reading(meter=f"M{n}", total=0)) for n in range(5)]
        for n, meter in enumerate(meters):
            for _ in range(n):
                meter.add(10)
        app.save(*meters)  # 5 + 10 events
        assert [(v["total"], v["version"]) for v in app.meters.views(order_by=("meter",))] == [
            (0, 1), (10, 2), (20, 3), (30, 4), (40, 5)]
        meters[0].add(7)
        app.save(meters[0])
        assert app.meters.get(meters[0].id) == {"total": 7, "version": 2}
        assert app.meters.count({"total__ge": 20}) == 3

        app.decoded = 0
        assert app.read_models.rebuild("meters") == app.max_notification_id()
        assert app.decoded == 5, "one event per meter, its latest"
        assert [v["total"] for v in app.meters.views(order_by=("meter",))] == [7, 10, 20, 30, 40]

        meters[1].note("ตรวจแล้ว")
        app.save(meters[1])
        with pytest.raises(TypeError, match="Meter.Noted carries no reading"):
            app.read_models.rebuild("meters")
    finally:
        app.close()
