"""How a sheet prints: landscape A4, one page wide (as many pages down as it takes), the header row on
every page, the workbook's title and the sheet's name at the top and the page number at the bottom.

Without it LibreOffice printed 扣分明细.xlsx's 汇总 as 18 portrait pages, four columns on the first.
"""

from __future__ import annotations

#: Excel's limit on a header or footer, in UTF-16 code units (xlsxwriter drops a longer one with a warning).
HEADER_LIMIT = 255
#: The longest title kept in a header: room for the sheet name (31) and the control codes.
TITLE_LIMIT = 150
A4 = 9   # xlsxwriter's paper code
FOOTER = "&C第 &P 页，共 &N 页"


def header_text(text: str) -> str:
    """``text`` as literal header text: "&" starts a control code (&P, &N…), so a literal one is "&&"."""
    return text.replace("&", "&&")


def short_title(title: str, limit: int = TITLE_LIMIT) -> str:
    """The title cut to ``limit`` characters (a unit's name can be 300), ending "…" when cut."""
    title = " ".join(title.split())
    return title if len(title) <= limit else title[:limit - 1] + "…"


def sheet_header(sheet_name: str, title: str = "") -> str:
    """The page header: the workbook's title on the left (when known), the sheet's name on the right."""
    if not title.strip():
        return f"&C{header_text(sheet_name)}"
    return f"&L{header_text(short_title(title))}&R{header_text(sheet_name)}"


def set_print_setup(sheet, sheet_name: str, title: str = "") -> None:
    """The print setup of every sheet the project writes (an xlsxwriter worksheet, its table's header in row 0)."""
    sheet.set_landscape()
    sheet.set_paper(A4)
    sheet.fit_to_pages(1, 0)      # one page wide, as many long as the rows need
    sheet.repeat_rows(0)          # the column names on every page
    sheet.set_header(sheet_header(sheet_name, title))
    sheet.set_footer(FOOTER)
