"""The lab's session logic, without a browser: runs, previous and pinned runs, KPI changes, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.lab.model import LabSession, LabValueError, kpi_value

ROOT = Path(__file__).resolve().parents[1]
LESSON2 = ROOT / "scenarios" / "teaching" / "2_bottleneck.yaml"


def test_a_control_change_gives_what_sim_run_gives() -> None:
    session = LabSession.open(LESSON2)
    assert session.controls["cells"].default == 12
    run = session.run({"cells": 35})
    expected = sim.run(LESSON2, set={"facilities.cells.capacity.t_per_day": 35})
    assert run.settings == {"facilities.cells.capacity.t_per_day": 35}
    assert run.kpis["fill_rate"] == expected.kpis["fill_rate"]
    assert run.kpis["production_t.magnet"] == expected.kpis["production_t"]["magnet"]
    made = run.series["magnets made"]
    assert list(made.columns) == ["date", "value"] and len(made) == 365
    assert made["value"].sum() == pytest.approx(expected.timeseries.query("entity == 'magnets' and variable == 'output_t'")["value"].sum())


def test_previous_and_pinned_runs_are_kept_and_deltas_measured_from_the_pinned() -> None:
    session = LabSession.open(LESSON2)
    first = session.run()
    assert session.deltas()["fill_rate"] is None  # nothing pinned yet
    session.pin()
    second = session.run({"cells": 35})
    assert session.previous is first and session.current is second and session.pinned is first
    third = session.run({"magnets": 80})  # the cells stay at 35
    assert session.previous is second and session.pinned is first
    assert third.settings == {"facilities.cells.capacity.t_per_day": 35, "facilities.magnets.capacity.t_per_day": 80}
    deltas = session.deltas()
    assert deltas["fill_rate"] == pytest.approx(third.kpis["fill_rate"] - first.kpis["fill_rate"])
    assert deltas["fill_rate"] > 0.3  # the cells were the bottleneck: 12 -> 30 t/day of magnets


def test_out_of_range_values_are_refused_and_leave_the_session_alone() -> None:
    session = LabSession.open(LESSON2)
    session.run()
    before = session.current
    with pytest.raises(LabValueError, match=r"Metal cells: 500 is outside the range 1 to 80"):
        session.run({"cells": 500})
    with pytest.raises(LabValueError, match="no control 'kiln'"):
        session.run({"kiln": 5})
    assert session.current is before and session.values["cells"] == 12


def test_a_scenario_without_a_lab_gets_capacity_and_demand_controls(tmp_path: Path) -> None:
    path = tmp_path / "no_lab.yaml"
    path.write_text(LESSON2.read_text().split("\nlab:")[0] + "\n")
    session = LabSession.open(path)
    paths = {v.control.path: v for v in session.controls.values()}
    assert set(paths) == {f"facilities.{f}.capacity.t_per_day" for f in ("mine", "separation", "cells", "alloying", "magnets")} | {
        "demand.buyers.t_per_day"}
    cells = paths["facilities.cells.capacity.t_per_day"]
    assert cells.default == 12 and cells.control.max == 36
    assert session.kpis == ["fill_rate", "delivered_t", "unmet_demand_t"]
    run = session.run({cells.id: 36})
    assert run.kpis["fill_rate"] == pytest.approx(sim.run(LESSON2, set={"facilities.cells.capacity.t_per_day": 36}).kpis["fill_rate"])
    assert set(run.series) == {"delivered (all demand)", "unmet (all demand)"}


def test_kpi_values_are_found_in_nested_kpis() -> None:
    kpis = {"fill_rate": 0.5, "bullwhip_ratio": {"market.magnet": 3.0}, "policies": {"r": {"released_t": 2}},
            "time_to_survive_days": {}}
    assert kpi_value(kpis, "fill_rate") == 0.5
    assert kpi_value(kpis, "bullwhip_ratio.market.magnet") == 3.0
    assert kpi_value(kpis, "policies.r.released_t") == 2.0
    assert kpi_value(kpis, "time_to_survive_days.usa") is None


def test_a_challenge_is_met_or_not_and_reset_goes_back_to_the_file() -> None:
    session = LabSession.open(LESSON2)
    assert session.challenge is not None and session.challenge_met() is None  # nothing ran yet
    session.run()
    assert session.challenge_met() is False  # 24% delivered
    session.run({"cells": 35, "magnets": 80})
    assert session.challenge_met() is True  # 60%: separation limits now
    first = session.reset()
    assert first.settings == {} and session.values["cells"] == 12 and session.challenge_met() is False


def test_the_settings_download_as_a_scenario_that_reesim_run_accepts(tmp_path: Path, capsys) -> None:
    from sim.cli import main

    session = LabSession.open(LESSON2)
    run = session.run({"cells": 35, "separation": 40})
    text = session.settings_yaml()
    saved = tmp_path / "handed_in.yaml"
    saved.write_text(text)
    assert sim.run(saved).kpis["fill_rate"] == pytest.approx(run.kpis["fill_rate"])  # the very run the page showed
    assert main(["run", str(saved), "--no-figures", "--out", str(tmp_path / "run")]) == 0
    assert "lesson2_bottleneck_lab" in capsys.readouterr().out
    # the block in the header, pasted into the lesson's file, gives the same run with --scenario lab
    block = "\n".join(line[4:] for line in text.splitlines() if line.startswith("#   "))
    pasted = tmp_path / "lesson2.yaml"
    pasted.write_text(LESSON2.read_text() + "\n" + block + "\n")
    assert sim.run(pasted, scenarios=["lab"]).kpis["fill_rate"] == pytest.approx(run.kpis["fill_rate"])


def test_kpi_cards_name_and_unit_their_kpis() -> None:
    from sim.lab.model import format_kpi, kpi_caption

    assert kpi_caption("utilisation_by_facility.cells") == ("utilisation: cells", "share")
    assert kpi_caption("fill_rate_by_region_material.usa.magnet") == ("fill rate: usa, magnet", "share")
    assert kpi_caption("price_usd_per_kg.ndpr.peak") == ("price: ndpr, peak", "USD/kg")
    assert kpi_caption("production_t.magnet") == ("production: magnet", "t")
    lesson5 = LabSession.open(ROOT / "scenarios" / "teaching" / "5_shock_and_stockpile.yaml")
    assert lesson5.caption("policies.us_reserve.released_t") == ("us_reserve: released", "t")  # its kind declares the unit
    assert format_kpi(0.2403, "share") == "24.0%" and format_kpi(4380.2, "t") == "4,380 t" and format_kpi(None, "t") == "-"


def test_a_run_reports_its_progress_without_changing_its_numbers_and_stops_when_told() -> None:
    baseline = ROOT / "scenarios" / "baseline.yaml"
    heard: list[float] = []
    with_progress = sim.run(baseline, progress=heard.append)
    assert len(heard) >= 5 and heard == sorted(heard) and heard[0] > 0 and heard[-1] <= 1
    assert with_progress.kpis == sim.run(baseline).kpis

    class Stop(Exception):
        pass

    def stop_halfway(share: float) -> None:
        if share > 0.5:
            raise Stop

    with pytest.raises(Stop):
        sim.run(baseline, progress=stop_halfway)


LESSONS = ROOT / "scenarios" / "teaching"
SOLUTIONS = {
    "1_one_kiln": {"feed": 40},  # the kiln takes 40 t: more feed only piles up
    "2_bottleneck": {"cells": 35},  # past the cells, separation (30 t) limits
    "3_buffers_and_lead_times": {"buffer": 50, "slowest": 45},  # a shorter tail instead of more buffer
    "4_bullwhip": {"smoothing_distributor": 0.1},  # a calmer forecast upstream (less cover would starve buyers)
    "5_shock_and_stockpile": {"stockpile": 4000},  # 120 days at 40 t a day, less the shelf
    "6_western_answer": {"build": 730, "ramp_up": 180},  # a quick ramp-up makes up for the build
    "7_price_feedback": {"step": 0.2, "review": 7},  # a quicker producer
}
"""One way to meet each lesson's challenge with its controls."""


