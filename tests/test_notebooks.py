"""Every notebook runs top to bottom with papermill on the sample; none is committed with outputs."""

from __future__ import annotations

import json

import nbformat
import papermill
import pytest

from hotline_lib.core.config import NOTEBOOKS_DIR

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))   # the seven sections and trends.ipynb
EXPLORE = sorted((NOTEBOOKS_DIR / "explore").glob("*.ipynb"))  # run with their parameters by tests/test_explore.py
COMMITTED = NOTEBOOKS + EXPLORE


def test_explore_notebooks_are_found():
    assert [p.name for p in EXPLORE] == ["orders.ipynb", "unit.ipynb"]


@pytest.mark.parametrize("path", COMMITTED, ids=[str(p.relative_to(NOTEBOOKS_DIR).with_suffix("")) for p in COMMITTED])
def test_committed_without_outputs(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    assert all(not c.get("outputs") and not c.get("execution_count") for c in notebook["cells"] if c["cell_type"] == "code")
    tags = [c.get("metadata", {}).get("tags", []) for c in notebook["cells"]]
    assert ["parameters"] in tags


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_section_notebook_runs_with_its_defaults(path, sample_dir, tmp_path, monkeypatch):
    """As an analyst opening it in JupyterLab would: default parameters, the sample as data."""
    monkeypatch.setenv("HOTLINE_SAMPLE_DIR", str(sample_dir))
    out = tmp_path / f"{path.stem}.ipynb"
    papermill.execute_notebook(str(path), str(out), kernel_name="python3", progress_bar=False, cwd=str(path.parent))
    executed = nbformat.read(out, as_version=4)
    outputs = [o for c in executed.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("text/html" in o.get("data", {}) for o in outputs)
