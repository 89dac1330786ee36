"""The city ranking's 满意度 reads like the unit table's rates: an Excel percentage cell (0.991, or an .xlsx
number formatted as a percentage) is 99.10%, not 0.99%; both readers share core/numbers.py rate_reader."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
import xlsxwriter

from hotline_lib.analysis.bulletin import city_ranking_figures, read_city_ranking
from hotline_lib.core.config import PACKAGE_DIR
from hotline_lib.core.errors import InputError
from hotline_lib.core.numbers import rate_reader

#: the published December 2020 ranking, 满意度 as percent text ("99.10%")
ORIGINAL = PACKAGE_DIR / "sample" / "inputs" / "city_ranking_2020-12.csv"
COLUMNS = ["district", "orders", "satisfaction", "score", "rank"]


def _original() -> pd.DataFrame:
    return pd.read_csv(ORIGINAL, dtype=str, encoding="utf-8-sig")


def _fraction(percent_text: str) -> Decimal:
    return Decimal(percent_text.rstrip("%")) / 100


def test_the_original_reads_as_published():
    city = read_city_ranking(ORIGINAL, "芙蓉区")
    assert dict(zip(city["district"], city["satisfaction"].astype(str))) == {
        "芙蓉区": "99.10", "岳麓区": "99.17", "雨花区": "98.10", "天心区": "97.84", "开福区": "96.80"}


def test_a_csv_of_fractions_reads_as_the_percent_text(tmp_path, settings):
    frame = _original()
    frame["满意度"] = [str(_fraction(v)) for v in frame["满意度"]]   # 0.991, as Excel writes a percentage cell to CSV
    path = tmp_path / "2020-12.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    assert "0.991" in path.read_text(encoding="utf-8-sig")
    _assert_same_as_original(read_city_ranking(path, "芙蓉区"), settings)


def test_an_xlsx_of_percent_formatted_numbers_reads_as_the_percent_text(tmp_path, settings):
    path = tmp_path / "2020-12.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet, percent = workbook.add_worksheet(), workbook.add_format({"num_format": "0.00%"})
    frame = _original()
    sheet.write_row(0, 0, list(frame.columns))
    for r, row in enumerate(frame.itertuples(index=False), start=1):
        sheet.write_string(r, 0, row.区)
        sheet.write_number(r, 1, int(row.月工单总数))
        sheet.write_number(r, 2, float(_fraction(row.满意度)), percent)   # a real number: 0.991 shown as 99.10%
        sheet.write_number(r, 3, float(row.总分))
    workbook.close()
    _assert_same_as_original(read_city_ranking(path, "芙蓉区"), settings)


def _assert_same_as_original(city: pd.DataFrame, settings) -> None:
    original = read_city_ranking(ORIGINAL, "芙蓉区")
    pd.testing.assert_frame_equal(city[COLUMNS], original[COLUMNS])
    assert city_ranking_figures(city, settings, "2020-12") == city_ranking_figures(original, settings, "2020-12")
    assert city_ranking_figures(city, settings, "2020-12")["rows"][0]["satisfaction"] == "99.10%"


@pytest.mark.parametrize("column, expected", [
    (["99.10%", "0.991", "1"], ["99.10", "99.10", "100.00"]),   # bare numbers all fractions: read as fractions
    (["99.1", "1", "100"], ["99.10", "1.00", "100.00"]),        # a bare number above 1: the column is in percent
    (["98.905%", "97.84%"], ["98.91", "97.84"]),
])
def test_one_rate_reader_decides_per_column(column, expected):
    read = rate_reader(column)
    assert [str(read(v)) for v in column] == expected


def test_a_bad_satisfaction_is_named_with_its_row_and_column(tmp_path):
    frame = _original()
    frame.loc[1, "满意度"] = "101.5%"
    path = tmp_path / "2020-12.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    with pytest.raises(InputError) as error:
        read_city_ranking(path, "芙蓉区")
    assert (error.value.row, error.value.column) == (3, "满意度")
    assert error.value.message.msgid == "rate {text!r} is outside 0% to 100%"
