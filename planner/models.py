"""The domain as frozen pydantic models: what the coordinator's files say, and what a plan says.

Field names are a contract with coordinators' files and with tools that read ``plan.json``
(see the README of ``routes/``): extend them, never rename them.

Times of day are kept as whole minutes after midnight (``ClockTime``) and written back as
``"HH:MM"``; opening windows are :class:`Window` and written as ``"HH:MM-HH:MM"``. The
loaded, cross-checked whole is :class:`Scenario`; files are parsed by ``findhz.planner.loading``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal, NoReturn, overload

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    PlainSerializer,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, ErrorDetails, InitErrorDetails

from findhz.planner.metrics import PlanMetrics, TravelInfo
from findhz.planner.polyline import decode

__all__ = [
    "WEEKDAYS",
    "Address",
    "Bilingual",
    "BusDetails",
    "BusType",
    "ClockTime",
    "Delegate",
    "Explanation",
    "Group",
    "HostContact",
    "InputText",
    "Location",
    "LunchRule",
    "MeetingPoint",
    "Morning",
    "Organiser",
    "Override",
    "Person",
    "Plan",
    "RoadLeg",
    "Route",
    "RouteCatalogue",
    "RouteSettings",
    "RouteVenue",
    "Scenario",
    "ScenarioSpec",
    "Stop",
    "TravelInfo",
    "TravelSettings",
    "Unassigned",
    "Venue",
    "VenueCatalogue",
    "VenueNotes",
    "Window",
    "format_clock",
    "parse_clock",
]

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
DELEGATE_ID_PATTERN = r"^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$"
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=64)]
DelegateId = Annotated[str, StringConstraints(pattern=DELEGATE_ID_PATTERN, max_length=64)]
# "unknown": the point is a placeholder, not the place (no source locates the venue).
Confidence = Literal["high", "medium", "low", "unknown"]
VenueKind = Literal[
    "research_platform",
    "university",
    "park",
    "enterprise",
    "conference_venue",
    "hotel",
    "restaurant",
]
Need = Literal["step-free", "vegetarian", "vegan", "halal", "kosher", "no-pork", "interpreter"]


def parse_clock(text: str) -> int:
    """``"09:30"`` -> 570 minutes after midnight; ``"24:00"`` is the end of the day."""
    match = _CLOCK.match(text.strip())
    if not match:
        raise ValueError(f"'{text}' is not a time HH:MM")
    minutes = int(match.group(1)) * 60 + int(match.group(2))
    if minutes > 24 * 60:
        raise ValueError(f"'{text}' is later than 24:00")
    return minutes


def format_clock(minutes: int) -> str:
    """570 -> ``"09:30"``: the one HH:MM formatter (minutes after midnight)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def local_clock(moment: dt.datetime | None, tz: dt.tzinfo) -> str:
    """``"09:30"``: ``moment`` in the time zone ``tz``; empty when there is no such time."""
    if moment is None:
        return ""
    local = moment.astimezone(tz)
    return format_clock(local.hour * 60 + local.minute)


def _clock_in(value: Any) -> Any:
    if isinstance(value, str):
        return parse_clock(value)
    if isinstance(value, dt.time):
        return value.hour * 60 + value.minute
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 09:30 as the sexagesimal number 570: the same minutes.
        return value
    raise ValueError(f"{value!r} is not a time HH:MM")


ClockTime = Annotated[
    int,
    BeforeValidator(_clock_in),
    Field(ge=0, le=24 * 60),
    PlainSerializer(format_clock, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^([01]\d|2[0-4]):[0-5]\d$"}),
]


#: Characters that end a line or tabulate: inside a text field they become one space (a
#: spreadsheet cell typed with Alt+Enter is still one name).
_LINE_BREAKS = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]+")
#: Other control characters (NUL, escape...): no page, workbook or calendar can hold them.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")


def _clean_text(value: Any) -> Any:
    """Line breaks in text become spaces; other control characters are refused."""
    if isinstance(value, str):
        bad = _CONTROL.search(value)
        if bad:
            raise ValueError(
                f"contains the control character U+{ord(bad.group()):04X}, which no page, "
                "workbook or calendar can hold; remove it"
            )
        return _LINE_BREAKS.sub(" ", value) if _LINE_BREAKS.search(value) else value
    if isinstance(value, list):
        return [_clean_text(item) for item in value]
    return value


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _text_fits_one_line(cls, value: Any) -> Any:
        return _clean_text(value)


