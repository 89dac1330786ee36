"""The sample's vocabulary and calendar: channels, categories, which units handle what, time windows."""

from __future__ import annotations

from functools import cache

import pandas as pd

from hotline_lib.io.validation import TIMEZONE

# Times are whole seconds since the epoch while the sample is built (fast); frames get real times.
MINUTE = 60
HOUR = 3600
DAY = 86400
SIGN_WINDOW = 2 * HOUR
RETURN_WINDOW = DAY
COMPLETE_WINDOW = 5 * DAY

CHANNELS_OTHER = ["市长信箱", "我的长沙", "联动警情", "好差评", "人民网"]
TOP_CATEGORIES = ["消费维权", "养老保险", "建筑施工噪音", "社区工作", "停车管理", "物业服务"]
OTHER_CATEGORIES = ["卫生服务类", "交通出行", "教育培训", "劳动保障", "住房保障", "市容环境", "供水供电", "燃气安全", "占道经营",
                    "违章建筑", "园林绿化", "医疗保险", "户籍管理", "社会救助", "环境污染", "食品安全", "公共设施", "征地拆迁",
                    "退役军人", "文化旅游", "企业服务", "行政效能", "政策咨询", "噪音扰民", "其他"]
AFFINITY = {
    "消费维权": ["市场监督管理局"], "养老保险": ["人力资源和社会保障局", "医疗保障局"], "建筑施工噪音": ["行政执法局", "住房和城乡建设局", "生态环境分局"],
    "停车管理": ["行政执法局", "城市管理局"], "物业服务": ["住房和城乡建设局"], "卫生服务类": ["卫生健康局"], "教育培训": ["教育局"],
    "医疗保险": ["医疗保障局"], "劳动保障": ["人力资源和社会保障局"], "市容环境": ["行政执法局", "市容环境卫生维护中心"],
}
APPEAL_WEIGHTS = {"咨询": 0.36, "求助": 0.30, "投诉": 0.29, "建议": 0.04, "表扬": 0.01}
EPIDEMIC_SHARE = {"2020-01": 0.05, "2020-02": 0.35, "2020-03": 0.25, "2020-04": 0.10, "2020-05": 0.05, "2021-01": 0.03}
# December 2020 as published (reference/figures_2020-12.json): what the orders must add up to.
EPIDEMIC_CATEGORIES = {"消费维权": 19, "社区工作": 6, "养老保险": 5, "卫生服务类": 5, "交通出行": 4, "劳动保障": 3, "住房保障": 2, "政策咨询": 1}
EPIDEMIC_OPEN = {"消费维权": 3, "社区工作": 1, "养老保险": 1, "卫生服务类": 1, "交通出行": 1}   # not closed in December



@cache
def month_bounds(month: str) -> tuple[int, int]:
    """[start, end) of a month in China Standard Time, as epoch seconds."""
    start = pd.Timestamp(f"{month}-01", tz=TIMEZONE)
    return int(start.timestamp()), int((start + pd.offsets.MonthBegin(1)).timestamp())


def handling_units(order: dict) -> list[str]:
    return [r["unit"] for r in order["rows"]] + [r["unit"] for r in order.get("extra", []) if r["return_rejected"]]
