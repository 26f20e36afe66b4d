"""The dashboard's figures are made once for every screen asking at the same point of the log, and
never answered once something new is recorded or they are older than their limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.monitoring.performance import SharedFigures

T0 = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


class Board:
    """What the figures ask of the case board: where the lists are, and the time."""

    def __init__(self) -> None:
        self.at, self.now = 100, T0

    def position(self) -> int:
        return self.at

    def clock(self) -> datetime:
        return self.now


def test_figures_are_made_again_only_when_the_log_moves_or_they_age() -> None:
    board = Board()
    figures = SharedFigures(board, max_age=timedelta(seconds=5))  # type: ignore[arg-type]
    made: list[Any] = []

    def ask(year: int | None = None) -> Any:
        return figures.get(year, lambda: made.append((year, board.at, board.now)) or len(made))

    assert [ask(), ask(), ask()] == [1, 1, 1], "screens refreshing at once: made once"
    board.now = T0 + timedelta(seconds=4)
    assert ask() == 1
    board.at = 101  # an event recorded: the figures may have changed
    assert ask() == 2
    board.now = T0 + timedelta(seconds=9)  # 5 s after they were made: too old
    assert ask() == 3
    board.now = T0  # a clock set back: never answered from the future
    assert ask() == 4
    assert ask(2570) == 5 and ask() == 4, "each fiscal year its own figures"