class Window(_Frozen):
    """An opening window ``"HH:MM-HH:MM"``, in minutes after midnight, start before end."""

    start: int = Field(ge=0, le=24 * 60)
    end: int = Field(ge=0, le=24 * 60)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            left, sep, right = value.partition("-")
            if not sep:
                raise ValueError(f"'{value}' is not a window HH:MM-HH:MM")
            return {"start": parse_clock(left), "end": parse_clock(right)}
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end <= self.start:
            raise ValueError(f"'{self}' ends before it starts")
        return self

    def __str__(self) -> str:
        return f"{format_clock(self.start)}-{format_clock(self.end)}"


WindowText = Annotated[
    Window,
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01]\d|2[0-4]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$",
        }
    ),
]


class Bilingual(_Frozen):
    """Text in English and Chinese. The Chinese may be empty in words findhz writes itself
    (a country with no Chinese name); in the coordinator's files it is required."""

    # One type for the input files' names and the pages' words. Fields of the input files
    # are ``InputText`` (the Chinese required there); write ``Bilingual("West Lake", "西湖")``
    # or with keywords.
    en: str = Field(min_length=1)
    zh: str = ""

    @overload
    def __init__(self, en: str, zh: str = "", /) -> None: ...

    @overload
    def __init__(self, *, en: str, zh: str = "") -> None: ...

    def __init__(self, *args: str, **fields: Any) -> None:
        # pydantic validates a mapping by calling this with its keys as keywords
        super().__init__(**dict(zip(("en", "zh"), args, strict=False)), **fields)

    def __iter__(self) -> NoReturn:
        # A model iterates over (field, value) pairs, so ``en, zh = text`` would quietly give
        # the pairs, not the words: read ``text.en`` and ``text.zh`` instead.
        raise TypeError("Bilingual text is not a pair: read its .en and .zh")


def _chinese_error(value: Any) -> InitErrorDetails | None:
    """The error of a bilingual text from a file whose Chinese is missing or blank."""
    if isinstance(value, Mapping) and "zh" not in value:
        return InitErrorDetails(type="missing", loc=("zh",), input=value)
    zh = value.get("zh") if isinstance(value, Mapping) else getattr(value, "zh", None)
    if isinstance(zh, str) and not zh.strip():
        return InitErrorDetails(
            type="string_too_short", loc=("zh",), input=zh, ctx={"min_length": 1}
        )
    return None


def _chinese_required(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """:class:`Bilingual` whose ``zh`` is required and not blank: the same errors, at the
    same place (``name.zh``), as a field of its own would give, next to the others."""
    errors: list[InitErrorDetails] = []
    text = None
    try:
        text = handler(value)
    except ValidationError as err:
        errors = [_error_details(e) for e in err.errors()]
    chinese = None if any(e["loc"][:1] == ("zh",) for e in errors) else _chinese_error(value)
    if chinese is not None:
        errors.append(chinese)
    if errors:
        raise ValidationError.from_exception_data("Bilingual", errors)
    return text


def _error_details(error: ErrorDetails) -> InitErrorDetails:
    details = InitErrorDetails(type=error["type"], loc=error["loc"], input=error["input"])
    if "ctx" in error:
        details["ctx"] = error["ctx"]
    return details


class _ChineseInSchema:
    """The JSON Schema of :data:`InputText`: :class:`Bilingual` with ``zh`` required."""

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            **handler(schema),
            "required": ["en", "zh"],
            "properties": {"zh": {"minLength": 1}},
        }


#: Bilingual text of the coordinator's files (names, titles, descriptions, notes): the
#: Chinese is required there, since every page and sheet shows both languages.
InputText = Annotated[Bilingual, WrapValidator(_chinese_required), _ChineseInSchema()]


