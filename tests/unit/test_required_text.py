"""Required text (`shared.domain.required_text`, used by every service): text a reader would see as
empty is missing, and control characters, invisible on screen and fatal to the XML, CSV and PDF the
text ends up in, are refused, naming the field."""

from __future__ import annotations

import pytest

from shared.domain import required_text
from tests.support.given_when_then import refused


@pytest.mark.parametrize("blank", [
    None, "", "   ", "\t\n", "\u3000",          # missing, or plain and ideographic blanks
    "\u200b\u200b\u2060",                       # zero-width spaces and a word joiner
    "\ufeff \u200d\u00ad",                      # byte-order mark, zero-width joiner, soft hyphen
])
def test_text_that_shows_nothing_is_missing(blank: str | None) -> None:
    with refused("field-required", 422) as info:
        required_text(blank, "title_th")
    assert info.value.extra["field"] == "title_th"


@pytest.mark.parametrize("text", ["ข่าว\x0bหนึ่ง", "\x00ข่าว", "ข่าว\x1b[31m", "ข่าว\x7f", "ข่าว\x85"])
def test_a_control_character_is_refused(text: str) -> None:
    with refused("control-character", 422) as info:
        required_text(text, "title_th")
    assert info.value.extra["field"] == "title_th"
    assert info.value.title_th and info.value.title_en


def test_ordinary_text_keeps_its_tabs_line_breaks_and_inner_format_characters() -> None:
    assert required_text("  แผน\tปฏิบัติการ\r\nปี 2570 ", "title_th") == "แผน\tปฏิบัติการ\r\nปี 2570"
    assert required_text("ข่าว\u200bหนึ่ง", "title_th") == "ข่าว\u200bหนึ่ง"
