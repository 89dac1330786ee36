"""The sample's citizens' words (诉求内容): varied, at named places, with the planted repeat demands,
the rising and the seasonal topic of sample/topics_plan.py, names and numbers that masking catches,
and every other value of the sample exactly as before the words changed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hotline_lib.core.config import SOURCE_ROOT
from hotline_lib.core.privacy import find_personal, mask_personal, valid_id_number
from hotline_lib.io.directory import load_units
from hotline_lib.io.exports import load_exports
from hotline_lib.sample import phrases
from hotline_lib.sample.generate import build_sample
from hotline_lib.sample.plan import MONTHS
from hotline_lib.sample.texts import compose, load_places, read_place_names
from hotline_lib.sample.topics_plan import FICTION_MARK, NEAR_DUPLICATES, REPEATS, RISING, SEASONAL, planted
from tests.sample_digests import sample_digests

PLACES_FILE = SOURCE_ROOT / "data" / "places.txt"
SYNONYMS_FILE = SOURCE_ROOT / "data" / "synonyms.txt"
MOBILE_RUN = re.compile(r"(?<!\d)13\d{9}(?!\d)")
ID_RUN = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")


def _all_phrasings() -> list[str]:
    issues = [p for category in phrases.ISSUES.values() for _, _, ps in category.values() for p in ps]
    return issues + [p for _, ps in phrases.TOPICS.values() for p in ps]


def _fixed_texts() -> list[str]:
    """Every word the generator writes that is not a filled-in number or place."""
    fillers = [w for words in phrases.FILLERS.values() for w in words]
    return [*_all_phrasings(), *phrases.OPENERS, *phrases.CONSULT_OPENERS, *phrases.EXTRAS, *phrases.CLOSERS,
            *phrases.CONSULT_CLOSERS, *fillers]


# ---- the place list, the synonyms and the plan (no sample needed) -----------------------------------

def test_places_file_lists_every_kind_and_no_name_inside_another_or_a_units_name():
    names = read_place_names(PLACES_FILE)
    kinds = load_places(PLACES_FILE)
    assert sorted(names) == sorted(n for members in kinds.values() for n in members) and len(names) == len(set(names))
    assert set(kinds) == {phrases.ROAD, phrases.ESTATE, phrases.MARKET, phrases.SCHOOL, phrases.PARK, phrases.HOSPITAL,
                          phrases.OFFICE, phrases.OTHER}
    assert len(names) >= 120 and len(kinds[phrases.ESTATE]) >= 40 and len(kinds[phrases.ROAD]) >= 30
    # names an office lists without a suffix that says what they are: only the list finds them
    assert {"悦荟城", "丰泽汇", "丽景华庭", "书香门第", "博雅双语"} <= set(names)
    inside = [(a, b) for a in names for b in names if a != b and a in b]
    assert inside == []          # a count by name is a count of that place only
    units = load_units(SOURCE_ROOT / "data" / "units.yaml")
    spellings = [s for u in units.units for s in (u.name, u.display, *u.aliases)]
    assert [(n, s) for n in names for s in spellings if n in s] == []   # a unit's name is never read as a place


def test_every_planted_place_is_listed_under_a_kind_its_issue_happens_at():
    kinds = load_places(PLACES_FILE)
    kind_of = {name: kind for kind, members in kinds.items() for name in members}
    for repeat in REPEATS + NEAR_DUPLICATES:
        _, issue_kinds, phrasings = phrases.ISSUES[repeat.category][repeat.issue]
        assert kind_of[repeat.place] in issue_kinds, repeat
        assert any("{place}" in p for p in phrasings)
        assert 1 <= repeat.first_day < repeat.last_day <= repeat.first_day + 6   # within the default 7-day window
    smallest = min(r.count for r in REPEATS)
    for near in NEAR_DUPLICATES:   # the same problem on the same days at another place
        twin = next(r for r in REPEATS if (r.category, r.issue, r.month) == (near.category, near.issue, near.month))
        assert near.place != twin.place and (near.first_day, near.last_day) == (twin.first_day, twin.last_day)
    assert smallest >= 8 and {r.month for r in REPEATS} >= {"2020-12", "2021-03"}


def test_synonyms_file_maps_words_the_sample_uses():
    lines = [line for line in SYNONYMS_FILE.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
    pairs = [tuple(part.strip() for part in line.split("=")) for line in lines]
    assert all(len(pair) == 2 and all(pair) for pair in pairs) and ("电瓶车", "电动车") in pairs
    text = "\n".join(_fixed_texts())
    for variant, canonical in pairs:
        assert variant in text, variant
        assert canonical in text, canonical


def test_the_rising_and_seasonal_shares_as_planned():
    shares = [RISING.share(m) for m in MONTHS]
    assert shares[0] == pytest.approx(0.005) and shares[-1] == pytest.approx(0.03)
    assert all(b > a for a, b in zip(shares, shares[1:]))     # rises every month
    assert RISING.share("2020-12") - RISING.share("2020-11") > 0.01   # December's bulletin sees it rise
    summer = {m: SEASONAL.share(m) for m in MONTHS if SEASONAL.share(m) > 0}
    assert set(summer) == {"2020-06", "2020-07", "2020-08", "2020-09", "2021-06"}
    assert max(summer, key=summer.get) == "2020-07"


def test_the_topics_words_are_theirs_alone_and_every_text_can_be_written_in_gbk():
    others = [p for p in _fixed_texts() if p not in {q for _, ps in phrases.TOPICS.values() for q in ps}]
    for trend in (RISING, SEASONAL):
        assert trend.issue in phrases.TOPICS
        assert all(trend.term in p or any(v in p for v in trend.variants) for p in phrases.TOPICS[trend.issue][1])
        assert [p for p in others if any(w in p for w in trend.words())] == []
    for text in [*_fixed_texts(), *read_place_names(PLACES_FILE), phrases.SURNAMES]:
        text.encode("gbk")   # some sample exports are GBK
    assert len(phrases.ISSUES) == 31 and all(len(issues) >= 4 for c, issues in phrases.ISSUES.items()
                                             if c in ["消费维权", "养老保险", "建筑施工噪音", "社区工作", "停车管理", "物业服务"])


def test_a_callers_name_phone_and_id_number_are_written_as_real_ones_and_masked():
    rng = np.random.default_rng(5)
    texts = [compose(rng, {"category": "养老保险", "appeal_type": "投诉"}, "{place}{b}栋电梯坏了", "锦泰花园") for _ in range(400)]
    assert all(t.startswith(FICTION_MARK) for t in texts)
    phones = [m for t in texts for m in MOBILE_RUN.findall(t)]
    ids = [m for t in texts for m in ID_RUN.findall(t)]
    assert len(phones) > 40 and len(ids) > 20 and all(valid_id_number(i) for i in ids)
    assert sum(bool(re.search(r"[\u4e00-\u9fff](先生|女士|某某)", t)) for t in texts) > 100
    for text in texts:
        masked = mask_personal(text)
        assert find_personal(masked) == [] and not MOBILE_RUN.search(masked) and not ID_RUN.search(masked)
    assert len(set(texts)) > 0.9 * len(texts)


# ---- the generated sample ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_orders(sample_dir, tmp_path_factory) -> pd.DataFrame:
    """The sample's orders as its exports give them, with the month and day they were signed."""
    units = load_units(SOURCE_ROOT / "data" / "units.yaml")
    orders = load_exports(sample_dir, units, tmp_path_factory.mktemp("cache")).orders
    signed = orders["signed_at"]
    return orders.assign(month=signed.dt.strftime("%Y-%m"), day=signed.dt.day, content=orders["content"].astype(str))


