"""A plan's content typed one item a line in the portal's forms becomes the planning service's JSON,
and a plan's content becomes the same lines again (a revision starts from it and loses nothing);
a line the portal can tell is wrong is refused beside its field, naming the line."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from planning_samples import action_plan, development_plan, policy
from starlette.datastructures import FormData

from services.portal.plan_forms import (
    ACTION_PLAN_FIELDS,
    DEVELOPMENT_FIELDS,
    POLICY_FIELDS,
    action_plan_content,
    action_plan_rows,
    development_content,
    development_rows,
    policy_content,
    policy_rows,
    thai_day,
)
from services.portal.records import Action, Field, FormProblem, build_body


def rows_of(fields: tuple[Field, ...], typed: dict[str, str]) -> dict[str, Any]:
    """What the portal's form reading makes of the typed text (rows fields as their items)."""
    form = FormData([(f.name, typed[f.name]) for f in fields if typed.get(f.name)])
    return asyncio.run(build_body(None, None, "planning",  # type: ignore[arg-type]
                                  Action("x", "x", "/x", fields=fields), form, {}))


def test_an_action_plan_round_trips_through_its_form() -> None:
    sample = action_plan("dev-1", "pol-1", 2568)
    stored = {"title_th": sample["title_th"], "fiscal_year_be": 2568, "content": sample}
    typed = action_plan_rows(stored)
    assert typed["budget"].splitlines()[0] == "P68-01 | งบดำเนินงาน | 1 | 450000.00"
    assert "P68-01 | P68-01-K1 | ร้อยละของนักเรียน ป.1 ที่อ่านออกเขียนได้ | ร้อยละ | 95 | 2=60 4=95" \
        in typed["kpis"]
    assert typed["activities"] == "P68-01 | อบรมครูผู้สอนภาษาไทย ป.1 | 1/12/2567 | 3/12/2567"
    body = action_plan_content(rows_of(ACTION_PLAN_FIELDS, typed), 2568)
    expected = [{k: v for k, v in p.items()} for p in sample["projects"]]
    for project in expected:
        project.setdefault("policy_focus_codes", [])
        project.setdefault("provincial_strategy_codes", [])
        project.setdefault("national_strategy_codes", [])
        project.setdefault("activities", [])
        for kpi in project["kpis"]:
            kpi.setdefault("quarter_targets", [])
    assert body["projects"] == expected
    assert body["total_budget"] == "1250000.50"


def test_a_policy_and_a_development_plan_round_trip_through_their_forms() -> None:
    for make, rows, content, fields in (
            (lambda: policy(2568), policy_rows, policy_content, POLICY_FIELDS),
            (lambda: development_plan(2566, 2570), development_rows, development_content,
             DEVELOPMENT_FIELDS)):
        sample = make()
        body = content(rows_of(fields, rows({"title_th": sample["title_th"], "content": sample})))
        for key, value in body.items():
            assert _normal(value) == _normal(sample[key]), key


def _normal(value: Any) -> Any:
    """The sample without the keys a form leaves empty (an empty analysis, no codes)."""
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items() if v not in ("", [], None)}
    return value


@pytest.mark.parametrize(("field", "line", "said"), [
    ("budget", "P1 | งบดำเนินงาน | 5 | 100.00", "ไตรมาสต้องเป็น 1 ถึง 4"),
    ("budget", "P1 | งบดำเนินงาน | 1 | หนึ่งร้อย", "จำนวนเงินไม่ถูกต้อง"),
    ("budget", "P1 | งบเดินทาง | 1 | 100.00", "ไม่รู้จักหมวดงบ"),
    ("budget", "P9 | งบดำเนินงาน | 1 | 100.00", "ไม่มีโครงการรหัส “P9”"),
    ("kpis", "P1 | K1 | ร้อยละ | ร้อยละ | เก้าสิบ", "ค่าเป้าหมายต้องเป็นตัวเลข"),
    ("activities", "P1 | อบรม | 31/2/2568 | 1/3/2568", "วันที่ “31/2/2568” ไม่ถูกต้อง"),
])
def test_a_wrong_line_is_refused_beside_its_field_naming_the_line(field: str, line: str,
                                                                 said: str) -> None:
    typed = {"projects": "P1 | โครงการ | S1 | 100.00 | กลุ่ม | ผู้รับผิดชอบ",
             "objectives": "P1 | วัตถุประสงค์", "kpis": "P1 | K1 | ตัวชี้วัด | ร้อยละ | 90",
             "budget": "P1 | งบดำเนินงาน | 1 | 100.00", "total_budget": "100.00"}
    typed[field] = line
    with pytest.raises(FormProblem) as refused:
        action_plan_content(rows_of(ACTION_PLAN_FIELDS, typed), 2568)
    assert said in refused.value.errors[field] and line.split(" | ")[1] in refused.value.errors[field]


def test_rows_are_split_by_bars_or_pasted_tabs_and_dates_are_buddhist_era() -> None:
    two = (Field("x", "x", "rows", columns=(Field("a", "a"), Field("b", "b"))),)
    assert rows_of(two, {"x": "KK-E4\tส่งเสริมการมีงานทำ\nA |\nA\na | b | c"})["x"] == [
        {"a": "KK-E4", "b": "ส่งเสริมการมีงานทำ"}, {"a": "A"}, {"a": "A"},
        {"a": "a", "b": "b | c"}]  # the last column takes the rest of the line
    assert thai_day("1/10/2567") == "2024-10-01" and thai_day("2024-10-01") == "2024-10-01"
    assert thai_day("") is None
