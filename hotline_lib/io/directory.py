"""The unit directory and the district's settings: data files a district edits, validated on load."""

from __future__ import annotations

import datetime
import unicodedata
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hotline_lib.core import config
from hotline_lib.core.errors import SettingsError
from hotline_lib.core.i18n import Message
from hotline_lib.core.text import title_text
from hotline_lib.core.utils import closest_matches, read_yaml_file
from hotline_lib.io.platform import DEFAULT_VISIT_RESULTS, check_visit_results


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Unit(_Strict):
    name: str
    kind: str
    display: str = Field("", validate_default=True)   # how the bulletin's text names it; empty: the name
    aliases: list[str] = []

    @field_validator("display", mode="after")
    @classmethod
    def _display(cls, value, info):
        return value or info.data.get("name", "")


class UnitFile(_Strict):
    #: empty in a new working folder: `hotline units --from-exports` drafts it from the exports
    units: list[Unit] = []

    @field_validator("units", mode="before")
    @classmethod
    def _none_is_empty(cls, value):
        return [] if value is None else value


def _key(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", str(name)).split())


class UnitDirectory:
    """Every member unit with its kind, its display name and the spellings exports use for it."""

    def __init__(self, units: list[Unit], source: Path | None = None):
        self.units = units
        self.source = source
        self._by_spelling: dict[str, str] = {}
        for unit in units:
            for spelling in [unit.name, unit.display, *unit.aliases]:
                owner = self._by_spelling.setdefault(_key(spelling), unit.name)
                if owner != unit.name:
                    raise SettingsError("{source}: {spelling!r} names both {owner} and {unit}", source=source,
                                        spelling=spelling, owner=owner, unit=unit.name)

    def resolve(self, spelling: str) -> str | None:
        """The unit's name for any spelling of it, or None when the directory does not know it."""
        return self._by_spelling.get(_key(spelling))

    def closest(self, spelling: str, n: int = 3) -> list[str]:
        """The names of the units most like ``spelling``, by any of their spellings (name, display name,
        alias), best first: what an error about an unknown unit suggests."""
        owner = {s: u.name for u in self.units for s in [u.name, u.display, *u.aliases]}
        return list(dict.fromkeys(owner[s] for s in closest_matches(spelling, owner, n=2 * n)))[:n]

    @property
    def names(self) -> list[str]:
        return [unit.name for unit in self.units]

    def frame(self) -> pd.DataFrame:
        """部门名称, 类别 and display name of every unit, in directory order."""
        return pd.DataFrame({"部门名称": [u.name for u in self.units], "类别": [u.kind for u in self.units],
                             "display": [u.display for u in self.units]})

    def display(self, name: str) -> str:
        return next(u.display for u in self.units if u.name == name)


def _validation_message(path: Path, error: ValidationError) -> Message:
    """The first problem pydantic found; the two an analyst meets most (a key missing, a key unknown) in
    the reader's language, any other in pydantic's own words."""
    first = error.errors()[0]
    key = ".".join(str(p) for p in first["loc"])
    reason = {"extra_forbidden": Message("unknown key"), "missing": Message("Field required")}.get(first["type"], first["msg"])
    return Message("{path}: {key}: {reason}", path=path, key=key, reason=reason)


def load_units(path: str | Path | None = None) -> UnitDirectory:
    """The unit directory (default: data/units.yaml)."""
    path = Path(path) if path is not None else config.units_file()
    try:
        return UnitDirectory(UnitFile.model_validate(read_yaml_file(path, SettingsError)).units, path)
    except ValidationError as exc:
        raise SettingsError(_validation_message(path, exc)) from None


class Excellent(_Strict):
    #: the 完成度较好 总分, for the scheme's common full marks (each group: the same share of its own);
    #: left out: the rules' thresholds.excellent
    score: float | None = None
    satisfaction: float
    min_signed: int
    excluded: list[str] = []


class HotTopics(_Strict):
    """热点诉求 (analysis/topics.py): where the bulletin shows it and the thresholds of its findings."""

    #: section: its own section (notebooks/08_hot_topics.ipynb); features: under 本月热线特点; off: not shown
    show: Literal["section", "features", "off"] = "off"
    #: a repeat demand: ``repeat_min_orders`` or more orders at one place about one problem, within
    #: ``repeat_window_days`` of the first
    repeat_window_days: int = Field(7, ge=1)
    repeat_min_orders: int = Field(4, ge=2)
    #: a rising term is in at least this many orders this month, at no fewer than ``rising_min_places`` places
    rising_min_orders: int = Field(5, ge=1)
    rising_min_places: int = Field(3, ge=1)
    #: rows of each list (places, repeats, rising) and sub-issues per category
    rows: int = Field(10, ge=1)
    issues_per_category: int = Field(5, ge=1)

    @field_validator("show", mode="before")
    @classmethod
    def _off(cls, value):
        """YAML reads an unquoted ``off`` as false: it means off."""
        return "off" if value is False else value


class Settings(_Strict):
    """What a district changes (data/settings.yaml); see the comments in that file."""

    district: str
    city: str = ""
    issuer: str = ""
    #: the bulletin's title: {district}, {city}, {year}, {month} (12) and {month_cn} (十二月)
    title: str = "{district}12345政务热线{month_cn}份情况通报"
    #: the data folder every command reads unless told --data, relative to the working folder
    data_folder: str = "data/exports"
    phone_channel: str
    channels_named: int = Field(2, ge=0)
    top_categories: int = Field(6, ge=1)
    epidemic_top_categories: int = Field(4, ge=1)
    appeal_types: list[str]
    peer_group_name: str
    excellent: Excellent
    low_satisfaction_below: float
    city_ranking_file: str = "city_ranking/{month}.csv"
    case_story_file: str = "cases/{month}.md"
    exemptions_file: str = "exemptions/{month}.csv"
    #: the formats a render writes (hotline report --formats overrides): html, pdf, docx
    formats: list[Literal["html", "pdf", "docx"]] = ["html", "pdf", "docx"]
    issue_date: str = ""        # 成文日期 under the issuer in bulletin.docx, e.g. 2021年1月5日; none when empty
    docx_template: str = ""     # the Word template (relative to the project, or absolute); empty: the shipped 公文 one
    #: 回访结果: the values the platform writes under what each counts as (io/platform.py); each
    #: meaning's own word always counts as itself. The default takes the five-level scale too.
    visit_results: dict[Literal["满意", "基本满意", "不满意", "未回访"], list[str]] = DEFAULT_VISIT_RESULTS
    #: the level of classification the bulletin counts as its 问题分类: auto is a file's 问题分类 column
    #: when it has one, else its 一级分类
    category_level: Literal["auto", "问题分类", "一级分类", "二级分类", "三级分类"] = "auto"
    #: the seconds one notebook cell may run in a render before the section is stopped with an error
    cell_timeout_seconds: int = Field(600, ge=1)
    #: 热点诉求: off unless the settings turn it on (the seed's published layout has no such part)
    hot_topics: HotTopics = HotTopics()

    @field_validator("issue_date", mode="before")
    @classmethod
    def _date_text(cls, value):
        """A YAML date (2021-01-05) is written the 公文 way: 2021年1月5日."""
        if isinstance(value, (datetime.date, datetime.datetime)):
            return f"{value.year}年{value.month}月{value.day}日"
        return "" if value is None else value

    @field_validator("docx_template", mode="before")
    @classmethod
    def _no_template(cls, value):
        return "" if value is None else value

    @field_validator("visit_results", mode="after")
    @classmethod
    def _one_meaning_each(cls, value):
        return check_visit_results(value)

    @field_validator("title", mode="after")
    @classmethod
    def _known_placeholders(cls, value):
        title_text(value, "2020-12", "区", "市")   # an unknown {name} fails here, with the known ones
        return value

    def bulletin_title(self, month: str) -> str:
        """The bulletin's title for ``month``, from the settings' title pattern."""
        return title_text(self.title, month, self.district, self.city)


def load_settings(path: str | Path | None = None) -> Settings:
    """The district's settings (default: data/settings.yaml)."""
    path = Path(path) if path is not None else config.settings_file()
    try:
        return Settings.model_validate(read_yaml_file(path, SettingsError))
    except ValidationError as exc:
        raise SettingsError(_validation_message(path, exc)) from None
