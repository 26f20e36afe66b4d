"""Read models of the group's news: the periodic summary (items published month by month, the
manual's step 5.4 for news) and the Atom feed other agencies' web sites subscribe to.

The items themselves are followed by an `AggregateIndex` (built by the feature's application); this
module lays them out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from xml.etree import ElementTree

from services.correspondence.news.domain import NewsItem, NewsStep
from services.correspondence.projections import by_month
from shared.thaitime import format_thai_date, format_thai_datetime

SUMMARY_COLUMNS = (
    ("section", "หมวด"),
    ("item", "รายการ"),
    ("value", "จำนวน"),
)

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50
# What XML 1.0 may not contain at all (not even escaped): most control characters, surrogates and
# U+FFFE/U+FFFF. One such character would make the whole feed unreadable to every subscriber.
_NOT_XML = re.compile(r"[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")


def news_summary(items: Sequence[NewsItem], start: date, end: date) -> dict[str, Any]:
    """How many items were published in each month of the period (every month listed, so an
    empty month shows as 0), and how many of them are withdrawn since."""
    withdrawn = sum(i.step == NewsStep.withdrawn for i in items)
    return {
        "period": {"from": start, "to": end, "from_th": format_thai_date(start, full=True),
                   "to_th": format_thai_date(end, full=True)},
        "published": len(items),
        "withdrawn": withdrawn,
        "still_published": len(items) - withdrawn,
        "by_month": by_month({"published": [i.published_at for i in items if i.published_at]},
                             period=(start, end), full_names=True),
    }


def summary_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The summary as the lines of a Thai spreadsheet: section, item, count."""
    period = report["period"]
    rows: list[dict[str, Any]] = [
        {"section": "ช่วงเวลา", "item": f"{period['from_th']} - {period['to_th']}", "value": ""},
        {"section": "ภาพรวม", "item": "จำนวนข่าวที่เผยแพร่", "value": report["published"]},
        {"section": "ภาพรวม", "item": "ถอนการเผยแพร่ภายหลัง", "value": report["withdrawn"]},
    ]
    rows += [{"section": "รายเดือน (เผยแพร่)", "item": m["month_th"], "value": m["published"]}
             for m in report["by_month"]]
    return rows


def _text(parent: ElementTree.Element, tag: str, text: str, **attributes: str) -> None:
    element = ElementTree.SubElement(parent, tag, attributes)
    element.text = _NOT_XML.sub("", text)


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def atom_feed(items: Sequence[NewsItem], *, base_url: str, office_name_th: str,
              now: datetime) -> bytes:
    """An Atom 1.0 feed (RFC 4287) of the published items, newest first: Thai titles, and the
    Buddhist-era date in each entry's text (the machine dates are RFC 3339, as Atom requires)."""
    # Plain tag names under a default namespace: no prefix in the output, no global registration.
    feed = ElementTree.Element("feed", {"xmlns": ATOM, "xml:lang": "th"})
    base = base_url.rstrip("/")
    _text(feed, "id", f"{base}/news/feed.xml")
    _text(feed, "title", f"ข่าวประชาสัมพันธ์ กลุ่มนโยบายและแผน {office_name_th}")
    _text(feed, "subtitle", "ข้อมูลข่าวสารและผลงานของกลุ่มนโยบายและแผน "
                            "สำหรับครู บุคลากรทางการศึกษา และประชาชนทั่วไป")
    updated = max((i.published_at for i in items if i.published_at), default=now)
    _text(feed, "updated", _stamp(updated))
    ElementTree.SubElement(feed, "link", {"rel": "self", "href": f"{base}/news/feed.xml",
                                                     "type": "application/atom+xml"})
    ElementTree.SubElement(feed, "link", {"rel": "alternate", "href": f"{base}/news"})
    author = ElementTree.SubElement(feed, "author")
    _text(author, "name", f"กลุ่มนโยบายและแผน {office_name_th}")
    for item in items:
        assert item.published_at is not None, "only published items are in the feed"
        entry = ElementTree.SubElement(feed, "entry")
        _text(entry, "id", f"urn:uuid:{item.id}")
        _text(entry, "title", item.title)
        _text(entry, "published", _stamp(item.published_at))
        _text(entry, "updated", _stamp(item.published_at))
        ElementTree.SubElement(entry, "link",
                               {"rel": "alternate", "href": f"{base}/news/{item.id}"})
        when = f"เผยแพร่เมื่อ {format_thai_datetime(item.published_at)}"
        _text(entry, "summary", f"{item.summary or item.title} ({when})")
        _text(entry, "content", f"{item.body}\n\n{when}", type="text")
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