def test_every_column_but_the_words_is_byte_identical_to_the_sample_before_them(sample_dir):
    stored = json.loads((Path(__file__).parent / "fixtures" / "sample_digests.json").read_text(encoding="utf-8"))
    ours = sample_digests(sample_dir)
    assert len(stored) == 69 and sorted(ours) == sorted(stored)
    assert [name for name in stored if ours[name] != stored[name]] == []


def test_texts_are_varied_within_every_month(sample_orders):
    for month, texts in sample_orders.groupby("month")["content"]:
        assert texts.nunique() >= 0.9 * len(texts), month
        assert texts.str.startswith(FICTION_MARK).all()
    places = read_place_names(PLACES_FILE)
    pattern = re.compile("|".join(map(re.escape, sorted(places, key=len, reverse=True))))
    named = sample_orders["content"].map(lambda t: pattern.search(t) is not None)
    assert 0.5 < named.mean() < 0.8     # most words name a place, consultations often none


@pytest.mark.parametrize("repeat", REPEATS + NEAR_DUPLICATES, ids=lambda r: f"{r.place}-{r.issue}")
def test_planted_repeat_demands_have_their_counts_and_days(sample_orders, repeat):
    month = sample_orders[sample_orders["month"] == repeat.month]
    at_place = month[month["content"].str.contains(repeat.place, regex=False) & (month["category"] == repeat.category)]
    assert len(at_place) == repeat.count
    assert (at_place["day"].min(), at_place["day"].max()) == (repeat.first_day, repeat.last_day)


