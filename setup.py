"""The build step pyproject.toml cannot state: the wheel carries the repository's own working folder
(hotline.toml, notebooks/, data/'s settings, units and README, outputs/README.md) as
hotline_lib/project/, which `hotline init` copies. The repository keeps the only copy in git; an
installed package has no repository to copy from."""

import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from hotline_lib.core.config import TEMPLATE_FILES  # noqa: E402  (paths only: no dependency is imported)

SKIPPED = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")


class BuildWithProject(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install runs from the checkout, which is the working folder itself
        target = Path(self.build_lib) / "hotline_lib" / "project"
        for name in TEMPLATE_FILES:
            source, copy = HERE / name, target / name
            copy.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, copy, ignore=SKIPPED, dirs_exist_ok=True)
            else:
                shutil.copyfile(source, copy)


setup(cmdclass={"build_py": BuildWithProject})
