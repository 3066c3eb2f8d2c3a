"""Normal runs are quiet: no warnings from the libraries, nothing on stderr."""

import warnings

import pytest

from conftest import TEST_SCENARIOS
from sim.cli import main


@pytest.mark.parametrize("horizon", [60, 400, 1277, 2000])
def test_run_with_figures_warns_of_nothing(horizon, tmp_path, capsys):
    """1277 days: a span where matplotlib's date locator found no tick interval and warned."""
    args = ["run", str(TEST_SCENARIOS / "chain.yaml"), "--set", f"meta.horizon_days={horizon}", "--out", str(tmp_path / "run")]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(args) == 0
    assert [str(w.message) for w in caught] == []
    assert capsys.readouterr().err == ""
    assert any((tmp_path / "run").glob("*.png")), "figures were drawn"