def test_the_near_duplicate_is_another_place_on_the_same_days(sample_orders):
    for near in NEAR_DUPLICATES:
        twin = next(r for r in REPEATS if (r.issue, r.month) == (near.issue, near.month))
        month = sample_orders[(sample_orders["month"] == near.month) & (sample_orders["category"] == near.category)]
        both = month[month["content"].str.contains(near.place) & month["content"].str.contains(twin.place)]
        assert both.empty     # no text names both places: whatever merges them is wrong


@pytest.mark.parametrize("trend", [RISING, SEASONAL], ids=lambda t: t.term)
def test_rising_and_seasonal_topics_take_their_share_of_each_month(sample_orders, trend):
    words = "|".join(trend.words())
    counts = {}
    for month, orders in sample_orders.groupby("month"):
        about = orders["content"].str.contains(words)
        assert about.sum() == trend.count(month, len(orders)), month
        assert set(orders.loc[about, "category"]) <= set(trend.categories)
        counts[month] = (int(about.sum()), len(orders))
    if trend is RISING:
        assert counts["2020-01"][0] / counts["2020-01"][1] < 0.007 and counts["2021-06"][0] / counts["2021-06"][1] > 0.028
        december = sample_orders[sample_orders["month"] == "2020-12"]
        places = december.loc[december["content"].str.contains(words), "content"].map(
            lambda t: next((p for p in read_place_names(PLACES_FILE) if p in t), None))
        assert places.nunique() >= 30      # spread over many places, not one place's burst


def test_names_and_numbers_in_the_words_are_masked_by_core_privacy(sample_orders):
    texts = sample_orders["content"]
    with_phone = texts[texts.str.contains(MOBILE_RUN)]
    with_id = texts[texts.str.contains(ID_RUN)]
    assert len(with_phone) > 0.1 * len(texts) and len(with_id) > 100
    assert texts.str.contains(r"[\u4e00-\u9fff](?:先生|女士|某某)").mean() > 0.3
    sample = pd.concat([with_phone.head(3000), with_id])
    masked = sample.map(mask_personal)
    assert not masked.str.contains(MOBILE_RUN).any() and not masked.str.contains(ID_RUN).any()
    assert masked.map(find_personal).map(len).sum() == 0


def test_no_chance_cluster_rivals_a_planted_one():
    """Over all months, no unplanted (place, sub-issue) pair is raised as often within 7 days as the
    smallest planted repeat demand: the planted ones are the story the analysis must find."""
    sample = build_sample()
    topics = sample.topics.merge(sample.orders[["order_id", "signed_at", "category", "content"]], on="order_id")
    assert len(topics) == len(sample.orders)
    placed = topics.dropna(subset=["place"])
    assert all(place in text for place, text in zip(placed["place"], placed["content"]))
    placed = placed.assign(month=placed["signed_at"].dt.strftime("%Y-%m"), day=placed["signed_at"].dt.day)
    smallest = min(r.count for r in REPEATS)
    for (month, issue, place), group in placed.groupby(["month", "issue", "place"]):
        days = np.sort(group["day"].to_numpy())
        most = max(int(np.sum((days >= d) & (days < d + 7))) for d in days)
        plan = next((r for r in planted(month) if (r.issue, r.place) == (issue, place)), None)
        assert most == plan.count if plan else most < smallest, (month, issue, place, most)