class Location(_Frozen):
    """A WGS-84 point with where it came from and how sure it is."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    confidence: Confidence
    source: str = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _not_swapped(cls, value: Any) -> Any:
        if isinstance(value, dict):
            lat, lon = value.get("lat"), value.get("lon")
            numbers = all(
                isinstance(x, int | float) and not isinstance(x, bool) for x in (lat, lon)
            )
            if numbers and abs(float(lat or 0)) > 90 >= abs(float(lon or 0)):
                raise ValueError(
                    f"latitude {lat} and longitude {lon} look swapped: latitude comes first "
                    "(about 30 in Hangzhou), then longitude (about 120)"
                )
        return value


class Address(_Frozen):
    """A postal address a driver or a delegate can use, in Chinese and English.

    Empty means the address is not known yet: pages say "address to be confirmed". ``confirmed``
    is false when the address is known only from an unofficial or unverified source. Research
    notes never go here (they belong in ``Venue.notes`` or ``location.source``).
    """

    zh: str = ""
    en: str = ""
    confirmed: bool = True

    @property
    def known(self) -> bool:
        """Whether there is any address to show."""
        return bool(self.zh or self.en)


class HostContact(_Frozen):
    """The person at a venue who receives the groups, when the coordinator knows them."""

    name: str = Field(min_length=1, max_length=80)
    phone: str = Field(
        default="",
        max_length=32,
        pattern=r"^[0-9+() -]*$",
        description="Digits, spaces, +, - and parentheses; empty when not known.",
    )


class Venue(_Frozen):
    """A place a group visits, has lunch at, or starts from."""

    id: Slug
    name: InputText
    kind: VenueKind
    district: str
    address: Address = Field(
        default_factory=Address,
        description="Postal address {zh, en}; a plain string is read as the same text in both.",
    )
    notes: str = Field(
        default="",
        description="Research notes for coordinators only (workbook, validate --verbose).",
    )
    contact: HostContact | None = Field(
        default=None,
        description="The host's contact person (name, phone), when known: printed on the "
        "guide's and driver's sheets and the host's page.",
    )
    location: Location
    themes: list[str] = Field(default_factory=list)
    description: InputText | None = None
    visit_min: int = Field(ge=5, le=480)
    max_group: int = Field(ge=1)
    concurrent_groups: int = Field(default=1, ge=1)
    hours: dict[Weekday, list[WindowText]] = Field(default_factory=dict)
    closed: list[dt.date] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    lunch: bool = False
    step_free: bool = True
    assumed: list[str] = Field(
        default_factory=list,
        description="Fields whose values are assumptions rather than sourced facts.",
    )

    @field_validator("address", mode="before")
    @classmethod
    def _plain_address(cls, value: Any) -> Any:
        # Older catalogues hold one string; read it as the same text in both languages.
        if isinstance(value, str):
            return {"zh": value, "en": value} if value.strip() else {}
        return value

    def windows_on(self, date: dt.date) -> list[Window]:
        """The weekly opening windows of ``date`` (no overrides), empty when closed."""
        if date in self.closed:
            return []
        day: Weekday = WEEKDAYS[date.weekday()]
        return list(self.hours.get(day) or [])


class VenueCatalogue(_Frozen):
    """The file ``venues.yaml``."""

    venues: list[Venue]


class RouteVenue(_Frozen):
    """A candidate venue of a route and how relevant it is to the route (1 to 10)."""

    id: Slug
    weight: int = Field(ge=1, le=10)


class Route(_Frozen):
    """One of the industry-themed routes: a pool of candidate venues."""

    id: Slug
    title: InputText
    industries: list[str] = Field(min_length=1)
    color: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")
    description: InputText | None = None
    venues: list[RouteVenue] = Field(min_length=1)
    must_visit: list[Slug] = Field(default_factory=list)
    min_stops: int = Field(ge=1)
    max_stops: int = Field(ge=1)

    @field_validator("max_stops")
    @classmethod
    def _bounds(cls, value: int, info: ValidationInfo) -> int:
        low = info.data.get("min_stops")
        if low is not None and value < low:
            raise ValueError(f"{value} is below min_stops {low}")
        return value

    def weight(self, venue_id: str) -> int:
        """The relevance weight of a venue in this route, 0 if it is not a candidate."""
        return next((v.weight for v in self.venues if v.id == venue_id), 0)


class RouteCatalogue(_Frozen):
    """The file ``themes.yaml``."""

    routes: list[Route]


#: The most buses of one type a scenario may have each day.
MAX_BUSES_PER_TYPE = 500
#: The most dates a scenario may plan (a conference lasts days, not months).
MAX_DATES = 62
#: The years a scenario's dates may fall in.
FIRST_YEAR, LAST_YEAR = 2000, 2099


#: The most a bus-day, a staff member or a rank step may cost (CNY): a bound against typos.
MAX_CNY = 1_000_000


class BusType(_Frozen):
    """A kind of bus: its seats, how many of them run each day and what one costs a day."""

    id: Slug
    seats: int = Field(ge=1, le=90)
    count: int = Field(ge=0, le=MAX_BUSES_PER_TYPE)
    cost_per_day: int = Field(
        default=0,
        ge=0,
        le=MAX_CNY,
        description="CNY for one bus of this type for a day, with its driver.",
    )


class RouteSettings(_Frozen):
    """What a coordinator fixes for one route in a scenario."""

    dates: list[dt.date] | None = Field(
        default=None,
        min_length=1,
        description="The route runs only on these dates (all the scenario's dates if omitted).",
    )
    min_riders: int | None = Field(
        default=None,
        ge=1,
        le=90,
        description="A bus of this route does not leave with fewer delegates (overrides the "
        "scenario's min_riders).",
    )
    max_buses: int | None = Field(
        default=None,
        ge=0,
        le=MAX_BUSES_PER_TYPE,
        description="At most this many buses on this route on any one date.",
    )


class DayWindow(_Frozen):
    start: ClockTime
    end: ClockTime


class LunchRule(_Frozen):
    """Every group has a lunch stop of ``minutes`` starting inside ``window``."""

    window: tuple[ClockTime, ClockTime]
    minutes: int = Field(ge=15, le=180)


class Override(_Frozen):
    """Special opening of a venue (or of all, ``"*"``) on one date; empty hours = closed."""

    venue: str
    date: dt.date
    hours: list[WindowText]


class Pin(_Frozen):
    """Something the coordinator has fixed, which planning and re-planning keep.

    ``{delegate, route, date}``: the delegate rides that route on that date (``findhz plan``
    and ``findhz replan``). ``{group}``: a published group keeps its riders and its stops
    (``findhz replan``: a fresh plan has no published groups); no new rider joins it, and a
    change that would alter it is refused.
    """

    delegate: DelegateId | None = None
    route: Slug | None = None
    date: dt.date | None = None
    group: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one_kind(self) -> Pin:
        by_delegate = (self.delegate, self.route, self.date)
        if self.group is not None:
            if any(v is not None for v in by_delegate):
                raise ValueError("a pin names either a group, or a delegate, route and date")
        elif any(v is None for v in by_delegate):
            raise ValueError("a pin names either a group, or a delegate, route and date")
        return self


#: The band speeds a scenario may set for the offline model (km/h): slower than walking pace
#: or faster than an expressway coach makes every leg meaningless.
MIN_SPEED_KMH, MAX_SPEED_KMH = 5.0, 130.0
Speed = Annotated[float, Field(ge=MIN_SPEED_KMH, le=MAX_SPEED_KMH)]


class TravelSettings(_Frozen):
    """Per-scenario overrides of the offline travel-time model (see ``findhz.planner.travel``)."""

    detour: float | None = Field(default=None, ge=1.0, le=3.0)
    speeds_kmh: dict[str, Speed] | None = None
    board_min: int | None = Field(default=None, ge=0, le=60)
    alight_min: int | None = Field(default=None, ge=0, le=60)
    short_detour: float | None = Field(default=None, ge=1.0, le=3.0)
    short_leg_km: float | None = Field(default=None, ge=0.0, le=50.0)
    long_leg_km: float | None = Field(default=None, gt=0.0)
    long_speeds_kmh: dict[str, Speed] | None = None
    request_deadline_s: float | None = Field(
        default=None,
        gt=0.0,
        le=3600.0,
        description="Seconds one request to a routing service may take in all, however slowly "
        "it answers (default 60).",
    )
    deadline_s: float | None = Field(
        default=None,
        ge=1.0,
        le=86400.0,
        description="Seconds a run may spend asking the routing service, retries included "
        "(default 600); --travel-deadline overrides it. Legs not answered by then come from "
        "the offline model, with the reason recorded.",
    )


class Contact(_Frozen):
    """An emergency or help line printed on every delegate page."""

    label: InputText
    phone: str


#: A phone number as people write it: digits with an optional leading ``+``, spaces, dashes,
#: dots and brackets (at least three digits).
Phone = Annotated[
    str,
    StringConstraints(pattern=r"^\+?[0-9][0-9 ().-]{1,28}[0-9]$", max_length=30),
]


class Person(_Frozen):
    """Someone a delegate may call: a name and a phone number."""

    name: str = Field(min_length=1, max_length=80)
    phone: Phone


class MeetingPoint(_Frozen):
    """Where delegates meet their bus at a base: words a person can follow, and a point."""

    text: InputText = Field(description="Where to wait, e.g. 'North Gate 3, bus bay B'.")
    location: Location | None = Field(
        default=None, description="The spot itself (WGS-84), with its source and confidence."
    )


class Organiser(_Frozen):
    """The organisers' desk every delegate can reach: a hotline, and WeChat when there is one."""

    name: InputText
    hotline: Phone
    wechat: str = Field(default="", max_length=60, description="A WeChat ID to add.")
    wechat_qr: str = Field(
        default="",
        max_length=500,
        description="The text a WeChat QR code carries (e.g. the contact's link); the pages "
        "draw the code.",
    )


