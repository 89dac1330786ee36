"""热点诉求 on small synthetic orders: the segmenter (masking first, places, synonyms, its cache and
quiet log), each finding (sub-issues, places, repeat demands, rising terms) and the month without text."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from hotline_lib.analysis.topics import (Cluster, category_issues, month_topics, place_counts, problem_words,
                                         repeat_clusters, repeat_units, rising_terms)
from hotline_lib.core.errors import InputError
from hotline_lib.io.directory import HotTopics
from hotline_lib.io import segment
from hotline_lib.io.segment import (Lexicon, cut_words, make_tokenizer, order_tokens, read_synonyms, read_word_list, segment_frame,
                                    tokens_of)

STOP = frozenset({"市民", "来电", "反映", "咨询", "电话", "先生", "女士", "某某", "虚构", "样例", "数据"})
LEXICON = Lexicon(places=("万家丽小区", "马王堆农贸市场"), units=("东湖街道办事处",), vocabulary=("预付卡", "退费", "电梯故障"),
                  stopwords=STOP, synonyms=(("电瓶车", "电动车"),))


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    return make_tokenizer(LEXICON, tmp_path_factory.mktemp("cache"))


def _orders(rows: list[tuple]) -> pd.DataFrame:
    """(order_id, received/signed time, category, content) -> orders with tokens, as io/segment gives them."""
    frame = pd.DataFrame(rows, columns=["order_id", "signed_at", "category", "content"])
    frame["signed_at"] = pd.to_datetime(frame["signed_at"]).dt.tz_localize("Asia/Shanghai")
    frame["received_at"] = frame["signed_at"]
    frame["_file"], frame["_sheet"], frame["_row"] = "x.csv", "", range(2, len(frame) + 2)
    return frame


def _tokens(frame: pd.DataFrame, tokenizer) -> pd.DataFrame:
    tokens = segment_frame(frame, tokenizer, LEXICON)
    return frame.merge(tokens, on=["_file", "_sheet", "_row"])


# ---- the segmenter --------------------------------------------------------------------------

def test_text_is_masked_before_it_is_segmented_and_no_number_is_a_term(tokenizer):
    terms, places = tokens_of("市民王先生（电话13812345678，身份证110105199001011234）反映万家丽小区电梯故障3天，"
                              "楼栋号18栋2单元", tokenizer, LEXICON)
    words = terms.split()
    assert "电梯故障" in words and "万家丽小区" in words
    assert not any(ch.isdigit() for w in words for ch in w), words
    assert not any(w in {"王先生", "王"} or "*" in w for w in words), words
    assert places.split() == ["万家丽小区"]


@pytest.mark.parametrize("text", [
    "市民来电反映：万家丽小区门口夜间施工噪音扰民，要求相关部门尽快处理。",
    "市民来电反映：万家丽小区门口夜间施工噪音扰民，要求相关部门尽快处理。",   # again: from the blocks kept
    "韶山北路 12号 ABC-3 有人占道经营,请处理!!!",
    "电瓶车充电\n\n楼道堆放杂物　全角空格",
    "",
    "***",
])
def test_cut_words_is_what_jieba_cuts(tokenizer, text):
    assert list(cut_words(tokenizer, text)) == list(tokenizer.cut(text, HMM=False))


def test_cut_words_cuts_a_block_seen_before_from_what_it_kept(tokenizer):
    text = "渣土车夜间运输，道路扬尘严重"
    words = list(cut_words(tokenizer, text))
    tokenizer._hotline_blocks["渣土车夜间运输"] = ("kept",)   # what it kept is what it yields
    assert list(cut_words(tokenizer, text))[0] == "kept" and words[0] != "kept"
    del tokenizer._hotline_blocks["渣土车夜间运输"]


def test_places_come_from_the_list_and_from_suffix_cues(tokenizer):
    _, places = tokens_of("车站北路的马王堆农贸市场门口占道经营，韶山北路小区也有，堵塞道路，附近小区今年小学都有", tokenizer,
                          LEXICON)
    assert places.split() == ["车站北路", "马王堆农贸市场", "韶山北路小区"]   # 堵塞 (a verb), 附近, 今年 name no place


def test_crossing_a_road_is_no_place(tokenizer):
    """孩子过马路 is a child crossing a road (found in a foreign district's March as a 重复诉求's place)."""
    terms, places = tokens_of("育英小学门口家长接孩子过马路很危险，经过人民路时也一样", tokenizer, LEXICON)
    assert places.split() == ["育英小学", "人民路"]
    assert "孩子过马路" not in terms.split()


def test_a_synonym_counts_as_its_canonical_word(tokenizer):
    assert "电动车" in tokens_of("小区里电瓶车飞线充电", tokenizer, LEXICON)[0].split()
    assert "电瓶车" not in tokens_of("小区里电瓶车飞线充电", tokenizer, LEXICON)[0].split()


def test_the_tokenizer_caches_its_dictionary_with_the_installation_and_logs_nothing(tmp_path, capfd, monkeypatch):
    import jieba

    monkeypatch.setattr(segment, "INSTALLED_DICTIONARY", tmp_path / "share")
    segment.dictionary_tags.cache_clear()
    try:
        segment.prepare_dictionary()
        built = segment.dictionary_tags()
        segment.dictionary_tags.cache_clear()
        assert segment.dictionary_tags() == built and built["小区"] == "n"   # read back from what was kept
    finally:
        segment.dictionary_tags.cache_clear()
    assert sorted(p.name for p in (tmp_path / "share").iterdir()) == [f"jieba-{jieba.__version__}.cache",
                                                                     f"jieba-{jieba.__version__}.tags"]
    tokenizer = make_tokenizer(LEXICON, tmp_path / "cache")   # the dictionary loaded, not built: no data cache used
    assert not (tmp_path / "cache").exists()
    assert list(cut_words(tokenizer, "小区门口的路灯坏了")) == list(tokenizer.cut("小区门口的路灯坏了", HMM=False))
    captured = capfd.readouterr()
    assert "Building prefix dict" not in captured.err + captured.out
    assert "Loading model" not in captured.err + captured.out


def test_the_kept_dictionary_is_jiebas_own_and_a_damaged_one_is_built_again(tmp_path, monkeypatch):
    import jieba

    monkeypatch.setattr(segment, "INSTALLED_DICTIONARY", tmp_path / "share")
    kept = tmp_path / "share" / f"jieba-{jieba.__version__}.cache"
    kept.parent.mkdir()
    kept.write_bytes(b"\x00 not marshal")
    tags = kept.with_suffix(".tags")
    tags.write_bytes(b"N")   # marshal's None: read, but not word tags
    segment.dictionary_tags.cache_clear()
    try:
        assert segment.dictionary_tags()["小区"] == "n"
        assert segment._read_marshal(tags)["小区"] == "n"   # written again whole
    finally:
        segment.dictionary_tags.cache_clear()
    ours = make_tokenizer(Lexicon(), tmp_path / "cache")
    theirs = jieba.Tokenizer()
    theirs.tmp_dir = str(tmp_path / "jieba-own")
    (tmp_path / "jieba-own").mkdir()
    theirs.initialize()
    assert ours.FREQ == theirs.FREQ and ours.total == theirs.total
    assert make_tokenizer(Lexicon(), tmp_path / "cache").FREQ == theirs.FREQ   # read back from the file rebuilt


def test_an_installation_that_cannot_be_written_keeps_the_dictionary_in_the_data_cache(tmp_path, monkeypatch):
    import jieba

    monkeypatch.setattr(segment, "INSTALLED_DICTIONARY", tmp_path / "share")
    monkeypatch.setattr(segment.os, "access", lambda path, mode: False)
    make_tokenizer(LEXICON, tmp_path / "cache")
    assert (tmp_path / "cache" / "jieba" / f"jieba-{jieba.__version__}.cache").is_file()
    assert list((tmp_path / "share").iterdir()) == []


def test_word_lists_and_synonyms_files(tmp_path):
    assert read_word_list(tmp_path / "missing.txt") == [] and read_synonyms(tmp_path / "missing.txt") == {}
    (tmp_path / "places.txt").write_text("# 地名\n万家丽小区\n\n 解放东路 # 主干道\n万家丽小区\n", encoding="utf-8")
    assert read_word_list(tmp_path / "places.txt") == ["万家丽小区", "解放东路"]
    (tmp_path / "synonyms.txt").write_text("# 同义词\n电瓶车 = 电动车\n噪声=噪音\n", encoding="utf-8")
    assert read_synonyms(tmp_path / "synonyms.txt") == {"电瓶车": "电动车", "噪声": "噪音"}
    (tmp_path / "synonyms.txt").write_text("电瓶车 = 电动车\n电瓶车 电动车\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_synonyms(tmp_path / "synonyms.txt")
    assert "synonyms.txt" in str(error.value) and "2" in str(error.value)


def test_tokens_are_kept_per_export_file_and_read_back(tmp_path, monkeypatch):
    data, cache = tmp_path / "data", tmp_path / "cache"
    data.mkdir()
    (data / "x.csv").write_text("工单编号\n1\n", encoding="utf-8")
    orders = _orders([("1", "2020-12-01 09:00", "物业服务", "万家丽小区电梯故障"),
                      ("2", "2020-12-02 09:00", "消费维权", "预付卡退费难")])
    first = order_tokens(orders, data, cache, LEXICON, jobs=1)
    assert list(first["places"]) == ["万家丽小区", ""]
    assert len(list((cache / "tokens").glob("*.parquet"))) == 1
    import hotline_lib.io.segment as segment

    monkeypatch.setattr(segment, "segment_frame", lambda *a: pytest.fail("segmented again"))
    again = order_tokens(orders, data, cache, LEXICON, jobs=1)
    assert list(again["terms"]) == list(first["terms"])


def test_a_file_of_several_months_is_segmented_once_for_all_of_them(tmp_path, monkeypatch):
    """A quarter's workbook: December's render keeps the whole file's tokens, so January's (which
    needs other rows of it) reads them instead of segmenting the file again and replacing the entry."""
    data, cache = tmp_path / "data", tmp_path / "cache"
    data.mkdir()
    (data / "x.csv").write_text("工单编号\n1\n", encoding="utf-8")
    whole = _orders([("1", "2020-12-01 09:00", "物业服务", "万家丽小区电梯故障"),
                     ("2", "2021-01-05 09:00", "消费维权", "预付卡退费难")])
    december = order_tokens(whole.iloc[:1], data, cache, LEXICON, jobs=1, whole=whole)
    assert list(december["order_id"]) == ["1"] and list(december["places"]) == ["万家丽小区"]
    import hotline_lib.io.segment as segment

    monkeypatch.setattr(segment, "segment_frame", lambda *a: pytest.fail("segmented again"))
    january = order_tokens(whole.iloc[1:], data, cache, LEXICON, jobs=1, whole=whole)
    assert list(january["order_id"]) == ["2"] and list(january["terms"]) == ["预付卡 退费"]
    assert len(list((cache / "tokens").glob("*.parquet"))) == 1


def test_orders_without_content_have_no_terms(tmp_path):
    orders = _orders([("1", "2020-12-01 09:00", "物业服务", "")]).drop(columns=["content"])
    tokens = order_tokens(orders, tmp_path, tmp_path / "cache", LEXICON)
    assert list(tokens["terms"]) == [""] and list(tokens["places"]) == [""]


# ---- the findings ---------------------------------------------------------------------------

def _handled(orders: pd.DataFrame, unit: str = "东湖街道办事处") -> pd.DataFrame:
    return pd.DataFrame({"order_id": orders["order_id"], "unit": unit})


def test_repeat_demands_at_one_place_within_the_window_and_not_at_another(tokenizer):
    rows = [(f"r{i}", f"2020-12-0{1 + i} 10:00", "物业服务", text) for i, text in enumerate([
        "万家丽小区3栋电梯故障，困人", "万家丽小区的电梯又坏了，老人上下楼困难", "万家丽小区电梯停运三天，电梯故障无人修",
        "万家丽小区电梯故障至今未修"])]
    rows += [("n1", "2020-12-02 11:00", "物业服务", "枫林公寓电梯故障，困人")]   # the same words, another place
    rows += [("late", "2020-12-20 10:00", "物业服务", "万家丽小区电梯故障")]         # past the window: a new start
    orders = _tokens(_orders(rows), tokenizer)
    clusters = repeat_clusters(orders, window_days=7, min_orders=3)
    assert [(c.place, c.order_ids) for c in clusters] == [("万家丽小区", ["r0", "r1", "r2", "r3"])]
    figures = month_topics(orders, _handled(orders), pd.Series({"东湖街道办事处": 2}), "2020-12",
                           HotTopics(repeat_min_orders=3), STOP).figures
    repeat = figures["repeats"][0]
    assert repeat["place"] == "万家丽小区" and repeat["count"] == 4 and "电梯" in repeat["issue"]
    assert (repeat["first"], repeat["last"]) == ("2020-12-01 10:00", "2020-12-04 10:00")
    assert repeat["units"] == ["东湖街道办事处"]
    assert figures["repeat_units"] == [{"unit": "东湖街道办事处", "repeats": 4, "repeat_assigned": 2}]


def test_repeat_units_lists_the_exports_repeat_assigned_apart():
    assert repeat_units([], pd.DataFrame(columns=["order_id", "unit"]), pd.Series({"甲": 3, "乙": 0})) == [
        {"unit": "甲", "repeats": 0, "repeat_assigned": 3}]


def test_problem_words_prefer_the_vocabulary_then_the_sub_issues_and_never_a_stop_word():
    """Terms said in more than one of the cluster's orders, most first: a vocabulary term (or both its
    halves: 预付卡 + 退费 says 预付卡退费), else the category's sub-issues, else the commonest words."""
    cluster = Cluster("悦荟城", "消费维权", terms=["悦荟城 预付卡 退费 老板 联系电话", "预付卡 退费 老板 联系电话",
                                                 "预付卡 老板 理发店", "理发店 退费 老板"])
    stop = {"老板", "联系电话"}
    assert problem_words(cluster, stop, ("预付卡", "退费", "预付卡退费", "电梯故障")) == "预付卡退费"
    assert problem_words(cluster, stop, ("电梯故障",), ("理发店", "快递")) == "理发店"
    assert problem_words(cluster, stop) == "预付卡、退费"           # 3 orders each: the longer first
    assert problem_words(Cluster("某路", "其他", terms=["老板", "老板"]), stop) == "其他"


