"""The identification corpus for ``bench/identify`` (SYNTHETIC, built on the sample registry).

Place in the flow: none; it produces inputs for *identify* (:func:`ingest.identify.identify`)
with the answer attached. Each case is what one message offers: the sender addresses (outermost
first, then the senders of forwarded messages), the identity fields of its form as an officer
would type them, the subject and body, and the truth (the LAO that really sent it).

The hard cases come in fixed shares of the corpus (:data:`SHARES`); on top of its category, every
case draws the everyday variation (short or full name, code given or not, type cell filled or
not, "อ."/"จ." prefixes, the name in the subject or body or not), recorded in its ``tags``:

- ``unknown_webmail`` (22 %): an officer's gmail/hotmail/yahoo address the registry does not know;
- ``shared_tambon`` (10 %): an LAO whose place name another LAO shares (a เทศบาลตำบล and an อบต.
  of one tambon, or the same name in another district or province); some of these forms give
  no type at all, which only a person (or a known address) can settle;
- ``forwarded_office`` (5 %): forwarded by the province's สถจ., the original sender inside;
- ``short_name`` (10 %): "อบต.แม่ใส", "ทต.กำแพงแสน", with or without the type cell;
- ``typo`` (5 %): one slip in the place name (a tone mark, a look-alike letter, a letter lost or
  doubled). A slip that turns the name into another real LAO's name in the same province is not
  generated: on the form it *is* that other LAO's name, and no evidence on the form tells them
  apart (the address or code may; the corpus keeps the question for the unit tests);
- ``wrong_code`` (4 %): one digit of the code wrong (often another LAO's code);
- ``prefixed_location`` (8 %): "อ.เมือง", "อำเภอ…", "จ.…", "จังหวัด …", or the location written
  into the name cell ("อบต.แม่ใส อ.แม่สรวย จ.เชียงราย") with the district and province cells empty;
- ``learned_webmail`` (3 %): a webmail address a reviewer confirmed earlier (:attr:`Corpus.learned`);
- ``official`` (the rest): the LAO's registered ``saraban_0<code>@dla.go.th`` address.

Deterministic for a seed.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from core import laonames
from storage.registry import RegistryRow

SHARES: Final[tuple[tuple[str, float], ...]] = (
    ("unknown_webmail", 0.22),
    ("shared_tambon", 0.10),
    ("forwarded_office", 0.05),
    ("short_name", 0.10),
    ("typo", 0.05),
    ("wrong_code", 0.04),
    ("prefixed_location", 0.08),
    ("learned_webmail", 0.03),
)
CATEGORIES: Final = (*(name for name, _ in SHARES), "official")
WEBMAIL: Final = ("gmail.com", "hotmail.com", "yahoo.com", "outlook.co.th", "hotmail.co.th")
_HANDLES: Final = ("somchai", "green", "kongchang", "saraban", "plan", "env", "office", "admin")
_LOOK_ALIKE: Final = (
    ("ส", "ศ"),
    ("ศ", "ษ"),
    ("ท", "ธ"),
    ("ใ", "ไ"),
    ("น", "ณ"),
    ("ล", "ฬ"),
    ("พ", "ภ"),
    ("ต", "ฏ"),
    ("ด", "ฎ"),
    ("ข", "ค"),
    ("บ", "ป"),
    ("ร", "ล"),
)
_TONES: Final = "\u0e48\u0e49\u0e4a\u0e4b\u0e4c"
_TYPE_TEXT: Final = {
    "pao": ("อบจ.", "องค์การบริหารส่วนจังหวัด"),
    "city_municipality": ("ทน.", "เทศบาลนคร"),
    "town_municipality": ("ทม.", "เทศบาลเมือง"),
    "subdistrict_municipality": ("ทต.", "เทศบาลตำบล"),
    "sao": ("อบต.", "องค์การบริหารส่วนตำบล"),
    "bangkok": ("กทม.", "กรุงเทพมหานคร"),
    "pattaya": ("เมืองพัทยา", "เมืองพัทยา"),
}


@dataclass(frozen=True, slots=True)
class IdentityCase:
    category: str
    tags: tuple[str, ...]
    sender_addresses: tuple[str, ...]
    form_fields: dict[str, Any]
    texts: tuple[str, ...]
    truth: str
    """The code of the LAO that really sent it."""


@dataclass(frozen=True, slots=True)
class Corpus:
    cases: list[IdentityCase]
    learned: tuple[tuple[str, str], ...] = field(default=())
    """(address, lao_code) that reviewers confirmed before: load them as learned addresses."""


def counts(n: int) -> dict[str, int]:
    """How many cases of each category a corpus of ``n`` holds (fixed shares, the rest official)."""
    out = {name: round(n * share) for name, share in SHARES}
    out["official"] = n - sum(out.values())
    return out


def generate(registry: Sequence[RegistryRow], n: int, *, seed: int = 2564) -> Corpus:
    rng = random.Random(seed)
    laos = [r for r in registry if r.lao_type != "provincial_office"]
    offices = {r.province: r for r in registry if r.lao_type == "provincial_office"}
    world = _World(laos, offices)
    plan = [name for name, count in counts(n).items() for _ in range(count)]
    rng.shuffle(plan)
    cases: list[IdentityCase] = []
    learned: list[tuple[str, str]] = []
    for index, category in enumerate(plan):
        case, taught = _case(rng, world, category, index)
        cases.append(case)
        if taught is not None:
            learned.append(taught)
    return Corpus(cases, tuple(learned))


class _World:
    """The registry, indexed the ways the generator needs."""

    def __init__(self, laos: list[RegistryRow], offices: dict[str, RegistryRow]) -> None:
        self.laos = laos
        self.offices = offices
        self.places: dict[str, set[str]] = defaultdict(set)
        for lao in laos:
            self.places[lao.province].add(_place(lao))
        by_place = Counter(_place(lao) for lao in laos)
        self.shared = [lao for lao in laos if by_place[_place(lao)] > 1]
        in_district = Counter((lao.province, lao.district, _place(lao)) for lao in laos)
        self.tambon_pairs = [
            lao
            for lao in self.shared
            if lao.lao_type in ("sao", "subdistrict_municipality")
            and in_district[(lao.province, lao.district, _place(lao))] > 1
        ]
        self.typeable = [lao for lao in laos if lao.lao_type in _TYPE_TEXT]


def _place(lao: RegistryRow) -> str:
    return laonames.split_name(lao.name)[1]


def _webmail(rng: random.Random, index: int) -> str:
    return f"{rng.choice(_HANDLES)}{index}{rng.randint(1, 99)}@{rng.choice(WEBMAIL)}"


def _case(
    rng: random.Random, world: _World, category: str, index: int
) -> tuple[IdentityCase, tuple[str, str] | None]:
    tags: list[str] = []
    if category == "shared_tambon":
        pool = world.tambon_pairs if rng.random() < 0.6 else world.shared
        lao = rng.choice(pool)
        tags.append("same_tambon_two_types" if pool is world.tambon_pairs else "name_elsewhere")
    else:
        lao = rng.choice(world.typeable)
    place = _place(lao)
    official = lao.emails[0] if lao.emails else f"saraban_0{lao.lao_code}@dla.go.th"
    webmail = _webmail(rng, index)
    taught: tuple[str, str] | None = None

    # --- who sent it
    if category in ("unknown_webmail",):
        senders: tuple[str, ...] = (webmail,)
    elif category == "learned_webmail":
        senders, taught = (webmail,), (webmail, lao.lao_code)
    elif category == "forwarded_office":
        inner = official if rng.random() < 0.5 else webmail
        office = world.offices.get(lao.province)
        senders = (office.emails[0], inner) if office is not None and office.emails else (inner,)
        tags.append("inner_" + ("official" if inner == official else "webmail"))
    elif category == "official":
        senders = (official,)
    else:
        senders = (official,) if rng.random() < 0.5 else (webmail,)
    tags.append("from_webmail" if webmail in senders else "from_official")

    # --- the name and type as typed
    if category == "typo":
        typed_place = _typo(rng, place, world.places[lao.province])
        tags.append("typo")
    else:
        typed_place = place
    short, full = _TYPE_TEXT[lao.lao_type]
    style = "short" if category == "short_name" or rng.random() < 0.25 else "full"
    if lao.lao_type in ("bangkok", "pattaya"):
        name = full
    else:
        name = (short if style == "short" else full) + typed_place
    tags.append(style + "_name")
    type_cell: str | None = rng.choice((lao.lao_type, short, full))
    if rng.random() < 0.1:
        type_cell = None
        tags.append("no_type_cell")
    if category == "shared_tambon" and rng.random() < 0.1:
        name, type_cell = typed_place, None
        tags.append("no_type_at_all")

    # --- the code
    code: str | None = lao.lao_code if rng.random() < 0.6 else None
    if category == "wrong_code":
        code = _wrong_code(rng, lao.lao_code)
        tags.append("code_wrong")
    tags.append("code_given" if code else "no_code")

    # --- where
    district = lao.district or ""
    province = lao.province
    if category == "prefixed_location":
        style_loc = rng.choice(("prefix", "word", "seat", "in_name"))
        tags.append("location_" + style_loc)
        if style_loc == "in_name":
            name = f"{name} อ.{district} จ.{province}" if district else f"{name} จ.{province}"
            district, province = "", ""
        else:
            if style_loc == "seat" and district.startswith("เมือง") and rng.random() < 0.8:
                district = "อ.เมือง"
            elif district:
                district = ("อ." if style_loc == "prefix" else "อำเภอ") + district
            province = ("จ." if style_loc != "word" else "จังหวัด ") + province
    elif rng.random() < 0.05:
        district = ""
        tags.append("no_district")

    fields: dict[str, Any] = {"lao_name": name}
    if type_cell:
        fields["lao_type"] = type_cell
    if code:
        fields["lao_code"] = code
    if district:
        fields["district"] = district
    if province:
        fields["province"] = province

    # --- subject and body
    texts: list[str] = []
    if rng.random() < 0.5:
        texts.append(f"ส่งแบบรายงานพื้นที่สีเขียว {lao.name}")
    else:
        texts.append("ส่งแบบรายงานผลการดำเนินงานฯ")
    if rng.random() < 0.6:
        texts.append(f"เรียน สผ.\n{short}{place} ขอส่งแบบรายงานตามที่แนบมา\n")
    tags.append("named_in_text" if len(texts) > 1 or lao.name in texts[0] else "not_in_text")
    case = IdentityCase(category, tuple(tags), senders, fields, tuple(texts), lao.lao_code)
    return case, taught


def _typo(rng: random.Random, place: str, taken: set[str]) -> str:
    """One slip in ``place`` that does not make it another LAO's place name in the province."""
    for _ in range(50):
        kind = rng.choice(("tone", "look_alike", "drop", "double"))
        chars = list(place)
        if kind == "tone":
            tones = [i for i, ch in enumerate(chars) if ch in _TONES]
            if not tones:
                continue
            del chars[rng.choice(tones)]
        elif kind == "look_alike":
            spots = [
                (i, b if ch == a else a)
                for i, ch in enumerate(chars)
                for a, b in _LOOK_ALIKE
                if ch in (a, b)
            ]
            if not spots:
                continue
            position, replacement = rng.choice(spots)
            chars[position] = replacement
        elif kind == "drop":
            if len(chars) < 5:
                continue
            del chars[rng.randrange(1, len(chars))]
        else:
            position = rng.randrange(len(chars))
            chars.insert(position, chars[position])
        typed = "".join(chars)
        if typed != place and typed not in taken:
            return typed
    return place


def _wrong_code(rng: random.Random, code: str) -> str:
    position = rng.choice((0, 5, 6, 6))
    digits = list(code)
    if position == 0:
        digits[0] = {"5": "6", "6": "5"}.get(digits[0], "5")
    else:
        digits[position] = str((int(digits[position]) + rng.randint(1, 9)) % 10)
    return "".join(digits)
