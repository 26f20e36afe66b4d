"""The annual report's charts read as Thai reports write numbers: 800,000 baht, not 800000."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

from matplotlib import pyplot as plt

from services.monitoring import charts
from services.monitoring.performance import BudgetRow, Performance, StepRow
from shared.thaireport import REGULAR_FONT


def performance() -> Performance:
    return Performance(
        fiscal_year_be=2568, generated_at=datetime(2025, 1, 10, 3, tzinfo=UTC), position=0, kpis=[],
        budget_by_category=[BudgetRow("operations", "งบดำเนินงาน", Decimal("800000.00"),
                                      Decimal("250000.50")),
                            BudgetRow("subsidies", "งบเงินอุดหนุน", Decimal("1250000.00"),
                                      Decimal("1000000.00"))],
        budget_by_quarter=[BudgetRow(f"q{q}", f"ไตรมาส {q}", Decimal("512500.00"),
                                     Decimal("312500.12")) for q in range(1, 5)],
        steps=[StepRow("planning", "นโยบายและแผน", "approved", "กศจ. อนุมัติแล้ว", 1500, 3,
                       (1000, 300, 150, 50))])


def tick_labels(figure) -> list[str]:  # noqa: ANN001 - a matplotlib Figure
    figure.canvas.draw()
    try:
        return [t.get_text() for axes in figure.axes
                for t in (*axes.get_xticklabels(), *axes.get_yticklabels())]
    finally:
        plt.close(figure)


def test_money_and_counts_on_the_axes_have_thousands_separators() -> None:
    for build in (charts.budget_use_figure, charts.cases_by_step_figure):
        labels = [label.replace("\u2212", "-") for label in tick_labels(build(performance(),
                                                                                 REGULAR_FONT))]
        numbers = [label for label in labels if re.fullmatch(r"[\d,.-]+", label)]
        assert any("," in label for label in numbers), (build.__name__, labels)
        assert not any(re.fullmatch(r"-?\d{4,}(\.\d+)?", label) for label in numbers), labels