def test_sub_issues_are_in_count_order(tokenizer):
    rows = [(f"p{i}", "2020-12-01", "消费维权", "健身房预付卡，商家跑路") for i in range(3)]
    rows += [(f"q{i}", "2020-12-01", "消费维权", "网购退货被拒") for i in range(6)]
    rows += [(f"s{i}", "2020-12-01", "物业服务", "小区电梯故障，商家跑路") for i in range(20)]
    counts = [i["count"] for i in category_issues(_tokens(_orders(rows), tokenizer), top=2)[1]["issues"]]
    assert counts == sorted(counts, reverse=True) and counts[0] == 6, counts


def test_repeat_units_table_shows_the_units_with_most_repeats_and_says_how_many():
    from hotline_lib.analysis.topics_text import repeat_units_sentence, repeat_units_table

    rows = [{"unit": f"单位{i:02d}", "repeats": 30 - i, "repeat_assigned": i % 3} for i in range(25)]
    table = repeat_units_table(rows)
    assert table["承办单位"].tolist() == [f"单位{i:02d}" for i in range(10)]
    assert repeat_units_sentence(rows) == "共有25个单位承办了重复诉求工单，下表列出重复诉求工单最多的10个单位。"
    rows[-1]["repeats"] = 0
    assert repeat_units_sentence(rows[-3:]) == "共有3个单位承办了重复诉求工单或有重复交办（其中2个单位承办了重复诉求工单）。"
    assert len(repeat_units_table(rows[:3])) == 3