class BusDetails(_Frozen):
    """What a coordinator learns on the morning about one bus (one group), shown when known."""

    label: str = Field(
        default="",
        max_length=40,
        description="What delegates call the bus ('Bus 3'); numbered per day when empty.",
    )
    sign: str = Field(default="", max_length=60, description="The sign in the windscreen.")
    plate: str = Field(default="", max_length=20, description="The number plate.")
    guide: Person | None = None


Photos = Literal["allowed", "ask", "not-allowed"]


class VenueNotes(_Frozen):
    """Practical notes a delegate needs before a visit to one venue."""

    bring_id: bool = Field(default=False, description="A passport or ID is checked at the gate.")
    dress: InputText | None = None
    photos: Photos | None = None
    meals: list[Need] = Field(
        default_factory=list,
        description="Dietary needs the venue's kitchen has confirmed it serves (lunch venues).",
    )
    other: InputText | None = None


class Morning(_Frozen):
    """What the morning of a visit needs besides the plan: where to meet, by when, whom to
    call, which bus, and what to bring. Filled in by the coordinator, shown when known."""

    meeting_points: dict[Slug, MeetingPoint] = Field(
        default_factory=dict, description="Per base (a venue id): where delegates meet the bus."
    )
    be_there_min: int = Field(
        default=15,
        ge=0,
        le=120,
        description="Minutes before the bus departs that delegates should be at the meeting point.",
    )
    organiser: Organiser | None = None
    buses: dict[str, BusDetails] = Field(
        default_factory=dict,
        description="Per group id (as plan.json names it): the bus's label, sign, plate and guide.",
    )
    venues: dict[Slug, VenueNotes] = Field(
        default_factory=dict, description="Per venue id: ID needed, dress, photos, meals."
    )
    lunch_paid: bool | None = Field(
        default=None, description="True: the organisers pay for lunch; false: delegates pay."
    )
    examples: bool = Field(
        default=False,
        description="True when the names, numbers and plates here are made up: the pages say "
        "so next to each.",
    )
    assumed: list[str] = Field(
        default_factory=list,
        description="Which of these values are assumptions rather than confirmed facts.",
    )


