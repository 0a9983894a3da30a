"""The generated corpus of filled forms in every format, for ``bench.parse_accuracy`` (SYNTHETIC).

Place in the flow: none; it produces inputs. A format is a generator ``(truth, layout, rng) ->
bytes`` in :data:`GENERATORS` with its development and held-out layouts in :data:`DEV_LAYOUTS`
and :data:`HELD_OUT_LAYOUTS`; a new format (text PDF, scans) plugs in with :func:`add_format`
or by adding to the three dicts. A generator may edit ``truth`` in place (layouts that change
what the form can say), so that it stays the truth of the bytes returned.

Held-out layouts are never looked at while tuning the extractor: only measured.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from samples import forms, wordforms

Generator = Callable[[dict[str, Any], str, random.Random], bytes]


def _xlsx(truth: dict[str, Any], layout: str, rng: random.Random) -> bytes:
    return forms.fill_xlsx(truth, layout=layout, rng=rng)


def _xls(truth: dict[str, Any], layout: str, rng: random.Random) -> bytes:
    return forms.fill_xls(truth, layout=layout, rng=rng)


def _docx(truth: dict[str, Any], layout: str, rng: random.Random) -> bytes:
    return wordforms.fill_docx(truth, layout=layout, rng=rng)


GENERATORS: dict[str, Generator] = {"xlsx": _xlsx, "xls": _xls, "docx": _docx}
DEV_LAYOUTS: dict[str, tuple[str, ...]] = {
    "xlsx": forms.DEV_LAYOUTS,
    "xls": forms.XLS_DEV_LAYOUTS,
    "docx": wordforms.WORD_DEV_LAYOUTS,
}
HELD_OUT_LAYOUTS: dict[str, tuple[str, ...]] = {
    "xlsx": forms.HELD_OUT_LAYOUTS,
    "xls": forms.XLS_HELD_OUT_LAYOUTS,
    "docx": wordforms.WORD_HELD_OUT_LAYOUTS,
}


def add_format(
    name: str, generator: Generator, dev: tuple[str, ...], held_out: tuple[str, ...]
) -> None:
    """Plug a format into the corpus (at least a fifth of its layouts held out)."""
    if len(held_out) * 5 < len(dev) + len(held_out):
        raise ValueError(f"{name}: hold out at least a fifth of the layouts")
    GENERATORS[name] = generator
    DEV_LAYOUTS[name] = dev
    HELD_OUT_LAYOUTS[name] = held_out


@dataclass(frozen=True)
class Sample:
    format: str
    layout: str
    held_out: bool
    truth: dict[str, Any]
    data: bytes


def random_lao_truth(rng: random.Random) -> dict[str, Any]:
    """The truth of one LAO's report (the same population as ``forms.sample_forms``)."""
    lao_type = rng.choice(("sao", "subdistrict_municipality", "town_municipality", "pao"))
    short, full = forms._LAO_TYPE_SHORT[lao_type], forms._LAO_TYPE_FULL[lao_type]
    name = (full if rng.random() < 0.5 else short) + rng.choice(
        ("แม่ใส", "กำแพงแสน", "หนองบัว", "บ้านใหม่", "ท่าศาลา", "เวียงพางคำ")
    )
    return forms.random_truth(
        rng,
        lao_name=name,
        lao_type=lao_type,
        province=rng.choice(("เชียงใหม่", "นครปฐม", "ขอนแก่น", "สงขลา", "นครศรีธรรมราช")),
        district=rng.choice(("เมือง", "กำแพงแสน", "สันทราย", "หาดใหญ่", "ท่าศาลา")),
        lao_code=None
        if rng.random() < 0.3
        else f"{rng.randint(2, 6)}{rng.randint(100000, 999999)}",
    )


def generate(count: int, *, fmt: str, held_out: bool, seed: int = 0) -> Iterator[Sample]:
    """``count`` forms of ``fmt`` cycling through its development or held-out layouts."""
    layouts = (HELD_OUT_LAYOUTS if held_out else DEV_LAYOUTS)[fmt]
    rng = random.Random(f"{fmt}-{held_out}-{seed}")
    for number in range(count):
        layout = layouts[number % len(layouts)]
        truth = random_lao_truth(rng)
        data = GENERATORS[fmt](truth, layout, rng)
        yield Sample(fmt, layout, held_out, truth, data)