def test_units_are_named_as_the_bulletins_text_names_them():
    from hotline_lib.analysis.topics_month import display_names

    directory = SimpleNamespace(units=[SimpleNamespace(name="人力资源和社会保障局", display="区人社局"),
                                       SimpleNamespace(name="东湖街道办事处", display="")])
    assert display_names(directory) == {"人力资源和社会保障局": "区人社局", "东湖街道办事处": "东湖街道办事处"}


def test_places_with_last_months_count_and_units(tokenizer):
    now = _tokens(_orders([("1", "2020-12-01", "a", "万家丽小区噪音"), ("2", "2020-12-02", "a", "万家丽小区噪音"),
                           ("3", "2020-12-03", "b", "车站北路积水")]), tokenizer)
    before = _tokens(_orders([("0", "2020-11-03", "a", "万家丽小区噪音")]), tokenizer)
    handled = pd.DataFrame({"order_id": ["1", "2", "2", "3"], "unit": ["乙", "甲", "乙", "丙"]})
    assert place_counts(now, before, handled) == [
        {"place": "万家丽小区", "count": 2, "previous": 1, "units": ["乙", "甲"]},
        {"place": "车站北路", "count": 1, "previous": 0, "units": ["丙"]}]


def test_rising_terms_spread_over_three_places_in_percentage_points(tokenizer):
    streets = ["芙蓉中路", "韶山北路", "五一大道", "车站北路"]
    now = [(f"a{i}", "2020-12-05", "供暖", f"{streets[i % 4]}暖气不热") for i in range(8)]
    now += [(f"b{i}", "2020-12-06", "物业服务", "万家丽小区漏水") for i in range(8)]    # one place's burst
    now += [(f"c{i}", "2020-12-07", "其他", f"{streets[i % 4]}路灯") for i in range(4)]
    before = [(f"d{i}", "2020-11-05", "供暖", f"{streets[i % 4]}暖气不热") for i in range(2)]
    before += [(f"e{i}", "2020-11-06", "其他", f"{streets[i % 4]}路灯") for i in range(18)]
    rising = rising_terms(_tokens(_orders(now), tokenizer), _tokens(_orders(before), tokenizer), min_orders=5)
    assert rising[0] == {"term": "暖气", "count": 8, "previous": 2, "change": 30.0}   # 8/20 − 2/20 = 30 百分点
    assert "漏水" not in {r["term"] for r in rising}                                 # 8 orders, one place


