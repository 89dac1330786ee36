"""One run's working folder, resolved once: every input and output a command, a render or a notebook uses.

A working folder (`hotline init` makes one; the repository is one too) holds hotline.toml, data/
(settings, units, rules and the data folder of exports), notebooks/ and outputs/. ``Workspace.open``
resolves it once, from the folder the command runs in and the command's own options, and everything
downstream (the CLI, the month and trends renders, batches, explain, load_month, load_trends, the
explore notebooks) takes the resulting object instead of the same six paths. The month's own inputs
(city ranking, case story, exemptions) are named by the settings, relative to the data folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path

from hotline_lib.core import config
from hotline_lib.core.errors import InputError
from hotline_lib.core.i18n import Message
from hotline_lib.io.directory import Settings, UnitDirectory, load_settings, load_units
from hotline_lib.io.platform import Platform, load_platform
from hotline_lib.io.sample_data import is_sample_data

#: Overrides the settings' data folder for every command (the tests point it at a folder that is not there).
DATA_VARIABLE = "HOTLINE_DATA"

def _path(value) -> Path | None:
    """An option's path, relative to the folder the command runs in (not the working folder)."""
    return None if value is None or value == "" else Path(value).expanduser().resolve()


@dataclass(frozen=True)
class Workspace:
    """Every path of a run. Frozen and hashable: a notebook's kernel caches a month by it."""

    root: Path            # the working folder
    data: Path            # the data folder: exports, and the month's inputs named by the settings
    settings_file: Path
    units_file: Path
    rules_file: Path
    notebooks: Path       # the section notebooks (an analyst's edited copy with --notebooks)
    outputs: Path
    cache: Path           # parsed exports (Parquet): citizens' words, never shared, never under outputs/
    #: the platform's own header spellings, merged over the package's (absent: the package's alone)
    columns_file: Path | None = None

    @classmethod
    def open(cls, root: str | Path | None = None, *, data=None, settings=None, units=None, rules=None, notebooks=None,
             outputs=None) -> Workspace:
        """The working folder ``root`` (default: the one the command runs in, or HOTLINE_HOME; outside
        any, the one-line error), each path from its option when given, else the folder's default."""
        root = Path(root).resolve() if root is not None else config.project_root()
        settings_file = _path(settings) or root / "data" / "settings.yaml"
        chosen_data = _path(data) or _path(os.environ.get(DATA_VARIABLE))
        if chosen_data is None:
            chosen_data = (root / load_settings(settings_file).data_folder).resolve()
        return cls(root=root, data=chosen_data, settings_file=settings_file,
                   units_file=_path(units) or root / "data" / "units.yaml",
                   rules_file=_path(rules) or config.rules_file(root),
                   notebooks=_path(notebooks) or root / "notebooks",
                   outputs=_path(outputs) or config.outputs_dir(root).resolve(),
                   cache=config.cache_dir(root).resolve(),
                   columns_file=root / "data" / "columns.yaml")

    @classmethod
    def of(cls, value: Workspace | dict | str | Path | None = None) -> Workspace:
        """A notebook's ``workspace`` parameter as a Workspace: None (the folder the notebook is in, with
        its settings' data folder), the dict `hotline report` injects (``parameters()``), a data folder
        (its exports and inputs read with the working folder's settings), or a Workspace."""
        if isinstance(value, Workspace):
            return value
        if isinstance(value, dict):
            known = {f.name for f in fields(cls)}
            unknown = sorted(set(value) - known)
            if unknown:
                raise InputError("workspace: unknown keys {keys} (known: {known})", path="workspace",
                                 keys=", ".join(unknown), known=", ".join(sorted(known)))
            opened = cls.open(value.get("root"), data=value.get("data"))
            return cls(**{f.name: Path(value[f.name]) if value.get(f.name) else getattr(opened, f.name)
                          for f in fields(cls)})
        return cls.open(data=value)

    def parameters(self) -> dict[str, str]:
        """The workspace as a papermill parameter (JSON: a kernel rebuilds it with ``Workspace.of``)."""
        return {f.name: str(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name) is not None}

    @cached_property
    def settings(self) -> Settings:
        return load_settings(self.settings_file)

    @cached_property
    def units(self) -> UnitDirectory:
        return load_units(self.units_file)

    @cached_property
    def platform(self) -> Platform:
        """How this folder's platform writes its exports: its data/columns.yaml over the package's
        spellings, the settings' visit results and category level (io/platform.py)."""
        return load_platform(self.columns_file, self.settings, self._label(self.columns_file or "data/columns.yaml"),
                             self._label(self.settings_file))

    def _label(self, path) -> str:
        """A file as a message names it: relative to the working folder when inside it."""
        try:
            return str(Path(path).relative_to(self.root))
        except ValueError:
            return str(path)

    @property
    def places_file(self) -> Path:
        """The district's place names, one a line (热点诉求: the segmenter keeps them whole); may be missing."""
        return self.root / "data" / "places.txt"

    @property
    def synonyms_file(self) -> Path:
        """Lines ``电瓶车 = 电动车`` (variant = canonical): 热点诉求 counts the variant as the canonical; may be missing."""
        return self.root / "data" / "synonyms.txt"

    def city_ranking(self, month: str) -> Path:
        return self.data / self.settings.city_ranking_file.format(month=month)

    def case_story(self, month: str) -> Path:
        return self.data / self.settings.case_story_file.format(month=month)

    def exemptions(self, month: str) -> Path:
        return self.data / self.settings.exemptions_file.format(month=month)

    def month_inputs(self, month: str) -> list[Path]:
        """The month's inputs no export holds (city ranking, case story, exemptions), present or not."""
        return [self.city_ranking(month), self.case_story(month), self.exemptions(month)]

    def input_stamp(self) -> tuple:
        """Name, size and modification time of every input file (the data folder's, the settings,
        units and rules): a kernel that caches a month or a trend computes again when it changes."""
        paths = [p for p in sorted(self.data.rglob("*")) if p.is_file()] if self.data.is_dir() else []
        paths += [self.settings_file, self.units_file, self.rules_file, *([self.columns_file] if self.columns_file else []),
                  self.places_file, self.synonyms_file]
        return tuple((str(p), s.st_size, s.st_mtime_ns) for p in paths if p.exists() for s in [p.stat()])

    def month_dir(self, month: str) -> Path:
        return self.outputs / month

    @property
    def is_sample(self) -> bool:
        """The data folder is the generated sample (its marker file, io/sample_data.py)."""
        return is_sample_data(self.data)

    def data_label(self) -> str:
        """The data folder as a render names it: relative to the working folder when inside it."""
        return self._label(self.data)

    def check_data(self) -> Path:
        """The data folder, or an error that says how to fill it."""
        if not self.data.is_dir():
            hint = Message(" (run `hotline sample` to generate the sample)") if self.data.name == "sample" else ""
            raise InputError("data folder not found{hint}", path=self.data, hint=hint)
        return self.data
