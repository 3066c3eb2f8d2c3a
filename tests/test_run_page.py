"""The run page answers first (issue 12, item 5): sentences from the KPIs, differences from a
reference, numbered events that do not overlap, a colour per region, figures that have something
to show, and a page that stays small."""

import itertools
import json
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from conftest import SCENARIOS, TEST_SCENARIOS
from sim.cli import main
from sim.report.figures import mark_events
from sim.report.style import region_colours
from sim.results import read_run_folder
from sim.scenario import load_scenario

CHAIN = str(TEST_SCENARIOS / "chain.yaml")


def _answer(page: str) -> list[str]:
    block = page[page.index('id="answer"'):page.index("</div>", page.index('class="answer"'))]
    return [re.sub(r"<[^>]+>", "", p) for p in re.findall(r"<p>(.*?)</p>", block)]


@pytest.fixture(scope="module")
def licensing(tmp_path_factory):
    out = tmp_path_factory.mktemp("page") / "lic"
    assert main(["run", str(SCENARIOS / "export_licensing_2025.yaml"), "--out", str(out)]) == 0
    return out


def test_the_page_says_who_ran_short_of_what_from_when_and_at_what_price(licensing):
    page = (licensing / "report.html").read_text()
    k = json.loads((licensing / "kpis.json").read_text())
    sentences = _answer(page)
    usa = next(s for s in sentences if s.startswith("In USA, buyers of ndfeb_magnet"))
    assert f"got {100 * k['fill_rate_by_region_material']['usa']['ndfeb_magnet']:.1f}%" in usa
    assert f"short on {k['days_short_by_region_material']['usa']['ndfeb_magnet']} days from " in usa
    assert f"{k['unmet_demand_t_by_region_material']['usa']['ndfeb_magnet']:,.0f} t lost" in usa
    prices = k["price_usd_per_kg"]
    top = max(prices, key=lambda m: prices[m]["peak"] / prices[m]["start"])  # the market that rose most
    assert any(s.startswith(f"The {top} price rose from") and f"{prices[top]['peak']:,.0f} USD/kg" in s for s in sentences)
    assert page.index('id="answer"') < page.index('id="kpis-section"')  # the answer comes first


def test_a_one_year_page_is_under_a_megabyte(licensing):
    assert (licensing / "report.html").stat().st_size < 1_000_000


def test_a_calm_run_says_everyone_was_served(tmp_path):
    out = tmp_path / "calm"
    assert main(["run", CHAIN, "--no-figures", "--out", str(out), "--set", "demand.usa_ev.t_per_day=5"]) == 0
    assert main(["report", str(out)]) == 0
    assert _answer((out / "report.html").read_text())[0].startswith("Every buyer got what they asked for")


def test_a_run_read_against_a_reference_shows_the_differences(tmp_path, capsys):
    out = tmp_path / "slow"
    assert main(["run", CHAIN, "--out", str(out), "--set", "facilities.cells.capacity.t_per_day=8", "--against", CHAIN]) == 0
    here = read_run_folder(out)  # reference.json is stamped like the other files
    ref = here.reference
    assert ref["name"] == "chain" and ref["kpis"]["fill_rate"] > here.kpis["fill_rate"]
    page = (out / "report.html").read_text()
    change = 100 * (here.kpis["fill_rate"] - ref["kpis"]["fill_rate"])
    assert f'<span class="change">{change:+.1f} points</span>' in page
    assert "vs reference, points" in page and "Read against chain" in page
    assert any(s.startswith("Against chain, demand met: USA magnet") for s in _answer(page))
    # report --against replaces it; a run folder over other days is refused, a scenario file runs over the run's
    assert main(["report", str(out), "--against", str(out)]) == 0
    assert read_run_folder(out).reference["kpis"] == here.kpis
    capsys.readouterr()
    assert main(["report", str(out), "--against", str(tmp_path)]) == 2  # a folder that is not a run
    short = tmp_path / "short.yaml"
    short.write_text(f"extends: {CHAIN}\nmeta: {{horizon_days: 100}}\n")
    assert main(["report", str(out), "--against", str(short)]) == 0
    assert read_run_folder(out).reference["kpis"]["requested_t"] == pytest.approx(ref["kpis"]["requested_t"])
    assert main(["run", str(short), "--out", str(tmp_path / "short_run")]) == 0
    capsys.readouterr()
    assert main(["report", str(out), "--against", str(tmp_path / "short_run")]) == 2
    assert "a reference must cover the same days" in capsys.readouterr().err


def test_events_are_numbered_and_their_markers_do_not_overlap():
    dates = pd.to_datetime(["2025-03-01", "2025-03-02", "2025-03-03", "2025-03-03", "2025-06-01"])
    events = pd.DataFrame({"#": range(1, 6), "date": dates, "policy": list("abcde"), "event": ["start"] * 5})
    fig = Figure(figsize=(8, 3))
    ax = fig.subplots()
    ax.plot(pd.date_range("2025-01-01", "2025-12-31").to_numpy(), np.zeros(365))
    mark_events(ax, events)
    fig.canvas.draw()
    labels = [t for t in ax.texts]
    assert [t.get_text() for t in labels] == ["1", "2", "3,4", "5"]  # one marker a day, numbered as the timeline
    boxes = [t.get_window_extent() for t in labels]
    assert not any(a.overlaps(b) for a, b in itertools.combinations(boxes, 2))


def _lab(colour: str) -> np.ndarray:
    rgb = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(colour)]
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ rgb
    x, y, z = xyz / np.array([0.95047, 1.0, 1.08883])
    f = [t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in (x, y, z)]
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_every_two_regions_of_the_library_look_apart():
    regions = set()
    for path in (p for p in SCENARIOS.rglob("*.yaml") if "sweeps" not in p.parts):
        regions |= set(load_scenario(path).scenario.regions)
    colours = region_colours(regions)
    assert len(set(colours.values())) == len(regions) >= 10
    for (a, ca), (b, cb) in itertools.combinations(colours.items(), 2):
        assert np.linalg.norm(_lab(ca) - _lab(cb)) >= 30, (a, b)


def test_lesson_pages_show_what_their_headers_promise(tmp_path):
    from sim.report.figures import _stock_lines
    from sim.report.frames import prepare

    kiln = tmp_path / "kiln"
    assert main(["run", str(SCENARIOS / "teaching" / "1_one_kiln.yaml"), "--out", str(kiln)]) == 0
    shown = {p.name for p in kiln.glob("*.png")}
    assert "stocks.png" in shown and not shown & {"prices.png", "material_flow.png", "stockpile.png"}  # nothing to show there
    page = (kiln / "report.html").read_text()
    assert "share of mining" not in page  # the lesson has no mine
    lines = {label: tonnes for label, _region, _dates, tonnes in _stock_lines(prepare(read_run_folder(kiln)), "processing")}
    carbonate = lines["re_carbonate at gansu"]
    assert (carbonate[-1] - carbonate[30]) / (len(carbonate) - 31) == pytest.approx(10, abs=0.5)  # 50 in, 40 calcined a day
    whip = tmp_path / "whip"
    assert main(["run", str(SCENARIOS / "teaching" / "4_bullwhip.yaml"), "--out", str(whip)]) == 0
    assert (whip / "orders.png").exists() and "the bullwhip" in (whip / "report.html").read_text()
