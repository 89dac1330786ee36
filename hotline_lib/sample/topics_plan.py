"""What the sample's citizens' words are planted with, in one place: the generator (sample/texts.py)
writes them and the tests of the sample and of the hot-topic analysis import them, so that no
expected count is written twice.

- ``REPEATS``: one place and one problem raised many times in a few days (a repeat demand). No other
  order of that category names that place in that month, so each count is exact.
- ``NEAR_DUPLICATES``: the same problem on the same days at another place: a separate cluster, never
  to be merged with the first.
- ``RISING``: a topic whose share of a month's orders grows over the sample's months, spread over many
  places (never a single place's burst), with a jump in December 2020 so that December's bulletin
  sees it rise against November.
- ``SEASONAL``: a topic of the summer months only.

Shares are of the orders signed in the month (签收时间); counts are ``round(share * orders)``.
Places are names of data/places.txt (a test checks it); every text begins with ``FICTION_MARK``.
"""

from __future__ import annotations

from dataclasses import dataclass

from hotline_lib.sample.plan import MONTHS

FICTION_MARK = "【样例数据，虚构】"


@dataclass(frozen=True)
class Repeat:
    """``count`` orders of ``category`` about ``issue`` naming ``place``, signed between days
    ``first_day`` and ``last_day`` (inclusive) of ``month``."""

    place: str
    issue: str
    category: str
    month: str
    first_day: int
    last_day: int
    count: int


@dataclass(frozen=True)
class Trend:
    """A topic written into a share of each month's orders (of ``categories``), each text holding
    ``term`` or one of its ``variants`` (data/synonyms.txt maps them to ``term``)."""

    term: str
    variants: tuple[str, ...]
    issue: str
    categories: tuple[str, ...]
    anchors: tuple[tuple[str, float], ...]   # (month, share); months between are interpolated linearly

    def share(self, month: str) -> float:
        """The planned share of ``month``'s orders (0 before the first anchor and after the last)."""
        points = [(MONTHS.index(m), s) for m, s in self.anchors]
        i = MONTHS.index(month)
        for (a, sa), (b, sb) in zip(points, points[1:]):
            if a <= i <= b:
                return sa + (sb - sa) * (i - a) / (b - a)
        return next((s for m, s in points if m == i), 0.0)

    def count(self, month: str, orders: int) -> int:
        """How many of ``orders`` (the month's signed orders) carry the topic."""
        return round(self.share(month) * orders)

    def words(self) -> tuple[str, ...]:
        return (self.term, *self.variants)


REPEATS = (
    Repeat("锦泰花园", "电梯故障", "物业服务", "2020-12", 7, 11, 9),
    Repeat("悦荟城", "预付卡退费", "消费维权", "2020-12", 2, 7, 12),
    Repeat("车站北路", "夜间施工", "建筑施工噪音", "2020-12", 14, 17, 8),
    Repeat("育英小学", "学校门口乱停车", "停车管理", "2021-03", 8, 11, 8),
)

NEAR_DUPLICATES = (
    # REPEATS[0]'s problem on its days, at another estate: its own cluster of 4
    Repeat("枫林公寓", "电梯故障", "物业服务", "2020-12", 7, 11, 4),
)

RISING = Trend(term="电动车", variants=("电瓶车",), issue="电动车充电", categories=("物业服务", "社区工作", "公共设施", "市容环境"),
               anchors=(("2020-01", 0.005), ("2020-11", 0.010), ("2020-12", 0.022), ("2021-06", 0.030)))

SEASONAL = Trend(term="空调", variants=(), issue="空调外机扰民", categories=("噪音扰民", "物业服务", "社区工作", "环境污染"),
                 anchors=(("2020-05", 0.0), ("2020-06", 0.006), ("2020-07", 0.012), ("2020-08", 0.010), ("2020-09", 0.003),
                          ("2020-10", 0.0), ("2021-05", 0.0), ("2021-06", 0.006)))


def planted(month: str) -> tuple[Repeat, ...]:
    """The repeat demands and near-duplicates of ``month``."""
    return tuple(r for r in REPEATS + NEAR_DUPLICATES if r.month == month)
