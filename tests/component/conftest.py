"""Component fixtures: one service with a real store, over real HTTP semantics (TestClient), without
NATS (the lifespan that starts the relay and consumers is not entered)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.correspondence.application import CorrespondenceApplication
from services.correspondence.main import create_app as create_correspondence
from services.correspondence.settings import CorrespondenceSettings


class Clock:
    """A settable clock, so that calendar rules can be tested at chosen instants."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 27, 3, 0, tzinfo=UTC))


@pytest.fixture
def correspondence(tmp_path: Path, clock: Clock) -> Iterator[CorrespondenceApplication]:
    app = CorrespondenceApplication(
        CorrespondenceSettings(var_dir=tmp_path / "var", office_code="ศธ 04123"), clock=clock)
    yield app
    app.close()


@pytest.fixture
def client(correspondence: CorrespondenceApplication) -> TestClient:
    return TestClient(create_correspondence(correspondence.settings, correspondence))
