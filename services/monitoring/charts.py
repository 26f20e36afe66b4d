"""Charts of the office's performance (matplotlib, drawn in the bundled Thai font), as PNG bytes;
each also as the figure it draws (`*_figure`), which the PNG is made from. Amounts and counts on the
axes are written as Thai reports write them: with thousands separators (800,000)."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no screen on a server

from matplotlib import font_manager  # noqa: E402 - after choosing the backend
from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.axis import Axis  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from services.monitoring.performance import AGE_BUCKETS, Performance  # noqa: E402
from shared.thaireport import wrap_words  # noqa: E402

PLANNED, USED, TARGET = "#8fb3d9", "#1f5f99", "#b03a2e"
AGE_COLOURS = ("#9ccc9c", "#f2d16b", "#f0a35e", "#c0392b")
_lock = threading.RLock()  # pyplot keeps global state: one figure at a time


def use_font(font_path: Path) -> str:
    """Register the Thai font with matplotlib (once) and return its family name."""
    font_manager.fontManager.addfont(str(font_path))
    family = font_manager.FontProperties(fname=str(font_path)).get_name()
    matplotlib.rcParams["font.family"] = family
    return family


def _thousands(axis: Axis, *, whole: bool = False) -> None:
    """Tick labels with thousands separators (800,000); `whole` numbers only (counts)."""
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    if whole:
        axis.set_major_locator(MaxNLocator(integer=True))


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=150, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def kpi_attainment(perf: Performance, font_path: Path) -> bytes:
    with _lock:
        return _png(kpi_attainment_figure(perf, font_path))


def kpi_attainment_figure(perf: Performance, font_path: Path) -> Figure:
    with _lock:  # pyplot's state: one figure at a time
        use_font(font_path)
        rows = [k for k in perf.kpis if k.attainment_pct is not None]
        figure, axes = plt.subplots(figsize=(8, max(2.5, 0.45 * len(rows) + 1.2)))
        labels = [f"{k.item_code}" for k in rows]
        values = [float(k.attainment_pct or 0) for k in rows]
        colours = [USED if k.achieved else TARGET for k in rows]
        axes.barh(labels, values, color=colours)
        axes.axvline(100, color="#333", linestyle="--", linewidth=1)
        for y, value in enumerate(values):
            axes.text(value + 1, y, f"{value:,.2f}%", va="center", fontsize=9)
        if not rows:
            axes.text(0.5, 0.5, "ยังไม่มีการรายงานผลตัวชี้วัด", ha="center", va="center",
                      transform=axes.transAxes)
        axes.invert_yaxis()
        axes.set_xlabel("ร้อยละของค่าเป้าหมาย")
        axes.set_title(f"ผลสัมฤทธิ์ตามตัวชี้วัด ปีงบประมาณ พ.ศ. {perf.fiscal_year_be}")
        axes.set_xlim(0, max([110.0, *[v + 15 for v in values]]))
        _thousands(axes.xaxis)
        return figure


def budget_use(perf: Performance, font_path: Path) -> bytes:
    with _lock:
        return _png(budget_use_figure(perf, font_path))


def budget_use_figure(perf: Performance, font_path: Path) -> Figure:
    with _lock:  # pyplot's state: one figure at a time
        use_font(font_path)
        figure, (by_category, by_quarter) = plt.subplots(1, 2, figsize=(10, 3.8))
        for axes, rows, title in (
            (by_category, perf.budget_by_category, "จำแนกตามงบรายจ่าย"),
            (by_quarter, perf.budget_by_quarter, "จำแนกตามไตรมาส"),
        ):
            positions = range(len(rows))
            axes.bar([p - 0.2 for p in positions], [float(r.planned) for r in rows], 0.4,
                     label="ตามแผน", color=PLANNED)
            axes.bar([p + 0.2 for p in positions], [float(r.used) for r in rows], 0.4,
                     label="ใช้จริง", color=USED)
            axes.set_xticks(list(positions), [r.label_th for r in rows], fontsize=9)
            axes.set_title(title)
            axes.set_ylabel("บาท")
            _thousands(axes.yaxis)
            axes.legend()
        figure.suptitle(f"การใช้จ่ายงบประมาณ ปีงบประมาณ พ.ศ. {perf.fiscal_year_be}", y=1.04)
        return figure


def cases_by_step(perf: Performance, font_path: Path) -> bytes:
    with _lock:
        return _png(cases_by_step_figure(perf, font_path))


def cases_by_step_figure(perf: Performance, font_path: Path) -> Figure:
    with _lock:  # pyplot's state: one figure at a time
        use_font(font_path)
        rows = perf.steps[:20]
        figure, axes = plt.subplots(figsize=(9, max(2.5, 0.6 * len(rows) + 1.4)))
        labels = ["\n".join(wrap_words(f"{r.service_th}: {r.step_th}", 32)) for r in rows]
        left = [0] * len(rows)
        for index, (_, label) in enumerate(AGE_BUCKETS):
            counts = [r.ages[index] for r in rows]
            axes.barh(labels, counts, left=left, label=label, color=AGE_COLOURS[index])
            left = [a + b for a, b in zip(left, counts, strict=True)]
        if not rows:
            axes.text(0.5, 0.5, "ไม่มีเรื่องค้าง", ha="center", va="center",
                      transform=axes.transAxes)
        axes.invert_yaxis()
        axes.set_xlabel("จำนวนเรื่องที่ยังไม่เสร็จ")
        axes.set_title("เรื่องค้างจำแนกตามขั้นตอนและระยะเวลาที่รอ")
        axes.legend(fontsize=8)
        _thousands(axes.xaxis, whole=True)
        return figure