def test_sub_issues_set_a_category_apart(tokenizer):
    rows = [(f"p{i}", "2020-12-01", "消费维权", "健身房预付卡退费难，商家跑路") for i in range(6)]
    rows += [(f"q{i}", "2020-12-01", "消费维权", "网购退货被拒，商家不理") for i in range(3)]
    rows += [(f"s{i}", "2020-12-01", "物业服务", "小区电梯故障，物业不理") for i in range(5)]
    issues = category_issues(_tokens(_orders(rows), tokenizer), top=2)
    assert [(c["category"], c["count"]) for c in issues] == [("消费维权", 9), ("物业服务", 5)]
    consumer = {i["issue"]: i["count"] for i in issues[0]["issues"]}
    assert consumer.get("预付卡退费") == 6 or consumer.get("预付卡") == 6, consumer
    assert "不理" not in consumer   # said in both categories: nothing that sets 消费维权 apart… at most rarer
    assert all(c >= 2 for c in consumer.values())


def test_a_month_without_text_has_empty_findings(tokenizer):
    orders = _orders([("1", "2020-12-01", "a", "")]).assign(terms="", places="")
    found = month_topics(orders, _handled(orders), pd.Series(dtype="int64"), "2020-12", HotTopics())
    assert found.has_text is False
    assert found.figures == {"has_text": False, "categories": [], "places": [], "repeats": [], "rising": [],
                             "rising_year": [], "repeat_units": []}


