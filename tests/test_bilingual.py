"""One bilingual text type (``Bilingual``) for the input files and the pages alike.

The English is never empty. The pages' words may lack Chinese (a country with no Chinese
name); text read from the coordinator's files (``InputText``) needs it, and says so at the
field itself (``name.zh``), as the files' other fields do. The bad-input cases
``venue-name-without-chinese`` and ``route-title-chinese-empty`` check the lines a
coordinator reads (``tests/test_validate_cli.py``).
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from findhz.maps.words import country_name
from findhz.planner.models import Bilingual, Location, Route, Venue


def _venue(name: Any) -> dict[str, Any]:
    location = Location(lat=30.26, lon=120.16, confidence="high", source="test")
    return {
        "id": "lab-a",
        "name": name,
        "kind": "research_platform",
        "district": "Xihu",
        "location": location,
        "visit_min": 60,
        "max_group": 30,
    }


def _errors(data: dict[str, Any], model: type[Venue | Route] = Venue) -> list[tuple[Any, str]]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return [(e["loc"], e["type"]) for e in caught.value.errors()]


def test_written_by_position_or_by_keyword() -> None:
    lake = Bilingual("West Lake", "西湖")
    assert lake == Bilingual(en="West Lake", zh="西湖")
    assert (lake.en, lake.zh) == ("West Lake", "西湖")
    assert hash(lake) == hash(Bilingual(en="West Lake", zh="西湖"))  # a dict key, a Counter's
    assert lake != ("West Lake", "西湖")  # not a tuple any more


def test_words_on_a_page_may_lack_chinese() -> None:
    assert Bilingual("Atlantis").zh == ""
    assert country_name("Atlantis") == Bilingual("Atlantis", "")


def test_the_english_is_never_empty() -> None:
    with pytest.raises(ValidationError):
        Bilingual("", "西湖")
    with pytest.raises(ValidationError):
        Bilingual("   ")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ({"en": "Lab A"}, [(("name", "zh"), "missing")]),
        ({"en": "Lab A", "zh": ""}, [(("name", "zh"), "string_too_short")]),
        ({"en": "Lab A", "zh": "  "}, [(("name", "zh"), "string_too_short")]),
        # both halves wrong: both said at once, English first, as two fields would be
        ({}, [(("name", "en"), "missing"), (("name", "zh"), "missing")]),
        (
            {"en": "", "zh": ""},
            [(("name", "en"), "string_too_short"), (("name", "zh"), "string_too_short")],
        ),
        # a Chinese that is not text is said once, as what it is
        ({"en": "Lab A", "zh": 5}, [(("name", "zh"), "string_type")]),
        ("Lab A", [(("name",), "model_type")]),
    ],
)
def test_a_name_from_a_file_needs_its_chinese(name: Any, expected: list[Any]) -> None:
    assert _errors(_venue(name)) == expected


def test_a_name_built_in_code_needs_its_chinese_too() -> None:
    assert _errors(_venue(Bilingual("Lab A"))) == [(("name", "zh"), "string_too_short")]
    assert Venue.model_validate(_venue(Bilingual("Lab A", "甲实验室"))).name.zh == "甲实验室"


def test_an_optional_description_needs_its_chinese_when_given() -> None:
    route = {
        "id": "ai-route",
        "title": {"en": "AI route", "zh": "人工智能线"},
        "industries": ["gen_ai"],
        "color": "#d62728",
        "venues": [{"id": "lab-a", "weight": 10}],
        "min_stops": 1,
        "max_stops": 2,
    }
    assert Route.model_validate(route).description is None
    described = {**route, "description": {"en": "Labs"}}
    assert _errors(described, Route) == [(("description", "zh"), "missing")]


def test_bilingual_text_is_not_unpacked_like_a_pair() -> None:
    text = Bilingual("West Lake", "西湖")
    with pytest.raises(TypeError, match=r"\.en and \.zh"):
        _en, _zh = text  # a model would otherwise give its (field, value) pairs
    assert (text.en, text.zh) == ("West Lake", "西湖")
