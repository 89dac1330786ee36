"""Everything one month's bulletin shows, computed once: figures, the scored appendix, the city's
ranking and the case story. Notebooks only present what this module returns."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pandas as pd

from hotline_lib.io.directory import Settings, UnitDirectory
from hotline_lib.core.errors import InputError
from hotline_lib.figures.month import MonthFigures, compute_month
from hotline_lib.core.numbers import format_percent, format_score, parse_rate, ratio_percent, to_decimal
from hotline_lib.core.privacy import mask_personal, mask_strings
from hotline_lib.io.reading import read_sheets
from hotline_lib.scoring.rules import Rules, load_rules
from hotline_lib.scoring.score import SCORE, competition_rank, published_order, score_units
from hotline_lib.core.text import month_short, rank_label, sentence
from hotline_lib.scoring.unit_table import SATISFIED, SIGNED, UNIT, VISITED

log = logging.getLogger(__name__)


@dataclass
class Bulletin:
    """One month's bulletin: ``figures`` has the structure of reference/figures_2020-12.json."""

    month: str
    settings: Settings
    units: UnitDirectory
    month_figures: MonthFigures
    scored: pd.DataFrame          # the appendix, scored, in published order
    city: pd.DataFrame | None     # the city's ranking of districts, or None when not supplied
    case_story: str | None
    figures: dict

    @property
    def title(self) -> str:
        from hotline_lib.core.text import month_label

        return f"{self.settings.district}12345政务热线{month_label(self.month)}情况通报"


def read_city_ranking(path: Path, own_district: str) -> pd.DataFrame:
    """区, 月工单总数, 满意度, 总分 from the city; ranked by 总分 (own district first among equals)."""
    sheets = read_sheets(path, {"区", "单位"}, label="区")
    cells = sheets[0].cells.rename(columns={"单位": "区", "单 位": "区"})
    missing = [c for c in ["区", "月工单总数", "满意度", "总分"] if c not in cells.columns]
    if missing:
        raise InputError(f"missing columns: {', '.join(missing)}", path=path)
    rows = []
    fractions = False
    for record in cells.to_dict("records"):
        where = {"path": path, "row": int(record["_row"])}
        try:
            # the district's name is shown in a chart too, where no template masks it
            rows.append({"district": mask_personal(str(record["区"]).strip()), "orders": int(to_decimal(record["月工单总数"])),
                         "satisfaction": parse_rate(record["满意度"], fractions=fractions), "score": to_decimal(record["总分"])})
        except ValueError as exc:
            raise InputError(f"{exc} (columns 月工单总数, 满意度 and 总分 hold numbers)", **where) from None
    table = pd.DataFrame(rows)
    if own_district not in set(table["district"]):
        raise InputError(f"the city's ranking does not list {own_district}", path=path)
    table["own"] = table["district"] == own_district
    table = table.sort_values(["score", "own"], ascending=[False, False], kind="stable").reset_index(drop=True)
    table["rank"] = competition_rank(table["score"].astype(float))
    return table


def city_ranking_figures(city: pd.DataFrame, settings: Settings, month: str) -> dict:
    own = city[city["own"]].iloc[0]
    satisfaction_rank = int(1 + (city["satisfaction"] > own["satisfaction"]).sum())
    score_rank = int(own["rank"])
    return {
        "rows": [{"district": r.district, "orders": int(r.orders), "satisfaction": format_percent(r.satisfaction),
                  "score": float(r.score), "rank": int(r.rank)} for r in city.itertuples()],
        "own_satisfaction_rank": satisfaction_rank,
        "own_score_rank": score_rank,
        "sentence": sentence("city_ranking", month_short(month), settings.peer_group_name,
                             rank_label(satisfaction_rank), rank_label(score_rank)),
    }


