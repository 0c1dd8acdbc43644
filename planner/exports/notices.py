"""Short bilingual notices for the people a re-plan affects, ready to paste into a message.

One text file per affected delegate (``notices/delegates/<id>.txt``) and per host venue
(``notices/hosts/<venue>.txt``), English first, then Chinese.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from findhz.planner.metrics import DelegateChange, HostChange
from findhz.planner.models import Bilingual, Scenario

if TYPE_CHECKING:  # only the type: pages that phrase a change load no solver
    from findhz.planner.replan import ChangeReport

__all__ = ["change_phrase", "notice_files"]

#: What changed for a delegate, by the status of the change; ``{shift}`` is the largest shift
#: of a time, in minutes. A clause each, no full stop.
_DELEGATE_PHRASES = {
    "shifted": Bilingual(
        "your timetable changed (by up to {shift} min)", "您的行程时间有调整（最多 {shift} 分钟）"
    ),
    "cut-short": Bilingual("the rest of your day is cancelled", "您当天余下的行程已取消"),
    "bus-changed": Bilingual("you now ride another bus", "您已换乘另一辆车"),
    "route-day-changed": Bilingual("your route or day changed", "您的线路或日期已更改"),
    "dropped": Bilingual("you are no longer on a bus", "您已不在任何车辆名单中"),
    "joined": Bilingual("you now have a seat", "您已被安排上车"),
}
_ANY_CHANGE = Bilingual("your plan changed", "您的行程有变化")


def change_phrase(status: str, shift_min: int) -> Bilingual:
    """What changed for a delegate, in English and Chinese (a clause, no full stop)."""
    phrase = _DELEGATE_PHRASES.get(status, _ANY_CHANGE)
    return Bilingual(phrase.en.format(shift=shift_min), phrase.zh.format(shift=shift_min))


def _delegate_text(change: DelegateChange, scenario: Scenario, version: int) -> str:
    delegate = next((d for d in scenario.delegates if d.id == change.delegate), None)
    name = delegate.name if delegate else change.delegate
    phrase = change_phrase(change.status, change.shift_min)
    groups = ", ".join(change.after) or "-"
    why = f" Reason: {change.reason}." if change.reason else ""
    why_zh = f" 原因：{change.reason}。" if change.reason else ""
    return (
        f"FIND HZ update (plan version {version}) for {name}: {phrase.en}. Your bus: {groups}."
        f"{why} Please open your itinerary page again for the new times.\n"
        f"FIND HZ 行程更新（第 {version} 版）{name}：{phrase.zh}。"
        f"您的车次：{groups}。{why_zh}请重新打开您的行程页面查看最新时间。\n"
    )


def _host_text(venue: str, changes: list[HostChange], scenario: Scenario, version: int) -> str:
    place = scenario.venues.get(venue)
    en = place.name.en if place else venue
    zh = place.name.zh if place else venue
    lines_en, lines_zh = [], []
    for c in changes:
        if c.status == "cancelled":
            lines_en.append(f"- {c.date} {c.before}: the visit of {c.group} is cancelled")
            lines_zh.append(f"- {c.date} {c.before}：{c.group} 的参访取消")
        elif c.status == "added":
            lines_en.append(f"- {c.date} {c.after}: {c.group} will visit")
            lines_zh.append(f"- {c.date} {c.after}：{c.group} 将来访")
        else:
            lines_en.append(f"- {c.date}: {c.group} now {c.after} (was {c.before})")
            lines_zh.append(f"- {c.date}：{c.group} 改为 {c.after}（原 {c.before}）")
    return (
        f"FIND HZ update (plan version {version}) for {en}:\n"
        + "\n".join(lines_en)
        + f"\nFIND HZ 参访更新（第 {version} 版）{zh}：\n"
        + "\n".join(lines_zh)
        + "\n"
    )


def notice_files(report: ChangeReport, scenario: Scenario) -> dict[str, str]:
    """Relative path -> text of every notice the report calls for."""
    files: dict[str, str] = {}
    for change in report.delegates:
        files[f"notices/delegates/{change.delegate}.txt"] = _delegate_text(
            change, scenario, report.version
        )
    by_venue: dict[str, list[HostChange]] = {}
    for host in report.hosts:
        by_venue.setdefault(host.venue, []).append(host)
    for venue, changes in sorted(by_venue.items()):
        files[f"notices/hosts/{venue}.txt"] = _host_text(venue, changes, scenario, report.version)
    return files
