"""A foreign district's exports for the tests: the sample's exports of one month, rewritten so that
nothing of 芙蓉区 is left (its units renamed to another district's, place names replaced) and saved in
GBK, as another city's platform would write them. Not the sample: no marker, another district."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from hotline_lib.core.config import SOURCE_ROOT
from hotline_lib.io.reading import decode_csv_bytes

STREETS = ["城东", "城西", "城南", "城北", "江北", "江南", "河东", "河西", "新华", "人民", "解放", "和平", "建设", "胜利"]
#: 芙蓉区's units that are neither a 街道办事处 nor a plain department name
RENAMED = {"隆平高科技园管理委员会": "高新技术产业园管理委员会", "湘湖管理局": "南湖管理局",
           "长沙火车站地区综合管理办公室": "火车站地区综合管理办公室"}
#: place names of the sample's text, replaced so that no output can name 芙蓉区 or its city
PLACES = {"芙蓉区": "某某区", "芙蓉": "某某", "长沙市": "某某市", "长沙": "某某"}


def unit_names() -> dict[str, str]:
    """Every spelling of every sample unit -> the foreign district's name for that unit."""
    units = yaml.safe_load((SOURCE_ROOT / "data" / "units.yaml").read_text(encoding="utf-8"))["units"]
    streets = iter(STREETS)
    mapping = {}
    for unit in units:
        name = unit["name"]
        foreign = (f"{next(streets)}街道办事处" if name.endswith("街道办事处") else RENAMED.get(name, name))
        for spelling in {name, unit.get("display", name), *unit.get("aliases", [])}:
            mapping[spelling] = foreign
    return mapping


def foreign_text(text: str, mapping: dict[str, str]) -> str:
    """``text`` with every unit spelling and place name replaced in one pass (longest first, so an alias
    is never half-replaced and a replacement is never replaced again)."""
    replacements = {**PLACES, **mapping}
    pattern = re.compile("|".join(re.escape(s) for s in sorted(replacements, key=len, reverse=True)))
    return pattern.sub(lambda m: replacements[m.group(0)], text)


def write_foreign_exports(sample_dir: Path, month: str, target: Path) -> list[Path]:
    """The sample's two CSV exports of ``month`` as another district's platform writes them (GBK)."""
    target.mkdir(parents=True, exist_ok=True)
    mapping, written = unit_names(), []
    for kind, name in [("工单", "工单明细"), ("派单", "派单记录")]:
        source = sample_dir / "exports" / f"{month}_{kind}.csv"
        text = foreign_text(decode_csv_bytes(source.read_bytes(), source), mapping)
        path = target / f"{name}_{month}.csv"
        path.write_bytes(text.encode("gb18030"))
        written.append(path)
    return written


def write_foreign_units(path: Path) -> Path:
    """The foreign district's unit directory (each unit under its foreign name, with its kind and the
    foreign spellings of its aliases), for the tests that read its exports without drafting one with
    `hotline units --from-exports`."""
    units = yaml.safe_load((SOURCE_ROOT / "data" / "units.yaml").read_text(encoding="utf-8"))["units"]
    mapping, foreign = unit_names(), []
    for unit in units:
        name = mapping[unit["name"]]
        spellings = {foreign_text(s, mapping) for s in {unit["name"], unit.get("display", ""), *unit.get("aliases", [])} if s}
        foreign.append({"name": name, "kind": unit["kind"], "aliases": sorted(spellings - {name})})
    path.write_text(yaml.safe_dump({"units": foreign}, allow_unicode=True), encoding="utf-8")
    return path
