"""Whether a data folder holds the generated sample: a marker file `hotline sample` writes into it.

The folder's contents decide, not its path: a sample copied elsewhere is still the sample, and a
district's own exports kept in data/sample/ are not. Everything that asks (the render marks each
format 样例数据, `hotline email` refuses to send, `hotline sample` overwrites only its own folder)
asks ``is_sample_data``. The marker is a .txt, which the export reader never reads (io/exports.py
reads .csv files and workbooks only).
"""

from __future__ import annotations

from pathlib import Path

#: The marker: a file a person sees beside exports/ and understands.
SAMPLE_MARKER = "样例数据.txt"
#: What the marker says, for whoever opens the folder.
SAMPLE_MARKER_TEXT = ("本文件夹中的数据由 `hotline sample` 生成，全部为虚构的样例数据，不是真实的工单导出。\n"
                      "用这些数据生成的通报在每种格式中都标有“样例数据”，`hotline email` 不发送它（除非加 --sample-ok）。\n"
                      "`hotline sample` 可以覆盖本文件夹。请不要把真实的导出文件放在这里；"
                      "也不要删除本文件，删除后样例通报将不再带有标记。\n")
#: The hidden marker of samples written before the visible one: still recognised, never written.
OLD_SAMPLE_MARKER = ".hotline-sample"


def is_sample_data(data_dir: str | Path) -> bool:
    """True when ``data_dir`` was written by `hotline sample` (its marker file is there)."""
    folder = Path(data_dir)
    return (folder / SAMPLE_MARKER).is_file() or (folder / OLD_SAMPLE_MARKER).is_file()