def test_hot_topics_settings_default_off_and_yaml_off_is_off():
    assert HotTopics().show == "off"
    assert HotTopics.model_validate({"show": False}).show == "off"
    assert SimpleNamespace(**HotTopics(show="features").model_dump()).show == "features"


def test_the_part_is_numbered_after_the_sections_own_parts():
    """Under 本月热线特点 (（一）…（二）…) the part reads （三）热点诉求; in its own section it is the title alone."""
    from hotline_lib.render.hot_topics import add_hot_topics
    from hotline_lib.render.section import Section

    empty = {"has_text": False}
    features = Section("features", "2020-12", heading="本月热线特点")
    features.subheading("（一）群众反映突出的前几类问题").subheading("（二）营商环境、行政效能类工单情况")
    add_hot_topics(features, empty, 7)
    own = add_hot_topics(Section("hot_topics", "2020-12", heading="热点诉求"), empty, 7)
    assert [b.text for b in features.blocks if b.kind == "subheading"][-1] == "（三）热点诉求"
    assert [b.text for b in own.blocks if b.kind == "subheading"] == ["热点诉求"]


def test_a_file_being_segmented_elsewhere_is_waited_for_and_not_segmented_again(tmp_path):
    """Two processes that need the same file's tokens (a render's kernel, and the render segmenting
    beside it): the second waits for the first's lock, then finds the file kept."""
    import threading
    import time

    from filelock import FileLock

    from hotline_lib.io.segment import _segment_file, _store

    frame = pd.DataFrame({"_file": ["a.csv"] * 2, "_sheet": ["", ""], "_row": [2, 3],
                          "content": ["小区门口噪音扰民", "道路积水"]})
    target = tmp_path / "tokens.parquet"
    lock = FileLock(f"{target}.lock")
    lock.acquire()
    worker = threading.Thread(target=_segment_file, args=(frame, LEXICON, str(tmp_path / "cache"), str(target)))
    worker.start()
    time.sleep(0.5)
    assert worker.is_alive() and not target.exists()   # waiting for the lock
    _store(frame[["_file", "_sheet", "_row"]].assign(terms="kept", places=""), target)   # what the other one kept
    lock.release()
    worker.join(timeout=60)
    assert pd.read_parquet(target)["terms"].tolist() == ["kept", "kept"]