#: The default exchange rate (CNY per rank step): moving 20 delegates one step down their
#: ranking is worth 4,000 CNY, about one coach-day with its guide, so a bus is saved only when
#: few people lose a choice for it.
DEFAULT_CNY_PER_RANK_STEP = 200


class ScenarioSpec(_Frozen):
    """A scenario file, e.g. ``routes/scenarios/findhz-2024.yaml``; paths relative to it."""

    id: Slug
    name: InputText
    timezone: str = "Asia/Shanghai"
    dates: list[dt.date] = Field(min_length=1, max_length=MAX_DATES)
    base: Slug
    day: DayWindow
    lunch: LunchRule
    fleet: list[BusType] = Field(min_length=1)
    routes: list[Slug] | None = None
    rides: int = Field(
        default=1,
        ge=1,
        le=MAX_DATES,
        description="How many route-days each delegate rides at most.",
    )
    delegates: str
    catalogue: str | None = None
    themes: str | None = None
    overrides: list[Override] = Field(default_factory=list)
    pins: list[Pin] = Field(
        default_factory=list,
        description="What the coordinator has fixed: {delegate, route, date} (a delegate "
        "rides that route that day) or {group} (a published group keeps its riders and stops "
        "when re-planning).",
    )
    contacts: list[Contact] = Field(default_factory=list)
    morning: Morning = Field(
        default_factory=Morning,
        description="Meeting points, the organisers' contacts, buses' guides and plates, and "
        "practical notes: what delegates need on the morning of a visit.",
    )
    travel: TravelSettings = Field(default_factory=TravelSettings)
    synthetic: bool = Field(
        default=False, description="True when the delegates are made up, not real people."
    )
    staff_per_bus: int = Field(
        default=0,
        ge=0,
        le=MAX_CNY,
        description="CNY per bus-day for the people on board besides the driver (guide, "
        "interpreter).",
    )
    min_riders: int = Field(
        default=1,
        ge=1,
        le=90,
        description="A bus does not leave with fewer delegates (a route may override it).",
    )
    max_rank: int | None = Field(
        default=None,
        ge=1,
        le=20,
        description="Nobody below this choice when it can be helped: 2 means everyone placed "
        "rides one of their first two choices if any plan allows it.",
    )
    cny_per_rank_step: int = Field(
        default=DEFAULT_CNY_PER_RANK_STEP,
        ge=0,
        le=MAX_CNY,
        description="The exchange rate between money and satisfaction: the CNY that one step "
        "down one delegate's ranking (first choice to second, ...) is worth.",
    )
    route_settings: dict[Slug, RouteSettings] = Field(
        default_factory=dict,
        description="Per route: the dates it runs, its min_riders and its max_buses a day.",
    )

    @field_validator("dates")
    @classmethod
    def _dates_in_range(cls, value: list[dt.date]) -> list[dt.date]:
        for date in value:
            if not FIRST_YEAR <= date.year <= LAST_YEAR:
                raise ValueError(
                    f"{date} is outside the years findhz plans ({FIRST_YEAR} to {LAST_YEAR})"
                )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{value}' is not a known time zone") from None
        return value


