"""Read models of the group's news: the items listed in the service's own database (`news_row`:
what the staff and the public lists filter and sort by), the periodic summary (items published
month by month, the manual's step 5.4 for news) and the Atom feed other agencies' web sites
subscribe to, a page at a time (RFC 5005's paged feed: `rel="next"`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any
from xml.etree import ElementTree

from services.correspondence.news.domain import LINK_KIND_TH, NewsItem, NewsStep
from services.correspondence.projections import NEVER, by_month, moment, year_be_of
from shared.thaitime import BANGKOK, bangkok_date, format_thai_date, format_thai_datetime

NEWS_COLUMNS = {"step": "text", "year_be": "int", "drafted_at": "text", "public": "bool",
                "published_at": "text", "published_on": "text"}
NEWS_INDEXES = (("public", "published_at"), ("step", "drafted_at"), ("drafted_at",),
                ("published_on",))
# What the public sees of an item (the rest is the staff's).
PUBLIC_FIELDS = ("news_item_id", "title", "summary", "body", "links", "image", "published_at",
                 "published_date_th", "published_at_th")


def public_entry(item: NewsItem) -> dict[str, Any]:
    """The item as the office's web page shows it."""
    published = item.published_at.astimezone(BANGKOK) if item.published_at else None
    return {
        "news_item_id": str(item.id),
        "title": item.title,
        "summary": item.summary,
        "body": item.body,
        "links": [{"kind": link.kind.value, "kind_th": LINK_KIND_TH[link.kind],
                   "ref": link.ref, "label": link.label} for link in item.links],
        "image": ({"name": item.image.name, "media_type": item.image.media_type,
                   "size": item.image.size, "url": f"/news/{item.id}/image"}
                  if item.image else None),
        "published_at": published,
        "published_date_th": format_thai_date(published, full=True) if published else None,
        "published_at_th": format_thai_datetime(published) if published else None,
    }


def news_entry(item: NewsItem) -> dict[str, Any]:
    """The item as the group's staff see it, every step, round and reason; the people are named
    when it is read (`named`)."""
    return {
        **public_entry(item),
        "version": item.version,
        "author_id": item.author_id,
        "drafted_at": item.drafted_at,
        "revision": item.revision,
        "step": item.step.value,
        "step_th": item.step_th,
        "holder": item.holder,
        "step_since": item.step_since,
        "reviews": [{
            "round": r.number, "submitted_by": r.submitted_by, "submitted_at": r.submitted_at,
            "checker_id": r.checker_id, "decided_at": r.decided_at, "approved": r.approved,
            "comments": r.comments,
        } for r in item.reviews],
        "published_by": item.published_by,
        "withdrawn_by": item.withdrawn_by,
        "withdrawn_at": item.withdrawn_at,
        "withdrawal_reason": item.withdrawal_reason,
    }


def people_of(entry: dict[str, Any]) -> list[str | None]:
    return [entry["author_id"], entry["holder"], *(r["checker_id"] for r in entry["reviews"])]


def named(entry: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    return {**entry, "author_name_th": names.get(entry["author_id"]),
            "holder_name_th": names.get(entry["holder"] or ""),
            "reviews": [{**r, "checker_name_th": names.get(r["checker_id"])}
                        for r in entry["reviews"]]}


def public_view(entry: dict[str, Any]) -> dict[str, Any]:
    return {key: entry[key] for key in PUBLIC_FIELDS}


def news_row(item: NewsItem) -> dict[str, Any]:
    return {"step": item.step.value, "year_be": year_be_of(item.drafted_at),
            "drafted_at": moment(item.drafted_at), "public": item.is_public,
            "published_at": moment(item.published_at) or NEVER,
            "published_on": bangkok_date(item.published_at).isoformat()
            if item.published_at else None,
            "view": news_entry(item)}

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


def news_summary(items: Sequence[dict[str, Any]], start: date, end: date) -> dict[str, Any]:
    """How many items were published in each month of the period (every month listed, so an
    empty month shows as 0), and how many of them are withdrawn since (`news_entry`s)."""
    withdrawn = sum(i["step"] == NewsStep.withdrawn.value for i in items)
    return {
        "period": {"from": start, "to": end, "from_th": format_thai_date(start, full=True),
                   "to_th": format_thai_date(end, full=True)},
        "published": len(items),
        "withdrawn": withdrawn,
        "still_published": len(items) - withdrawn,
        "by_month": by_month({"published": [_moment(i["published_at"]) for i in items
                                            if i["published_at"]]},
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


def _moment(value: datetime | str) -> datetime:
    """A moment of a stored entry (ISO text) or of an aggregate."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def atom_feed(items: Sequence[dict[str, Any]], *, base_url: str, office_name_th: str,
              now: datetime, next_cursor: str | None = None) -> bytes:
    """An Atom 1.0 feed (RFC 4287) of a page of the published items (`public_entry`s), newest
    first: Thai titles, and the Buddhist-era date in each entry's text (the machine dates are
    RFC 3339, as Atom requires). A page that is not the last links the next (RFC 5005)."""
    # Plain tag names under a default namespace: no prefix in the output, no global registration.
    feed = ElementTree.Element("feed", {"xmlns": ATOM, "xml:lang": "th"})
    base = base_url.rstrip("/")
    _text(feed, "id", f"{base}/news/feed.xml")
    _text(feed, "title", f"ข่าวประชาสัมพันธ์ กลุ่มนโยบายและแผน {office_name_th}")
    _text(feed, "subtitle", "ข้อมูลข่าวสารและผลงานของกลุ่มนโยบายและแผน "
                            "สำหรับครู บุคลากรทางการศึกษา และประชาชนทั่วไป")
    updated = max((_moment(i["published_at"]) for i in items if i["published_at"]),
                  default=now)
    _text(feed, "updated", _stamp(updated))
    ElementTree.SubElement(feed, "link", {"rel": "self", "href": f"{base}/news/feed.xml",
                                                     "type": "application/atom+xml"})
    if next_cursor is not None:
        ElementTree.SubElement(feed, "link", {"rel": "next", "type": "application/atom+xml",
                                              "href": f"{base}/news/feed.xml?cursor={next_cursor}"})
    ElementTree.SubElement(feed, "link", {"rel": "alternate", "href": f"{base}/news"})
    author = ElementTree.SubElement(feed, "author")
    _text(author, "name", f"กลุ่มนโยบายและแผน {office_name_th}")
    for item in items:
        assert item["published_at"], "only published items are in the feed"
        published = _moment(item["published_at"])
        item_id = item["news_item_id"]
        entry = ElementTree.SubElement(feed, "entry")
        _text(entry, "id", f"urn:uuid:{item_id}")
        _text(entry, "title", item["title"])
        _text(entry, "published", _stamp(published))
        _text(entry, "updated", _stamp(published))
        ElementTree.SubElement(entry, "link",
                               {"rel": "alternate", "href": f"{base}/news/{item_id}"})
        when = f"เผยแพร่เมื่อ {format_thai_datetime(published)}"
        _text(entry, "summary", f"{item['summary'] or item['title']} ({when})")
        _text(entry, "content", f"{item['body']}\n\n{when}", type="text")
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
