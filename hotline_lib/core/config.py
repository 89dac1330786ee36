"""Paths of the project, all derived from one root; nothing is created at import time."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PROJECT_ROOT = PACKAGE_DIR.parent

RULES_DIR = PACKAGE_DIR / "rules"
SCHEMA_DIR = PACKAGE_DIR / "schema"
TEMPLATES_DIR = PACKAGE_DIR / "templates"
DEFAULT_RULES = RULES_DIR / "furong.yaml"
COLUMNS_FILE = SCHEMA_DIR / "columns.yaml"

DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_UNITS = DATA_DIR / "units.yaml"
DEFAULT_SETTINGS = DATA_DIR / "settings.yaml"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"


def sample_dir() -> Path:
    """The default data folder: the generated sample (HOTLINE_SAMPLE_DIR overrides)."""
    return Path(os.environ.get("HOTLINE_SAMPLE_DIR", DATA_DIR / "sample"))


def outputs_dir() -> Path:
    """Where reports go by default (HOTLINE_OUTPUTS overrides)."""
    return Path(os.environ.get("HOTLINE_OUTPUTS", PROJECT_ROOT / "outputs"))


def cache_dir() -> Path:
    """Where parsed exports are cached as Parquet (HOTLINE_CACHE overrides). Not under outputs/:
    the cache is a full copy of the exports, citizens' words and phone numbers included, and
    outputs/ holds only what may be shared."""
    return Path(os.environ.get("HOTLINE_CACHE", PROJECT_ROOT / ".cache"))
