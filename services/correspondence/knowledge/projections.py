"""Read models of knowledge management (procedure 4): Thai text search over the published items,
and the summary report (the manual's step 5.4).

Thai is written without spaces between words, so the search cuts text into words with PyThaiNLP's
dictionary tokeniser (`newmm`) rather than splitting on spaces. A query word matches an item when it
is one of the item's words (the better match), or, for words of four letters or more, when it occurs
in the item's text: Thai builds long compounds (ปีงบประมาณ, เชิงปฏิบัติการ) that a reader still
expects to find by their parts, and the tokeniser may cut a run differently in the item than in the
query (แนวทางการ: แนว|ทางการ or แนวทาง|การ). Short words match only as whole words (ตา is not found
in ตาราง). Every query word must match somewhere; title matches rank first, then tags, then body.

The items are listed in the service's own database (`knowledge_row`), each with its words cut once,
when it changes, in two searchable columns: `words` (every word of title, tags and body between
spaces) and `text` (the normalised text). A query word of four letters or more is looked for in
`text` (a word of the item is a part of its text, so this finds both kinds of match), a shorter one
as " word " in `words`: every query word is one indexed-table condition, and only the items that
match every word are ranked (`rank`, from the fields kept with the row). A separate table of words
(a row per item and word) would find a whole word by an index, but not a part of a compound, which
is what most Thai queries need; a knowledge base holds hundreds or thousands of items, not
millions, so two columns and one table keep it simple and every change of an item one row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.correspondence.knowledge.domain import (
    KNOWLEDGE_STEP_TH,
    KnowledgeItem,
    KnowledgeStep,
)
from services.correspondence.projections import NEVER, by_month, moment
from shared.thaitime import bangkok_date, format_thai_date

PARTIAL_MATCH_MIN_CHARS = 4  # shorter words are too common inside longer ones (ตา in ตาราง)
WORD_MATCH, PART_MATCH = 2, 1


def normalise(text: str) -> str:
    """One spelling per word: Thai typing slips fixed (เเ → แ, doubled marks), case folded,
    whitespace collapsed."""
    from pythainlp.util import normalize as normalise_thai  # loaded on first use: it takes a while

    return " ".join(normalise_thai(text).casefold().split())


def words(text: str) -> list[str]:
    """The words of a text, in order (punctuation and spaces dropped)."""
    from pythainlp.tokenize import word_tokenize  # loaded on first use: it takes a while

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


FIELDS = ("title", "tags", "body")


def fields_of(item: KnowledgeItem) -> dict[str, Field]:
    return {"title": Field.of(item.title), "tags": Field.of(" ".join(item.tags)),
            "body": Field.of(item.body)}


def rank(fields: dict[str, Field], terms: Sequence[str]) -> dict[str, int] | None:
    """The title, tags and body scores when every term matches somewhere; None otherwise."""
    scores = dict.fromkeys(FIELDS, 0)
    for term in terms:
        found = {name: fields[name].score(term) for name in FIELDS}
        if not any(found.values()):
            return None
        for name in FIELDS:
            scores[name] += found[name]
    return scores


def term_condition(term: str) -> dict[str, Any]:
    """What the listing asks of an item for one query word (a superset of `Field.score`'s
    matches: `rank` decides)."""
    if len(term) >= PARTIAL_MATCH_MIN_CHARS:
        return {"text__contains": term}
    return {"words__contains": f" {term} "}


# --- the listing ----------------------------------------------------------------------------------

KNOWLEDGE_COLUMNS = {"step": "text", "captured_at": "text", "captured_on": "text",
                     "published_at": "text", "words": "text", "text": "text"}
KNOWLEDGE_INDEXES = (("captured_at",), ("step", "captured_at"), ("captured_on",))


def knowledge_entry(item: KnowledgeItem) -> dict[str, Any]:
    """The item as read, but for its author's name (named when read)."""
    return {
        "knowledge_item_id": str(item.id),
        "version": item.version,
        "title": item.title,
        "body": item.body,
        "tags": item.tags,
        "source": item.source,
        "author_id": item.author_id,
        "captured_at": item.captured_at,
        "step": item.step.value,
        "step_th": item.step_th,
        "holder": item.holder,
        "step_since": item.step_since,
        "screened_by": item.screened_by,
        "screening_reason": item.screening_reason,
        "published_by": item.published_by,
        "published_at": item.published_at,
    }


def knowledge_row(item: KnowledgeItem) -> dict[str, Any]:
    fields = fields_of(item)
    return {
        "step": item.step.value,
        "captured_at": moment(item.captured_at),
        "captured_on": bangkok_date(item.captured_at).isoformat(),
        "published_at": moment(item.published_at) or NEVER,
        "words": " " + " ".join(sorted(set().union(*(f.words for f in fields.values())))) + " ",
        "text": "\n".join(fields[name].text for name in FIELDS),
        "view": {**knowledge_entry(item),
                 "_fields": {name: {"words": sorted(f.words), "text": f.text}
                             for name, f in fields.items()}},
    }


def stored_fields(view: dict[str, Any]) -> dict[str, Field]:
    return {name: Field(frozenset(f["words"]), f["text"]) for name, f in view["_fields"].items()}


def search_key(hit: dict[str, Any]) -> list[Any]:
    """Best first: title matches before tag matches before body matches, then the most recently
    published (a key that sorts ascending, unique by id, for the cursor)."""
    score = hit["score"]
    published = hit["published_at"] or hit["captured_at"]
    at = datetime.fromisoformat(published) if isinstance(published, str) else published
    return [-score["title"], -score["tags"], -score["body"],
            -int(at.timestamp() * 1_000_000), hit["knowledge_item_id"]]


# --- the summary report ------------------------------------------------------------------------------

SUMMARY_COLUMNS = (
    ("section", "หมวด"),
    ("item", "รายการ"),
    ("value", "จำนวน"),
)


def knowledge_summary(items: Sequence[dict[str, Any]], names: dict[str, str],
                      start: date, end: date) -> dict[str, Any]:
    """Counts of the items captured in the period (`knowledge_entry`s) by status, tag and author,
    and per month (captured, and published in that month)."""
    steps = Counter(KnowledgeStep(i["step"]) for i in items)
    tags = Counter(tag for i in items for tag in i["tags"])
    authors = Counter(i["author_id"] for i in items)
    published_by_author = Counter(i["author_id"] for i in items
                                  if i["step"] == KnowledgeStep.published.value)
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
        "by_month": by_month({"captured": [_at(i["captured_at"]) for i in items],
                              "published": [_at(i["published_at"]) for i in items
                                            if i["published_at"]]}),
    }


def _at(value: datetime | str) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


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
