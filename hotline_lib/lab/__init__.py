"""JupyterLab as the project starts it (`make lab`, and tests/test_lab.py): in Chinese, and readable
without a Chinese font on the machine. ``python -m hotline_lib.lab [jupyter lab options]`` is
``jupyter lab`` with three options added before the caller's (which win):

- ``--LabApp.app_settings_dir`` = ``settings/`` here, whose overrides.json makes zh_CN the default of
  the Language setting (the language pack, jupyterlab-language-pack-zh-CN, is a dependency). It is a
  default only: an analyst's own choice (Settings → Language) is a user setting and wins. Lab's own
  application settings folder (``<prefix>/share/jupyter/lab/settings``, empty after a pip install) is
  not read then.
- ``--LabApp.custom_css=True`` with ``custom/custom.css`` here, which adds the project's CJK font (the
  charts' Noto Sans CJK SC, from mplfonts) after Lab's fonts, served by the Lab server itself from the
  font's folder (a ``custom_css`` in the user's ~/.jupyter/custom is not read then).

Nothing is written: not to the home folder, not to the environment; the same on Windows."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from hotline_lib.render.fonts import cjk_font_path

HERE = Path(__file__).resolve().parent
SETTINGS_DIR = HERE / "settings"
CUSTOM_DIR = HERE / "custom"
LOCALE = "zh_CN"


def lab_arguments() -> list[str]:
    """The options that make a `jupyter lab` the project's (command-line form, for `jupyter lab` or
    LabApp.launch_instance)."""
    # /custom/<file> is served from these folders in turn: custom.css from ours, the font from its own
    return [f"--LabApp.app_settings_dir={SETTINGS_DIR}",
            "--LabApp.custom_css=True",
            "--ServerApp.tornado_settings=" + json.dumps({"static_custom_path": [str(CUSTOM_DIR),
                                                                                 str(cjk_font_path().parent)]})]


def main(argv: list[str] | None = None) -> None:
    from jupyterlab.labapp import LabApp

    LabApp.launch_instance(argv=lab_arguments() + list(sys.argv[1:] if argv is None else argv))
