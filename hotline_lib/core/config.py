"""Paths of the project, all derived from one root; nothing is created at import time.

The root is a working folder: a folder holding hotline.toml, with notebooks/, data/ and outputs/
beside it (`hotline init` makes one; the repository is one too). What ships inside the package
(rules, schema, templates) is a constant; what a district owns is a function of project_root(),
read when asked, so that every command uses the working folder it runs in."""

from __future__ import annotations

import os
from pathlib import Path

from hotline_lib.core.errors import HotlineError
from hotline_lib.core.i18n import N_

MARKER = "hotline.toml"

PACKAGE_DIR = Path(__file__).resolve().parent.parent
#: The repository, when the package runs from a source checkout (it is a working folder then).
SOURCE_ROOT = PACKAGE_DIR.parent

RULES_DIR = PACKAGE_DIR / "rules"
SCHEMA_DIR = PACKAGE_DIR / "schema"
TEMPLATES_DIR = PACKAGE_DIR / "templates"
DEFAULT_RULES = RULES_DIR / "furong.yaml"
COLUMNS_FILE = SCHEMA_DIR / "columns.yaml"
#: The published December 2020 the sample is built from: the city's ranking, the case story, the appendix.
SAMPLE_INPUTS_DIR = PACKAGE_DIR / "sample" / "inputs"
SAMPLE_REFERENCE_DIR = PACKAGE_DIR / "sample" / "reference"

#: What `hotline init` copies into a new working folder, relative to template_root(). The wheel
#: carries them as hotline_lib/project/ (setup.py copies them there from the repository at build time).
#: A new district's settings and empty unit directory come from templates/project/ (NEW_FOLDER_FILES),
#: never from the repository's own, which are 芙蓉区's.
TEMPLATE_FILES = ("hotline.toml", "notebooks", "data/README.md", "outputs/README.md")
NEW_FOLDER_FILES = {"data/settings.yaml": TEMPLATES_DIR / "project" / "settings.yaml",
                    "data/units.yaml": TEMPLATES_DIR / "project" / "units.yaml",
                    "data/rules.yaml": DEFAULT_RULES,
                    "data/places.txt": TEMPLATES_DIR / "project" / "places.txt",
                    "data/synonyms.txt": TEMPLATES_DIR / "project" / "synonyms.txt"}
NOT_A_WORKING_FOLDER = N_("not in a hotline working folder: run `hotline init DIR` first, then run hotline inside DIR")


def is_working_folder(folder: Path) -> bool:
    return (folder / MARKER).is_file()


def find_project_root(start: Path | None = None) -> Path | None:
    """HOTLINE_HOME when set, else the nearest working folder at or above ``start`` (the current
    folder); None outside all of them. An editable install does not make the repository the default:
    a district's data rendered outside its folder would land in the repository under its name."""
    home = os.environ.get("HOTLINE_HOME")
    if home:
        if not is_working_folder(Path(home)):
            raise HotlineError("HOTLINE_HOME={home}: not a hotline working folder (no {marker}); run `hotline init {home}` first",
                               home=home, marker=MARKER)
        return Path(home).resolve()
    start = Path(start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if is_working_folder(folder):
            return folder
    return None


def project_root() -> Path:
    """The working folder every default path is relative to (see find_project_root), or a clear error."""
    root = find_project_root()
    if root is None:
        raise HotlineError(NOT_A_WORKING_FOLDER)
    return root


def template_root() -> Path:
    """Where `hotline init` copies from: the wheel's hotline_lib/project/, or the repository itself."""
    shipped = PACKAGE_DIR / "project"
    return shipped if shipped.is_dir() else SOURCE_ROOT


def data_dir() -> Path:
    return project_root() / "data"


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def settings_file() -> Path:
    return data_dir() / "settings.yaml"


def units_file() -> Path:
    return data_dir() / "units.yaml"


def rules_file(root: Path | None = None) -> Path:
    """The district's own rules (data/rules.yaml, which `hotline init` copies there to be edited)
    when the working folder (``root``, default: the one found) has them, else the shipped ones."""
    root = root if root is not None else find_project_root()
    own = root / "data" / "rules.yaml" if root is not None else None
    return own if own is not None and own.is_file() else DEFAULT_RULES


def _override(variable: str) -> Path | None:
    value = os.environ.get(variable)
    return Path(value) if value else None


def sample_dir() -> Path:
    """Where `hotline sample` writes the sample by default (HOTLINE_SAMPLE_DIR overrides)."""
    return _override("HOTLINE_SAMPLE_DIR") or data_dir() / "sample"


def outputs_dir(root: Path | None = None) -> Path:
    """Where reports go by default (HOTLINE_OUTPUTS overrides): outputs/ of the working folder ``root``."""
    return _override("HOTLINE_OUTPUTS") or (root or project_root()) / "outputs"


def cache_dir(root: Path | None = None) -> Path:
    """Where parsed exports are cached as Parquet (HOTLINE_CACHE overrides). Not under outputs/:
    the cache is a full copy of the exports, citizens' words and phone numbers included, and
    outputs/ holds only what may be shared."""
    return _override("HOTLINE_CACHE") or (root or project_root()) / ".cache"