class Delegate(_Frozen):
    """A registered delegate (one row of the delegates table)."""

    id: DelegateId
    name: str = Field(min_length=1)
    country: str = Field(min_length=1)
    organisation: str = ""
    field: str = ""
    interests: list[Slug] = Field(min_length=1)
    languages: list[str] = Field(default_factory=list)
    available: list[dt.date] = Field(default_factory=list)
    needs: list[Need] = Field(default_factory=list)

    @property
    def step_free(self) -> bool:
        return "step-free" in self.needs


class Scenario(_Frozen):
    """A scenario with everything it refers to, loaded and cross-checked.

    Built only by ``findhz.planner.loading.load_scenario``; the rest of the code reads it.
    """

    spec: ScenarioSpec
    venues: Mapping[str, Venue]
    routes: Mapping[str, Route]
    delegates: tuple[Delegate, ...]
    source: str = Field(description="The scenario file, as the user named it.")
    notices: tuple[str, ...] = Field(
        default=(),
        description="What the loader accepted but wants the coordinator to know, one line "
        "each (e.g. columns of a registration export that findhz does not read).",
    )

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def dates(self) -> list[dt.date]:
        return self.spec.dates

    @property
    def base(self) -> Venue:
        return self.venues[self.spec.base]

    @property
    def running_routes(self) -> list[Route]:
        """The routes that run in this scenario, in catalogue order."""
        wanted = self.spec.routes
        return [r for r in self.routes.values() if wanted is None or r.id in wanted]

    @property
    def venues_in_use(self) -> list[Venue]:
        """The venues a plan of this scenario can stop at, in catalogue order: the base, the
        venues of the running routes and every lunch venue. Only these enter the travel
        matrix, so a large catalogue costs nothing when a scenario uses a few of its venues."""
        wanted = {self.spec.base}
        for route in self.running_routes:
            wanted.update(v.id for v in route.venues)
        return [v for v in self.venues.values() if v.id in wanted or v.lunch]

    def delegate_dates(self, delegate: Delegate) -> list[dt.date]:
        """The scenario dates a delegate can ride (all of them when none are given)."""
        return [d for d in self.dates if not delegate.available or d in delegate.available]

    def route_dates(self, route_id: str) -> list[dt.date]:
        """The scenario dates a route may run on (its own ``dates`` when the scenario sets them)."""
        own = self.spec.route_settings.get(route_id)
        if own is None or own.dates is None:
            return list(self.dates)
        return [d for d in self.dates if d in own.dates]

    def min_riders(self, route_id: str) -> int:
        """The fewest delegates a bus of this route leaves with."""
        own = self.spec.route_settings.get(route_id)
        if own is not None and own.min_riders is not None:
            return own.min_riders
        return self.spec.min_riders

    def max_buses(self, route_id: str) -> int | None:
        """The most buses this route runs on one date; None when the scenario sets no limit."""
        own = self.spec.route_settings.get(route_id)
        return None if own is None else own.max_buses

    def bus_day_cost(self, bus_id: str) -> int:
        """CNY for one bus of a type for a day: the bus with its driver, plus its staff."""
        bus = next(b for b in self.spec.fleet if b.id == bus_id)
        return bus.cost_per_day + self.spec.staff_per_bus

    def opening(self, venue_id: str, date: dt.date) -> list[Window]:
        """Opening windows of a venue on a date, overrides applied (venue first, then ``*``)."""
        for key in (venue_id, "*"):
            for override in self.spec.overrides:
                if override.venue == key and override.date == date:
                    return list(override.hours)
        return self.venues[venue_id].windows_on(date)

    def tz(self) -> dt.tzinfo:
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.spec.timezone)


