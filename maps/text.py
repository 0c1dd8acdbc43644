"""Bilingual words of the pages (English first, Chinese alongside) and small formatters.

The words are :class:`~findhz.planner.models.Bilingual`, the one bilingual text type of the
input files and the pages alike.
"""

from __future__ import annotations

import datetime as dt

from findhz.planner.models import Bilingual

# ``clock(moment, tz)``: "09:30" in the scenario's time zone (the one HH:MM formatter).
from findhz.planner.models import local_clock as clock

__all__ = [
    "CONFIDENCE",
    "CONFIDENCE_SHORT",
    "KINDS",
    "STOP_KINDS",
    "clock",
    "day_label",
]


KINDS: dict[str, Bilingual] = {
    "research_platform": Bilingual("Research platform", "科研平台"),
    "university": Bilingual("University", "高校"),
    "park": Bilingual("Park / development zone", "园区"),
    "enterprise": Bilingual("Enterprise", "企业"),
    "conference_venue": Bilingual("Conference venue", "会场"),
    "hotel": Bilingual("Hotel", "酒店"),
    "restaurant": Bilingual("Restaurant / canteen", "餐厅"),
}

STOP_KINDS: dict[str, Bilingual] = {
    "depart": Bilingual("Bus departs", "发车"),
    "visit": Bilingual("Visit", "参观"),
    "lunch": Bilingual("Lunch", "午餐"),
    "return": Bilingual("Back at base", "返回"),
}

CONFIDENCE: dict[str, Bilingual] = {
    "high": Bilingual("Exact location", "位置准确"),
    "medium": Bilingual("Location approximate (medium confidence)", "位置为近似值（中等可信度）"),
    "low": Bilingual(
        "Location approximate (low confidence): the place is somewhere near here",
        "位置为粗略估计（低可信度）：实际地点在附近",
    ),
    "unknown": Bilingual(
        "Location unknown: this point is a placeholder, not the place; ask the organisers",
        "位置未知：此点仅为占位，并非实际地点；请向组织方确认",
    ),
}

# The same, short, for timelines and lists.
CONFIDENCE_SHORT: dict[str, Bilingual] = {
    "high": Bilingual("Exact location", "位置准确"),
    "medium": Bilingual("≈ Location approximate", "位置为近似值"),
    "low": Bilingual("≈ Location rough, somewhere near here", "位置为粗略估计"),
    "unknown": Bilingual("? Location unknown (placeholder point)", "位置未知（占位点）"),
}

_WEEKDAYS = (
    Bilingual("Mon", "周一"),
    Bilingual("Tue", "周二"),
    Bilingual("Wed", "周三"),
    Bilingual("Thu", "周四"),
    Bilingual("Fri", "周五"),
    Bilingual("Sat", "周六"),
    Bilingual("Sun", "周日"),
)


def day_label(date: dt.date) -> Bilingual:
    """``Sat 28 Sep 2024`` / ``9月28日 周六``."""
    weekday = _WEEKDAYS[date.weekday()]
    return Bilingual(
        f"{weekday.en} {date.day} {date.strftime('%b')} {date.year}",
        f"{date.month}月{date.day}日 {weekday.zh}",
    )
