"""The form as data: load ``parsers/forms/<version>.toml`` into frozen dataclasses.

Place in the flow: ``parsers.read_attachment`` loads the schema of the campaign's form version
and hands it to ``parsers.extract`` (labels, tables), ``parsers.validate`` (rules) and
``parsers.template`` (the blank form). A new form version is a new TOML file; nothing here changes.
The file format is described at the top of ``parsers/forms/2564.1.toml``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

FIELD_TYPES = frozenset(
    {"text", "int", "decimal", "area", "date", "bool", "lao_type", "province", "district",
     "phone", "email", "lao_code"}
)  # fmt: skip
_VERSION = re.compile(r"^[0-9]{4}\.[0-9]+$")


@dataclass(frozen=True)
class FieldSpec:
    """One output key: its labels on the form, its type and its limits."""

    key: str
    type: str
    labels: tuple[str, ...]
    part: int = 0
    required: bool = False
    unit: str | None = None  # stored unit of an area: "m2" or "km2"
    input_unit: str | None = None  # unit of a number written without one
    min: float | None = None
    max: float | None = None
    after: str | None = None  # choose the label occurrence after this field's label
    column: str | None = None  # read from this Part 2 column when inside the table
    multiline: bool = False
    unit_label: str | None = None
    options_hint: str | None = None
    name: str | None = None  # how messages name the field (default: the label)
    derive_from: str | None = None  # lao_type: the name field whose prefix gives the type
    prose: bool = False  # ordinary Thai words (not names): OCR's lost marks are mended

    @property
    def label(self) -> str:
        """The label as printed on the template."""
        return self.labels[0]

    @property
    def title(self) -> str:
        """How messages to the LAO name the field."""
        return self.name or self.labels[0]


@dataclass(frozen=True)
class SectionSpec:
    part: int
    labels: tuple[str, ...]


@dataclass(frozen=True)
class GreenRowSpec:
    type: str
    labels: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class GreenTableSpec:
    """Part 2: one row per green-space type, columns for sites and area."""

    part: int
    required: bool
    sites_key: str
    area_key: str
    area_unit: str
    input_unit: str
    row_header: tuple[str, ...]
    columns: Mapping[str, tuple[str, ...]]  # "sites", "area", "rai", "ngan", "wa"
    rows: tuple[GreenRowSpec, ...]

    def sites_field(self, green_type: str) -> str:
        return self.sites_key.format(type=green_type)

    def area_field(self, green_type: str) -> str:
        return self.area_key.format(type=green_type)


@dataclass(frozen=True)
class YesNoSpec:
    yes: tuple[str, ...]
    no: tuple[str, ...]
    item_header: tuple[str, ...]


@dataclass(frozen=True)
class ColumnSpec:
    """A projects-table column."""

    key: str
    type: str
    headers: tuple[str, ...]
    unit: str | None = None
    input_unit: str | None = None
    total_key: str | None = None
    min: float | None = None
    max: float | None = None
    # a cell lists names ("ประดู่ ราชพฤกษ์"): a wrap between two Thai words was a space
    list: bool = False
    prose: bool = False  # ordinary Thai words: OCR's lost marks are mended


@dataclass(frozen=True)
class ProjectsSpec:
    key: str
    part: int
    title: tuple[str, ...]
    ordinal: tuple[str, ...]
    total_row: tuple[str, ...]
    min_header_columns: int
    columns: tuple[ColumnSpec, ...]


@dataclass(frozen=True)
class MatchingSpec:
    min_labels: int
    fuzzy_threshold: float
    fuzzy_penalty: float
    below_rows: int
    max_blank_rows: int
    label_span_rows: int = 400  # a form's labels stand within this many rows of one sheet


@dataclass(frozen=True)
class VocabularySpec:
    """Synonyms (canonical -> variants) and stop words for comparing labels by meaning."""

    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    stop_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class ValidationSpec:
    total_key: str
    total_tolerance: float
    per_capita_key: str
    population_key: str
    per_capita_tolerance: float
    fiscal_year_start: dt.date
    fiscal_year_end: dt.date
    date_fields: tuple[str, ...]
    days_before: int
    days_after: int
    lao_code_pattern: str
    phone_digits: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class FormSchema:
    """One version of the report form (compared by identity: one object per loaded version)."""

    version: str
    title: str
    subtitle: str
    title_labels: tuple[str, ...]
    matching: MatchingSpec
    validation: ValidationSpec
    sections: tuple[SectionSpec, ...]
    fields: tuple[FieldSpec, ...]  # Part 1, 3 (yes/no), 4, 5 and the Part 2 totals, in form order
    green_table: GreenTableSpec
    yes_no: YesNoSpec
    projects: ProjectsSpec
    vocabulary: VocabularySpec = field(default_factory=VocabularySpec)
    _by_key: dict[str, FieldSpec] = field(init=False, repr=False, compare=False)
    _all: tuple[FieldSpec, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_all", self._every_field())
        object.__setattr__(self, "_by_key", {spec.key: spec for spec in self._all})

    def all_fields(self) -> tuple[FieldSpec, ...]:
        """Every scalar output key as a FieldSpec: labelled fields, Part 2 rows, project totals."""
        return self._all

    def _every_field(self) -> tuple[FieldSpec, ...]:
        table = self.green_table
        green: list[FieldSpec] = []
        for row in table.rows:
            name = re.sub(r"\s*\([^()]*\)", "", row.labels[0]).strip()
            sites_labels = (f"{name} – จำนวน (แห่ง)", *row.labels)
            area_labels = (f"{name} – พื้นที่", *row.labels)
            green.append(
                FieldSpec(table.sites_field(row.type), "int", sites_labels, table.part, min=0)
            )
            green.append(
                FieldSpec(table.area_field(row.type), "area", area_labels, table.part, min=0,
                          unit=table.area_unit, input_unit=table.input_unit)
            )  # fmt: skip
        totals = [
            FieldSpec(col.total_key, col.type, col.headers, self.projects.part, min=col.min)
            for col in self.projects.columns
            if col.total_key
        ]
        return (*self.fields, *green, *totals)

    def field(self, key: str) -> FieldSpec:
        """The spec of an output key (labelled field, Part 2 row key or projects total)."""
        return self._by_key[key]

    def has_field(self, key: str) -> bool:
        return key in self._by_key

    def output_keys(self) -> tuple[str, ...]:
        """Every key a reading can hold, in form order (``<phone>_digits`` after its phone)."""
        keys: list[str] = []
        for spec in self.all_fields():
            keys.append(spec.key)
            if spec.type == "phone":
                keys.append(f"{spec.key}_digits")
        return (*keys, self.projects.key)


def available_versions() -> tuple[str, ...]:
    """Form versions with a schema file, oldest first."""
    names = (entry.name for entry in resources.files("parsers.forms").iterdir())
    found = [name.removesuffix(".toml") for name in names if name.endswith(".toml")]
    return tuple(sorted(v for v in found if _VERSION.match(v)))


@functools.lru_cache(maxsize=8)
def load_schema(version: str) -> FormSchema:
    """The schema of form ``version`` ("2564.1"); ValueError for an unknown version."""
    if not _VERSION.match(version) or version not in available_versions():
        raise ValueError(f"no schema for form version {version!r}; have {available_versions()}")
    text = resources.files("parsers.forms").joinpath(f"{version}.toml").read_text("utf-8")
    return parse_schema(tomllib.loads(text))


def parse_schema(data: Mapping[str, Any]) -> FormSchema:
    """Build a FormSchema from the parsed TOML (also used by tests with edited copies)."""
    fields = tuple(_field(entry) for entry in data["fields"])
    green = data["green_table"]
    projects = data["projects"]
    schema = FormSchema(
        version=str(data["version"]),
        title=str(data["title"]),
        subtitle=str(data.get("subtitle", "")),
        title_labels=tuple(data.get("title_labels", ())),
        matching=MatchingSpec(**data["matching"]),
        validation=_validation(data["validation"]),
        sections=tuple(SectionSpec(s["part"], tuple(s["labels"])) for s in data["sections"]),
        fields=fields,
        green_table=GreenTableSpec(
            part=green["part"],
            required=bool(green.get("required", False)),
            sites_key=green["sites_key"],
            area_key=green["area_key"],
            area_unit=green["area_unit"],
            input_unit=green["input_unit"],
            row_header=tuple(green.get("row_header", ())),
            columns={name: tuple(labels) for name, labels in green["columns"].items()},
            rows=tuple(GreenRowSpec(r["type"], tuple(r["labels"])) for r in green["rows"]),
        ),
        yes_no=YesNoSpec(
            tuple(data["yes_no"]["yes"]),
            tuple(data["yes_no"]["no"]),
            tuple(data["yes_no"].get("item_header", ())),
        ),
        projects=ProjectsSpec(
            key=projects["key"],
            part=projects["part"],
            title=tuple(projects["title"]),
            ordinal=tuple(projects.get("ordinal", ())),
            total_row=tuple(projects["total_row"]),
            min_header_columns=int(projects.get("min_header_columns", 2)),
            columns=tuple(
                ColumnSpec(**{**col, "headers": tuple(col["headers"])})
                for col in projects["columns"]
            ),
        ),
        vocabulary=VocabularySpec(
            synonyms={
                str(canonical): tuple(variants)
                for canonical, variants in data.get("vocabulary", {}).get("synonyms", {}).items()
            },
            stop_words=tuple(data.get("vocabulary", {}).get("stop_words", ())),
        ),
    )
    _check(schema)
    return schema


def _field(entry: Mapping[str, Any]) -> FieldSpec:
    return FieldSpec(**{**entry, "labels": tuple(entry["labels"])})


def _validation(entry: Mapping[str, Any]) -> ValidationSpec:
    return ValidationSpec(
        **{
            **entry,
            "date_fields": tuple(entry.get("date_fields", ())),
            "phone_digits": tuple(entry.get("phone_digits", ())),
        }
    )


def _check(schema: FormSchema) -> None:
    """Refuse a schema with unknown types, duplicate keys or dangling references."""
    keys = [spec.key for spec in schema.all_fields()]
    duplicates = {key for key in keys if keys.count(key) > 1}
    if duplicates:
        raise ValueError(f"schema {schema.version}: duplicate keys {sorted(duplicates)}")
    for spec in schema.all_fields():
        if spec.type not in FIELD_TYPES:
            raise ValueError(f"schema {schema.version}: {spec.key} has unknown type {spec.type}")
        if spec.after and spec.after not in keys:
            raise ValueError(f"schema {schema.version}: {spec.key} after unknown {spec.after}")
        if not spec.labels:
            raise ValueError(f"schema {schema.version}: {spec.key} has no label")
    rules = schema.validation
    for key in (rules.total_key, rules.per_capita_key, rules.population_key, *rules.date_fields):
        if key not in keys:
            raise ValueError(f"schema {schema.version}: validation names unknown key {key}")
    for spec in schema.fields:
        if spec.derive_from and spec.derive_from not in keys:
            raise ValueError(f"schema {schema.version}: {spec.key} derives from unknown key")
        if spec.prose and spec.type != "text":
            raise ValueError(f"schema {schema.version}: prose field {spec.key} is not text")
    for column in schema.projects.columns:
        if column.type not in FIELD_TYPES:
            raise ValueError(f"schema {schema.version}: column {column.key} type {column.type}")
        if column.list and column.type != "text":
            raise ValueError(f"schema {schema.version}: list column {column.key} is not text")
        if column.prose and column.type != "text":
            raise ValueError(f"schema {schema.version}: prose column {column.key} is not text")
