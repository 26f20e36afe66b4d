"""A form's nested inputs become the list a command takes (`records.build_body`): a `rows`
textarea, one item a line, and a `table` of inputs for each row the page offered; what the
portal can tell is wrong is said in Thai by line or by row, and what was typed is kept."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.datastructures import FormData

from services.portal.pages_budgeting import _amounts_body
from services.portal.pages_monitoring import _strategies_body
from services.portal.records import Action, Field, FormProblem, build_body, typed

CATEGORY = Field("category", "หมวดงบ", "select", required=True,
                 options=(("operations", "งบดำเนินงาน"), ("investment", "งบลงทุน")))
ITEMS = Field("items", "รายการ", "rows", required=True, columns=(
    Field("title_th", "รายการ", required=True), CATEGORY,
    Field("amount", "จำนวนเงิน (บาท)", "money", required=True), Field("note", "หมายเหตุ")))
AMOUNTS = Field("items", "จำนวนเงิน", "table", columns=(Field("amount", "จำนวนเงิน", "money"),))
SCHOOLS = {"items": [("40050001", "40050001 โรงเรียนบ้านนา"),
                     ("40050002", "40050002 โรงเรียนชุมชน")]}


def body(action: Action, form: list[tuple[str, str]], choices: Any = None) -> dict[str, Any]:
    return asyncio.run(build_body(None, None, "budgeting", action, FormData(form), {},  # type: ignore[arg-type]
                                  choices))


def test_rows_are_items_typed_by_their_columns_one_a_line() -> None:
    action = Action("x", "x", "/x", fields=(ITEMS,))
    typed_in = ("ค่าหนังสือ | ดำเนินงาน | 12,000.50 | เพิ่มขึ้น\n\n"
                "ครุภัณฑ์\tinvestment\t30000\n"  # pasted from a spreadsheet
                "ห้องสมุด | งบลงทุน | 1500 | มี | ขีด | ในหมายเหตุ")
    assert body(action, [("items", typed_in)])["items"] == [
        {"title_th": "ค่าหนังสือ", "category": "operations", "amount": "12000.50",
         "note": "เพิ่มขึ้น"},
        {"title_th": "ครุภัณฑ์", "category": "investment", "amount": "30000"},
        {"title_th": "ห้องสมุด", "category": "investment", "amount": "1500",
         "note": "มี | ขีด | ในหมายเหตุ"}]
    with pytest.raises(FormProblem) as refused:
        body(action, [("items", "ค่าหนังสือ | งบ | 12.345\n | ดำเนินงาน | 10")])
    message = refused.value.errors["items"]
    assert "บรรทัดที่ 1: หมวดงบ: ไม่มี “งบ”" in message  # "งบ" is part of every option
    assert "บรรทัดที่ 1: จำนวนเงินต้องเป็นบาทและสตางค์ไม่เกิน 2 ตำแหน่ง" in message
    assert "บรรทัดที่ 2: ต้องระบุรายการ" in message
    with pytest.raises(FormProblem) as empty:
        body(action, [("items", "\n  \n")])
    assert empty.value.errors == {"items": "ต้องระบุ"}


def test_a_table_reads_the_rows_the_page_offered_and_names_each_wrong_input() -> None:
    action = Action("amounts", "x", "/x", fields=(AMOUNTS,), shape=_amounts_body)
    form = [("items.40050001.amount", "60,000.50"), ("items.40050002.amount", ""),
            ("items.99999999.amount", "1000000")]  # a row the page never offered: not read
    assert body(action, form, SCHOOLS) == {"items": [{
        "recipient_kind": "school", "recipient_code": "40050001",
        "recipient_name_th": "โรงเรียนบ้านนา", "amount": "60000.50"}]}
    wrong = [("items.40050001.amount", "60000.505"), ("items.40050002.amount", "30000")]
    with pytest.raises(FormProblem) as refused:
        body(action, wrong, SCHOOLS)
    assert refused.value.errors == {
        "items": "40050001 โรงเรียนบ้านนา: จำนวนเงินต้องเป็นบาทและสตางค์ไม่เกิน 2 ตำแหน่ง",
        "items.40050001.amount": "40050001 โรงเรียนบ้านนา: จำนวนเงินต้องเป็นบาทและสตางค์ไม่เกิน 2 ตำแหน่ง"}
    assert typed(FormData(wrong), action.fields) == {"items": "", **dict(wrong)}


def test_an_evaluations_indicator_lines_are_grouped_by_strategy() -> None:
    assert _strategies_body({"fiscal_year_be": "2568", "indicators": [
        {"strategy_code": "OS1", "strategy_title_th": "ปลอดภัย", "code": "K1", "name_th": "ก"},
        {"strategy_code": "OS2", "strategy_title_th": "โอกาส", "code": "K2", "name_th": "ข"},
        {"strategy_code": "OS1", "strategy_title_th": "ปลอดภัย", "code": "K3", "name_th": "ค"}],
        "recommendations": [{"code": "K1", "text_th": "ตรวจอาคาร"}]}) == {
        "fiscal_year_be": "2568", "recommendations": {"K1": "ตรวจอาคาร"}, "strategies": [
            {"code": "OS1", "title_th": "ปลอดภัย", "indicators": [
                {"code": "K1", "name_th": "ก"}, {"code": "K3", "name_th": "ค"}]},
            {"code": "OS2", "title_th": "โอกาส", "indicators": [{"code": "K2", "name_th": "ข"}]}]}
