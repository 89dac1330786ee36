"""A rules file as its 考核办法 reads: ``describe_rules(rules)`` is the Chinese text ``hotline rules
show`` prints, e.g. "按时办结率（20分）：95%及以上得满分，每低1个百分点扣1分，扣完为止。".

Chinese only, like the bulletin it belongs with: it is the document an office publishes, not a message
of the program (those are msgids, core/i18n.py). Every sentence is made from the file's own numbers.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hotline_lib.core.numbers import chinese_number, format_score
from hotline_lib.io.directory import Excellent
from hotline_lib.scoring.columns import COMPLETED, SATISFIED, VISITED
from hotline_lib.scoring.grades import Board
from hotline_lib.scoring.groups import Group, MinVolume, Volume
from hotline_lib.scoring.indicators import Indicator
from hotline_lib.scoring.items import Bonus, ManualItem, RateItem, WeightedItem, item_rates, manual_default
from hotline_lib.scoring.rules import AboveThreshold, BelowTarget, PerCount, RankBelow, Rules, common_full_marks

ZERO = Decimal(0)
BASIC = "基本满意数"   # counted in 回访满意数 too (columns.py)
#: 满意 alone: 回访满意数 holds 满意 and 基本满意, a scheme states its rate over 满意 and 基本满意 apart.
PLAIN = "满意数"
#: The unit table's own rates an item may score, as the exports give them (figures/counts.py unit_table):
#: rate -> (numerator, denominator, a unit with none of the denominator gets).
TABLE_RATES = {"按时办结率": ("按时办结的工单", COMPLETED, "按100%计"), "回访满意度": (SATISFIED, VISITED, "按100%计")}


def _n(value: Decimal) -> str:
    return format_score(value)


def _title(key: str, part) -> str:
    return getattr(part, "title", None) or key


def rate_sentence(key: str, item: RateItem) -> str:
    """及时签收率（10分）：95%及以上得满分，每低1个百分点扣1分，扣完为止。"""
    variable = item.full - item.fixed
    if item.better == "higher":
        reach = "达到100%得满分" if item.target == 100 else f"{_n(item.target)}%及以上得满分"
        step = f"每低1个百分点扣{_n(item.points_per_point)}分"
    else:
        reach = f"{_n(item.target)}%及以下得满分"
        step = f"每高1个百分点扣{_n(item.points_per_point)}分"
    floor = item.fixed if item.floor is None else item.floor
    end = "扣完为止" if floor == item.fixed else f"最低{_n(floor)}分"
    text = f"{_title(key, item)}（{_n(item.full)}分）："
    if item.fixed:
        text += f"其中{_n(item.fixed)}分直接计入；其余{_n(variable)}分，"
        reach = reach.replace("得满分", "全得")
    text += f"{reach}，{step}，{end}"
    if item.cap is not None and item.cap < item.full:
        text += f"，最高{_n(item.cap)}分"
    return text + "。"


def manual_sentence(key: str, item: ManualItem) -> str:
    text = f"{_title(key, item)}（{_n(item.full)}分）：人工评定，未评定的按{_n(manual_default(item))}分计"
    return text + (f"（{item.note}）" if item.note else "") + "。"


def _weighted_terms(weights: dict[str, Decimal]) -> str:
    """0.1×响应率 + 0.5×解决率; 回访满意数 − 0.1×基本满意数."""
    text = ""
    for name, weight in weights.items():
        term = name if abs(weight) == 1 else f"{_n(abs(weight))}×{name}"
        if not text:
            text = term if weight >= 0 else f"−{term}"
        else:
            text += f" {'−' if weight < 0 else '+'} {term}"
    return text


def weighted_sentence(key: str, item: WeightedItem) -> str:
    terms = _weighted_terms(item.weights)
    scale = "" if item.full == 100 and item.weights_sum == 1 else f"，再按满分{_n(item.full)}分折算"
    return (f"{_title(key, item)}（{_n(item.full)}分）：{terms}（各率以百分数计，权重合计{_n(item.weights_sum)}）"
            f"{scale}。")


def deduction_sentence(key: str, rule) -> str:
    title = _title(key, rule)
    cap = f"，最多扣{_n(rule.cap)}分" if rule.cap is not None else ""
    if isinstance(rule, PerCount):
        return f"{title}：按{rule.column}每件扣{_n(rule.points)}分{cap}。"
    if isinstance(rule, BelowTarget):
        return f"{title}：低于{_n(rule.target)}%的，每低1个百分点扣{_n(rule.points_per_point)}分{cap}。"
    if isinstance(rule, AboveThreshold):
        return f"{title}：超过{_n(rule.threshold)}%的，每超1个百分点扣{_n(rule.points_per_point)}分{cap}。"
    if isinstance(rule, RankBelow):
        return (f"{title}：低于{_n(rule.target)}%的单位合并按比率从高到低排名（比率相同的名次并列），"
                f"第k名扣{_n(rule.points_per_rank)}×k分{cap}。")
    raise TypeError(f"unknown rule {rule!r}")  # pragma: no cover


def bonus_sentence(key: str, bonus: Bonus) -> str:
    cap = f"，最多加{_n(bonus.cap)}分" if bonus.cap is not None else ""
    return f"{_title(key, bonus)}：按{bonus.column}每件加{_n(bonus.points)}分{cap}。"


def item_sentence(key: str, rules: Rules) -> str:
    if key in rules.items:
        item = rules.items[key]
        if isinstance(item, RateItem):
            return rate_sentence(key, item)
        if isinstance(item, ManualItem):
            return manual_sentence(key, item)
        return weighted_sentence(key, item)
    if key in rules.deductions:
        return deduction_sentence(key, rules.deductions[key])
    return bonus_sentence(key, rules.bonuses[key])


def satisfaction_weights(weights: dict[str, Decimal]) -> dict[str, Decimal]:
    """``weights`` over 回访满意数 and 基本满意数 restated over 满意数 (回访满意数 − 基本满意数) and 基本满意数,
    the way a scheme states them: 回访满意数 − 0.1×基本满意数 is 满意数 + 0.9×基本满意数."""
    if not {SATISFIED, BASIC} <= set(weights):
        return weights
    satisfied, basic = weights[SATISFIED], weights[BASIC]
    restated = {}
    for name, weight in weights.items():
        if name == SATISFIED:
            restated[PLAIN] = satisfied
        elif name == BASIC:
            restated[BASIC] = satisfied + basic
        else:
            restated[name] = weight
    return {name: weight for name, weight in restated.items() if weight != 0}


def indicator_sentence(key: str, indicator: Indicator) -> str:
    """满意率 = （满意数 + 0.9×基本满意数） ÷ 回访工单总数（满意数 = 回访满意数 − 基本满意数）。"""
    weights = satisfaction_weights(indicator.weights)
    numerator = _weighted_terms(weights)
    if len(weights) > 1:
        numerator = f"（{numerator}）"
    empty = {"full": "按100%计", "zero": "按0计", "not_rated": "不参评"}[indicator.empty]
    plain = f"（{PLAIN} = {SATISFIED} − {BASIC}）" if PLAIN in weights else ""
    return f"{_title(key, indicator)} = {numerator} ÷ {indicator.denominator}{plain}；{indicator.denominator}为0的{empty}。"


def table_rate_sentence(rate: str) -> str:
    """按时办结率 = 按时办结的工单 ÷ 办结工单…, as the exports give it: a rate an item scores that is no indicator."""
    numerator, denominator, empty = TABLE_RATES[rate]
    return f"{rate} = {numerator} ÷ {denominator}，由导出数据计算；{denominator}为0的{empty}。"


def scored_table_rates(rules: Rules) -> list[str]:
    """The unit table's own rates the earning items score (not the deductions': their sentences say them)."""
    return [r for r in item_rates(rules.items) if r in TABLE_RATES and r not in rules.indicators]


def _volume(volume: Volume) -> str:
    if volume.min is not None and volume.max is not None:
        return f"{volume.column}{volume.min}至{volume.max}件"
    if volume.min is not None:
        return f"{volume.column}{volume.min}件及以上"
    return f"{volume.column}{volume.max}件及以下"


def unranked(group: Group | None, min_volume: MinVolume | None) -> bool:
    """True for a group whose units all fall under the minimum volume (杭州's 不足20件): none is ranked."""
    volume = group.volume if group is not None else None
    return (volume is not None and min_volume is not None and volume.column == min_volume.column
            and volume.max is not None and volume.max < min_volume.min)


def group_sentence(name: str, group: Group | None, full: Decimal, kind_column: str,
                   min_volume: MinVolume | None = None) -> str:
    """县（满分150分）：类别为县的单位。 A group none of whose units is ranked says so instead of its full marks."""
    who = []
    if group is not None and group.kinds:
        who.append(f"{kind_column}为{'、'.join(group.kinds)}的单位")
    if group is not None and group.units:
        who.append("、".join(group.units))
    if group is not None and group.volume is not None:
        who.append(("其中" if who else "") + _volume(group.volume) + "的单位")
    if group is None:
        who.append(f"{kind_column}为{name}的单位")
    if unranked(group, min_volume):
        return f"{name}（{min_volume.label}）：{'，'.join(who)}，不参加排名。"
    return f"{name}（满分{_n(full)}分）：{'，'.join(who) or '全部单位'}。"


def _board(board: Board, top: bool, size_word: str, red_too: bool = False) -> str:
    where = "各组" if board.within == "group" else "全部单位中"
    edge = "前" if top else "后"
    text = f"{size_word}：{where}得分{edge}{board.size}名（并列的一并列入{'，不同组按得分占本组满分的比例比较' if board.within == 'all' else ''}）"
    if not top:   # table.py black_candidates
        text += "；得满分的单位" + ("和已列入红榜的单位" if red_too else "") + "不列入"
    return text + "。"


def _grades(rules: Rules) -> str:
    fulls = {info.full_marks for info in rules.group_list()}
    parts = []
    for grade in rules.grades:
        condition = []
        if grade.min is not None:
            condition.append(f"{_n(grade.min)}分及以上")
        elif grade.min_percent is not None:
            condition.append(f"{_n(next(iter(fulls)) * grade.min_percent / 100)}分及以上" if len(fulls) == 1
                             else f"达到本组满分的{_n(grade.min_percent)}%及以上")
        if grade.last_in_group:
            condition.append(("未达到以上等级且" if parts else "") + "在本组排名末位")
        parts.append(f"{'、'.join(condition)}的为{grade.name}" if condition else f"其余为{grade.name}")
    return "等级：" + "；".join(parts) + "。"


def _rounding(rules: Rules) -> str:
    places = {Decimal("1"): "取整", Decimal("0.1"): "保留一位小数", Decimal("0.01"): "保留两位小数"}

    def said(step: Decimal) -> str:
        return places.get(step, f"按{_n(step)}取舍")
    parts = []
    if rules.indicators or any(isinstance(i, (RateItem, WeightedItem)) for i in rules.items.values()):
        parts.append(f"比率先四舍五入{said(rules.rounding.rate)}再计分" if rules.rounding.rate is not None else "比率不先取舍")
    if rules.rounding.item is not None:
        parts.append(f"各项得分四舍五入{said(rules.rounding.item)}")
    parts.append(f"总分四舍五入{said(rules.rounding.step)}，最低{_n(rules.rounding.floor)}分")
    return "计分：" + "；".join(parts) + "。"


def excellent_sentence(rules: Rules, excellent: Excellent | None = None) -> str:
    """完成度较好单位: the score (the settings' ``excellent.score`` as a share of the scheme's common full
    marks, else the rules' threshold) and, with the settings' ``excellent``, its other conditions, all of
    them as the bulletin applies them (analysis/bulletin.py excellent_units)."""
    fulls = list(dict.fromkeys(i.full_marks for i in rules.group_list()))
    percent = rules.thresholds.excellent
    if excellent is not None and excellent.score is not None:
        percent = Decimal(str(excellent.score)) * 100 / common_full_marks(rules)
    if percent == 100:
        score = "总分达到本组满分" if len(fulls) > 1 else "总分达到满分"
    elif len(fulls) == 1:
        score = f"总分不低于{_n((fulls[0] * percent / 100).quantize(Decimal('0.01'), ROUND_HALF_UP))}分"
    else:
        score = f"总分达到本组满分的{_n(percent.quantize(Decimal('0.01'), ROUND_HALF_UP))}%"
    text = f"完成度较好单位：{score}（本办法满分{'、'.join(_n(f) for f in fulls)}分）"
    if excellent is None:
        return text + "。"
    satisfaction = _n(Decimal(str(excellent.satisfaction)))
    text += f"，回访满意度{'100%' if satisfaction == '100' else f'不低于{satisfaction}%'}，签收工单{excellent.min_signed}件及以上"
    if rules.min_volume is not None:   # a unit under it is 不参评, never praised
        text += "，参加排名"
    if excellent.excluded:
        text += f"；{'、'.join(excellent.excluded)}不列入"
    return text + "。"


def describe_rules(rules: Rules, excellent: Excellent | None = None) -> str:
    """The scheme in Chinese, the way a 考核办法 reads (see the module docstring); ``excellent``: the
    settings' 完成度较好 conditions (io/directory.py), said with the rules' score when given."""
    infos = rules.group_list()
    lines = [rules.name, ""]
    if rules.source:
        lines.append(f"来源：{rules.source}")
    groups = rules.effective_groups()
    lines.append("分组：各组分别排名，总分相同的名次并列（如1、1、3）。")
    lines += [f"  {group_sentence(i.name, groups.get(i.name), i.full_marks, rules.kind_column, rules.min_volume)}"
              for i in infos]
    if rules.min_volume is not None:
        lines.append(f"  {rules.min_volume.column}不足{rules.min_volume.min}件的单位不参加排名（{rules.min_volume.label}）。")
    sets: dict[tuple, list] = {}
    for info in infos:
        sets.setdefault((info.items, info.base), []).append(info)
    for number, ((keys, base), members) in enumerate(sets.items(), start=1):
        heading = "、".join(m.name for m in members) if len(sets) > 1 else "考核项目"
        full = "、".join(dict.fromkeys(f"{_n(m.full_marks)}分" for m in members))
        lines += ["", f"{chinese_number(number)}、{heading}（满分{full}）"]
        if base and any(k in rules.deductions for k in keys):
            lines.append(f"  基础分{_n(base)}分，按下列情形扣分：")
        elif base:
            lines.append(f"  基础分{_n(base)}分。")
        for place, key in enumerate(keys, start=1):
            lines.append(f"  （{chinese_number(place)}）{item_sentence(key, rules)}")
        if rules.bonus_cap is not None and any(k in rules.bonuses for k in keys):
            lines.append(f"  加分合计最多{_n(rules.bonus_cap)}分。")
    measures = [indicator_sentence(k, i) for k, i in rules.indicators.items()]
    measures += [table_rate_sentence(rate) for rate in scored_table_rates(rules)]
    if measures:
        lines += ["", "指标口径："] + [f"  {sentence}" for sentence in measures]
    lines += ["", _rounding(rules)]
    if rules.grades:
        lines.append(_grades(rules))
    if rules.red_list is not None:
        lines.append(_board(rules.red_list, True, "红榜"))
    if rules.black_list is not None:
        lines.append(_board(rules.black_list, False, "黑榜", red_too=rules.red_list is not None))
    lines.append(excellent_sentence(rules, excellent))
    if rules.assumptions:
        lines += ["", "说明（推定或假定）："] + [f"  {i}. {text}" for i, text in enumerate(rules.assumptions, start=1)]
    return "\n".join(lines)