# ---------------------------------------------------------------------------------------------
# The plan: what plan.json holds.


StopKind = Literal["depart", "visit", "lunch", "return"]


class Stop(_Frozen):
    """One stop of a group's day. The leg (``travel_s``, ``distance_m``) is from the stop before."""

    kind: StopKind
    venue: str
    arrive: dt.datetime | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    depart: dt.datetime | None = None
    travel_s: int | None = None
    distance_m: int | None = None


class Group(_Frozen):
    """The delegates on one bus, on one route, on one day, with their timed stops."""

    id: str
    route: str
    date: dt.date
    bus: str
    seats: int
    delegates: list[str]
    stops: list[Stop]


class Unassigned(_Frozen):
    delegate: str
    reason: str


class Explanation(_Frozen):
    """Something the plan left out (a venue, a route-day, a delegate) and why."""

    kind: str
    route: str | None = None
    date: dt.date | None = None
    venue: str | None = None
    group: str | None = Field(
        default=None,
        description="The group it concerns; it excuses only that group (none: the route-day).",
    )
    reason: str


class RoadLeg(_Frozen):
    """The road a bus drives from one venue to the next, as a routing service returned it.

    Drawn on the maps instead of a straight line; a leg without one is drawn straight and
    labelled so. Keyed by the two venues, so a re-planned day never shows a stale road.
    """

    origin: str
    destination: str
    polyline: str = Field(
        min_length=2,
        description="The road as an encoded polyline (precision 5, WGS-84, latitude first).",
    )

    @field_validator("polyline")
    @classmethod
    def _a_polyline(cls, value: str) -> str:
        if len(decode(value)) < 2:
            raise ValueError("a road needs at least two points")
        return value

    def points(self) -> list[tuple[float, float]]:
        """The road's ``(lat, lon)`` points."""
        return decode(self.polyline)


def rides(groups: Iterable[Group]) -> dict[str, list[Group]]:
    """The delegate-to-group index: each delegate's groups, in the order of ``groups``."""
    out: dict[str, list[Group]] = {}
    for group in groups:
        for delegate_id in group.delegates:
            out.setdefault(delegate_id, []).append(group)
    return out


class Plan(_Frozen):
    """The plan, as written to ``plan.json``."""

    schema_version: Literal[1] = 1
    scenario: str
    timezone: str
    seed: int = 0
    time_limit_s: float = 0.0
    travel: TravelInfo
    groups: list[Group]
    unassigned: list[Unassigned] = Field(default_factory=list)
    explanations: list[Explanation] = Field(default_factory=list)
    metrics: PlanMetrics = Field(default_factory=PlanMetrics)
    roads: list[RoadLeg] = Field(
        default_factory=list,
        description="Road geometry of the legs the routing service drew (OSRM `route`), "
        "sorted by origin and destination; empty with the offline model.",
    )
