"""Read models of knowledge management (procedure 4): Thai text search over the published items,
and the summary report (the manual's step 5.4).

Thai is written without spaces between words, so the search cuts text into words with PyThaiNLP's
dictionary tokeniser (`newmm`) rather than splitting on spaces. A query word matches an item when it
is one of the item's words (the better match), or, for words of four letters or more, when it occurs
in the item's text: Thai builds long compounds (ปีงบประมาณ, เชิงปฏิบัติการ) that a reader still
expects to find by their parts, and the tokeniser may cut a run differently in the item than in the
query (แนวทางการ: แนว|ทางการ or แนวทาง|การ). Short words match only as whole words (ตา is not found
in ตาราง). Every query word must match somewhere; title matches rank first, then tags, then body.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pythainlp.tokenize import word_tokenize
from pythainlp.util import normalize as normalise_thai

from services.correspondence.knowledge.domain import (
    KNOWLEDGE_STEP_TH,
    KnowledgeItem,
    KnowledgeStep,
)
from services.correspondence.projections import by_month
from shared.thaitime import format_thai_date

PARTIAL_MATCH_MIN_CHARS = 4  # shorter words are too common inside longer ones (ตา in ตาราง)
WORD_MATCH, PART_MATCH = 2, 1


def normalise(text: str) -> str:
    """One spelling per word: Thai typing slips fixed (เเ → แ, doubled marks), case folded,
    whitespace collapsed."""
    return " ".join(normalise_thai(text).casefold().split())


def words(text: str) -> list[str]:
    """The words of a text, in order (punctuation and spaces dropped)."""
    return [w for w in word_tokenize(normalise(text), engine="newmm", keep_whitespace=False)
            if any(ch.isalnum() for ch in w)]


# Grammatical words that occur in nearly every text. PyThaiNLP's stopword list is far longer and
# holds content words a reader does search for (กลุ่ม, งาน), so the search keeps its own short list.
FUNCTION_WORDS = frozenset({
    "การ", "ความ", "ของ", "ที่", "และ", "ใน", "ให้", "กับ", "เป็น", "ได้", "จาก", "แห่ง", "โดย",
    "ซึ่ง", "หรือ", "แก่", "ต่อ", "ว่า", "นี้", "นั้น", "อยู่", "แล้ว", "เพื่อ", "ถึง", "จะ", "ไม่",
})


def query_terms(query: str) -> list[str]:
    """The words to look for: grammatical words (การ, ของ, ที่) are dropped unless that leaves
    nothing."""
    terms = list(dict.fromkeys(words(query)))
    meaningful = [t for t in terms if t not in FUNCTION_WORDS]
    return meaningful or terms


@dataclass(frozen=True)
class Field:
    """A field's words and normalised text, ready to be matched."""

    words: frozenset[str]
    text: str

    @classmethod
    def of(cls, text: str) -> Field:
        return cls(frozenset(words(text)), normalise(text))

    def score(self, term: str) -> int:
        if term in self.words:
            return WORD_MATCH
        if len(term) >= PARTIAL_MATCH_MIN_CHARS and term in self.text:
            return PART_MATCH
        return 0


@dataclass(frozen=True)
class SearchEntry:
    """A knowledge item as the search index keeps it: the item and its fields' words."""

    item: KnowledgeItem
    title: Field
    tags: Field
    body: Field

    @classmethod
    def of(cls, item: KnowledgeItem) -> SearchEntry:
        return cls(item=item, title=Field.of(item.title), tags=Field.of(" ".join(item.tags)),
                   body=Field.of(item.body))

    def rank(self, terms: Sequence[str]) -> tuple[int, int, int] | None:
        """(title, tags, body) scores when every term matches somewhere; None otherwise."""
        title = tags = body = 0
        for term in terms:
            found = (self.title.score(term), self.tags.score(term), self.body.score(term))
            if not any(found):
                return None
            title, tags, body = title + found[0], tags + found[1], body + found[2]
        return title, tags, body


def search(entries: Sequence[SearchEntry], query: str) -> list[tuple[SearchEntry, dict[str, int]]]:
    """The entries matching every word of `query`, best first: title matches before tag matches
    before body matches, then the most recently published."""
    terms = query_terms(query)
    if not terms:
        return []
    found: list[tuple[tuple[int, int, int], SearchEntry]] = []
    for entry in entries:
        rank = entry.rank(terms)
        if rank is not None:
            found.append((rank, entry))
    found.sort(key=lambda f: (f[0], f[1].item.published_at or f[1].item.captured_at),
               reverse=True)
    return [(entry, {"title": r[0], "tags": r[1], "body": r[2]}) for r, entry in found]


# --- the summary report ------------------------------------------------------------------------------

SUMMARY_COLUMNS = (
    ("section", "หมวด"),
    ("item", "รายการ"),
    ("value", "จำนวน"),
)


def knowledge_summary(items: Sequence[KnowledgeItem], names: dict[str, str | None],
                      start: date, end: date) -> dict[str, Any]:
    """Counts of the items captured in the period by status, tag and author, and per month
    (captured, and published in that month)."""
    steps = Counter(i.step for i in items)
    tags = Counter(tag for i in items for tag in i.tags)
    authors = Counter(i.author_id for i in items)
    published_by_author = Counter(i.author_id for i in items
                                  if i.step == KnowledgeStep.published)
    return {
        "period": {"from": start, "to": end, "from_th": format_thai_date(start, full=True),
                   "to_th": format_thai_date(end, full=True)},
        "total": len(items),
        "by_status": [{"step": s.value, "step_th": KNOWLEDGE_STEP_TH[s], "count": steps[s]}
                      for s in KnowledgeStep],
        "by_tag": [{"tag": tag, "count": n}
                   for tag, n in sorted(tags.items(), key=lambda t: (-t[1], t[0]))],
        "by_author": [{"author_id": a, "name_th": names.get(a), "count": n,
                       "published": published_by_author[a]}
                      for a, n in sorted(authors.items(), key=lambda t: (-t[1], t[0]))],
        "by_month": by_month({"captured": [i.captured_at for i in items],
                              "published": [i.published_at for i in items if i.published_at]}),
    }


def summary_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The summary as the lines of a Thai spreadsheet: section, item, count."""
    period = report["period"]
    rows: list[dict[str, Any]] = [
        {"section": "ช่วงเวลา", "item": f"{period['from_th']} - {period['to_th']}", "value": ""},
        {"section": "ภาพรวม", "item": "จำนวนองค์ความรู้ที่รวบรวม", "value": report["total"]},
    ]
    rows += [{"section": "สถานะ", "item": s["step_th"], "value": s["count"]}
             for s in report["by_status"]]
    rows += [{"section": "คำสำคัญ", "item": t["tag"], "value": t["count"]}
             for t in report["by_tag"]]
    rows += [{"section": "ผู้รวบรวม", "item": a["name_th"] or a["author_id"], "value": a["count"]}
             for a in report["by_author"]]
    for m in report["by_month"]:
        rows.append({"section": "รายเดือน (รวบรวม)", "item": m["month_th"], "value": m["captured"]})
        rows.append({"section": "รายเดือน (เผยแพร่)", "item": m["month_th"],
                     "value": m["published"]})
    return rows