@pytest.mark.parametrize("lesson", sorted(SOLUTIONS))
def test_each_lessons_challenge_is_unmet_at_the_files_values_and_reachable_with_its_controls(lesson: str) -> None:
    session = LabSession.open(LESSONS / f"{lesson}.yaml")
    assert session.challenge is not None
    session.run()
    met, missing = session.challenge_status()
    assert met is False and missing  # the page says what is still missing
    session.run(SOLUTIONS[lesson])
    assert session.challenge_status() == (True, [])


def test_a_challenge_counts_only_within_its_limits() -> None:
    session = LabSession.open(LESSONS / "3_buffers_and_lead_times.yaml")
    session.run({"buffer": 70})  # enough buffer, but more than the challenge allows
    assert session.current is not None and session.current.kpis["fill_rate_by_region_material.usa.magnet"] > 0.99
    assert session.challenge_status() == (False, ["Buffer (target cover) is 70 days, needs at most 50"])
    lesson5 = LabSession.open(LESSONS / "5_shock_and_stockpile.yaml")
    lesson5.run({"ban": 30})  # a short ban is no test of the stockpile
    met, missing = lesson5.challenge_status()
    assert not met and "Ban length is 30 days, needs at least 120" in missing


def test_lesson4s_bullwhip_grows_with_the_cover_and_a_starving_cut_does_not_count() -> None:
    session = LabSession.open(LESSONS / "4_bullwhip.yaml")
    ratios = [session.run({"cover": cover}).kpis["bullwhip_ratio.distributor.magnet"] for cover in (28, 42, 84)]
    assert ratios == sorted(ratios) and ratios[-1] > 1.5 * ratios[0]  # each forecast change moves cover x change
    session.run({"cover": 21})  # calm orders, starved buyers
    assert session.current is not None and session.current.kpis["bullwhip_ratio.distributor.magnet"] < 20
    assert session.challenge_status() == (False, ["Distributor's target cover is 21 days, needs at least 42"])
