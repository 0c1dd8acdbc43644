"""Countries, languages and needs in Chinese and English, for pages read by Chinese hosts.

Country and language names come from the Unicode CLDR through Babel, not from a table of our
own: a delegate's ``country`` is matched against CLDR's English names (and a few common short
forms: "UK", "USA", "Turkey", "Hong Kong SAR"), a language is an ISO 639 code (``fr``). What
cannot be matched is shown as written, with no Chinese invented for it.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable

from babel import Locale

from findhz.planner.models import Bilingual

__all__ = ["NEEDS", "counted_names", "country_name", "language_name", "need_name"]

NEEDS: dict[str, Bilingual] = {
    "step-free": Bilingual("step-free access", "无障碍通行"),
    "vegetarian": Bilingual("vegetarian", "素食"),
    "vegan": Bilingual("vegan", "纯素"),
    "halal": Bilingual("halal", "清真"),
    "kosher": Bilingual("kosher", "犹太洁食"),
    "no-pork": Bilingual("no pork", "不含猪肉"),
    "interpreter": Bilingual("interpreter", "需要翻译"),
}

# Short forms people write that CLDR's English names do not hold.
_COUNTRY_ALIASES = {
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "usa": "US",
    "us": "US",
    "united states of america": "US",
    "turkey": "TR",
    "hong kong": "HK",
    "hong kong sar": "HK",
    "macau": "MO",
    "macao": "MO",
    "macao sar": "MO",
    "korea": "KR",
    "republic of korea": "KR",
    "russia": "RU",
    "czech republic": "CZ",
    "the netherlands": "NL",
    "holland": "NL",
}


@functools.cache
def _locales() -> tuple[Locale, Locale]:
    return Locale.parse("en"), Locale.parse("zh_Hans_CN")


@functools.cache
def _country_codes() -> dict[str, str]:
    english, _ = _locales()
    codes: dict[str, str] = {}
    for code, name in english.territories.items():
        if isinstance(code, str) and code.isalpha():
            codes[str(name).casefold()] = code
            codes[code.casefold()] = code
    codes.update(_COUNTRY_ALIASES)
    return codes


def country_name(country: str) -> Bilingual:
    """``"Netherlands"`` -> 荷兰 / Netherlands; the English is the delegate's own text."""
    code = _country_codes().get(country.strip().casefold())
    if code is None:
        return Bilingual(country, "")
    _, chinese = _locales()
    return Bilingual(country, str(chinese.territories.get(code, "")))


def language_name(code: str) -> Bilingual:
    """``"fr"`` -> French / 法语; an unknown code is shown as written."""
    english, chinese = _locales()
    key = code.strip().replace("-", "_")
    en = english.languages.get(key) or english.languages.get(key.split("_")[0].lower())
    zh = chinese.languages.get(key) or chinese.languages.get(key.split("_")[0].lower())
    return Bilingual(str(en) if en else code, str(zh) if zh else "")


def need_name(need: str) -> Bilingual:
    return NEEDS.get(need, Bilingual(need, ""))


def counted_names(
    counts: Counter[str], name: Callable[[str], Bilingual]
) -> list[tuple[Bilingual, int]]:
    """Each counted value by its bilingual name: most first, then by English name."""
    named: Counter[Bilingual] = Counter()
    for value, count in counts.items():
        named[name(value)] += count
    return sorted(named.items(), key=lambda kv: (-kv[1], kv[0].en))
