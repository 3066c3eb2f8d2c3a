"""The example notebook runs from top to bottom (so it cannot rot)."""

import nbformat
from nbclient import NotebookClient

from conftest import ROOT


def test_notebook_executes(tmp_path):
    nb = nbformat.read(ROOT / "examples" / "lesson_walkthrough.ipynb", as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "cells at 12 t/day: 12.0 t of magnets a day" in printed
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == 1  # the figure shows inline, not only in a file
    source = "".join(c.source for c in nb.cells)
    assert "sim.run(" in source and "matplotlib.use" not in source