def excellent_units(scored: pd.DataFrame, settings: Settings) -> list[str]:
    """总分 at the top, satisfaction at 100% and enough orders signed; the issuing office excluded."""
    rule = settings.excellent
    chosen = scored[(scored[SCORE] >= to_decimal(rule.score)) & (scored["回访满意度"] >= to_decimal(rule.satisfaction))
                    & (scored[SIGNED] >= rule.min_signed) & ~scored[UNIT].isin(rule.excluded)]
    return chosen[UNIT].tolist()


def excellent_criteria(settings: Settings) -> str:
    rule = settings.excellent
    return f"总分{format_score(to_decimal(rule.score))}分满分、满意度{format_score(to_decimal(rule.satisfaction))}%、工单签收数{rule.min_signed}件以上"


def low_satisfaction_units(scored: pd.DataFrame, settings: Settings) -> list[dict]:
    """Units below the threshold, lowest rate first, streets and departments together."""
    below = scored[scored["回访满意度"] < to_decimal(settings.low_satisfaction_below)]
    below = below.assign(_rate=below["回访满意度"].astype(float)).sort_values(["_rate", UNIT], kind="stable")
    return [{"unit": r[UNIT], "signed": int(r[SIGNED]), "visited": int(r[VISITED]),
             "unsatisfied": int(r[VISITED] - r[SATISFIED]), "satisfaction": format_percent(r["回访满意度"])}
            for _, r in below.iterrows()]


def read_case_story(path: Path) -> str | None:
    """The month's case story, personal numbers masked; None (with a warning) when there is none."""
    if not path.exists():
        log.warning("no case story for this month (%s): section 五 is left out", path)
        return None
    text = path.read_text(encoding="utf-8").strip()
    return mask_personal(text) or None


def compose_figures(month: str, mf: MonthFigures, scored: pd.DataFrame, city: pd.DataFrame | None, settings: Settings) -> dict:
    """figures.json: every figure of the month, percentages as shown ("99.10%"), names from the data masked."""
    d = mf.district
    figures = {"month": month, "overview": d["overview"]}
    if city is not None:
        figures["city_ranking"] = city_ranking_figures(city, settings, month)
    figures["excellent_units"] = {"units": excellent_units(scored, settings)}
    figures["low_satisfaction_units"] = {"threshold": f"{format_score(to_decimal(settings.low_satisfaction_below))}%",
                                         "rows": low_satisfaction_units(scored, settings)}
    figures["top_categories"] = d["top_categories"]
    figures["business_environment"] = d["business_environment"]
    figures["epidemic"] = d["epidemic"]
    return mask_strings(figures)  # category and district names come from the data


@lru_cache(maxsize=8)
def load_bulletin(month: str, data_dir: str, settings_file: str | None = None, units_file: str | None = None,
                  rules_file: str | None = None, output_dir: str | None = None) -> Bulletin:
    """Compute a month's bulletin (cached per process: the section notebooks share one computation)."""
    mf = compute_month(month, data_dir, units_file, settings_file, output_dir)
    settings = mf.settings
    rules: Rules = load_rules(rules_file)
    scored = published_order(score_units(mf.unit_table, rules), rules)
    data = Path(data_dir)
    city_path = data / settings.city_ranking_file.format(month=month)
    city = read_city_ranking(city_path, settings.district) if city_path.exists() else None
    if city is None:
        log.warning("no city ranking for this month (%s): section 一 is left out", city_path)
    story = read_case_story(data / settings.case_story_file.format(month=month))
    figures = compose_figures(month, mf, scored, city, settings)
    return Bulletin(month, settings, mf.units, mf, scored, city, story, figures)


def write_figures(bulletin: Bulletin, path: str | Path) -> Path:
    """figures.json, written atomically."""
    from hotline_lib.core.utils import write_text_atomic

    write_text_atomic(path, json.dumps(bulletin.figures, ensure_ascii=False, indent=2) + "\n")
    return Path(path)


__all__ = ["Bulletin", "load_bulletin", "write_figures", "ratio_percent", "Decimal"]
