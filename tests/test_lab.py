"""The lab's session logic, without a browser: runs, previous and pinned runs, KPI changes, refusals."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import sim
import sim.scenario
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
    from sim.lab.model import kpi_caption

    assert kpi_caption("utilisation_by_facility.cells") == ("utilisation: cells", "share")
    assert kpi_caption("fill_rate_by_region_material.usa.magnet") == ("fill rate: usa, magnet", "share")
    assert kpi_caption("price_usd_per_kg.ndpr.peak") == ("price: ndpr, peak", "USD/kg")
    assert kpi_caption("production_t.magnet") == ("production: magnet", "t")
    lesson5 = LabSession.open(ROOT / "scenarios" / "teaching" / "5_shock_and_stockpile.yaml")
    assert lesson5.caption("policies.us_reserve.released_t") == ("us_reserve: released", "t")  # its kind declares the unit


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
    "1_one_kiln": {"demand": 25, "kiln": 60, "feed": 60},  # 25 t of oxide needs 56 t through the kiln, and that much feed
    "2_bottleneck": {"cells": 35},  # past the cells, separation (30 t) limits
    "3_buffers_and_lead_times": {"buffer": 50, "slowest": 45},  # a shorter tail instead of more buffer
    "4_bullwhip": {"smoothing_distributor": 0.1},  # a calmer forecast upstream (less cover would starve buyers)
    "5_shock_and_stockpile": {"stockpile": 4000},  # 120 days at 40 t a day, less the shelf
    "6_western_answer": {"build": 730, "ramp_up": 180},  # a quick ramp-up makes up for the build
    "7_price_feedback": {"step": 0.3, "review": 7},  # a quicker, firmer producer
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
    assert session.challenge_status() == (False, ["Buffer (target cover) is 70 days, needs at most 50 days"])
    lesson5 = LabSession.open(LESSONS / "5_shock_and_stockpile.yaml")
    lesson5.run({"ban": 30})  # a short ban is no test of the stockpile
    met, missing = lesson5.challenge_status()
    assert not met and "Ban length is 30 days, needs at least 120 days" in missing


def test_lesson4s_bullwhip_grows_with_the_cover_and_a_starving_cut_does_not_count() -> None:
    session = LabSession.open(LESSONS / "4_bullwhip.yaml")
    ratios = [session.run({"cover": cover}).kpis["bullwhip_ratio.distributor.magnet"] for cover in (28, 42, 84)]
    assert ratios == sorted(ratios) and ratios[-1] > 1.5 * ratios[0]  # each forecast change moves cover x change
    session.run({"cover": 21})  # calm orders, starved buyers
    assert session.current is not None and session.current.kpis["bullwhip_ratio.distributor.magnet"] < 20
    assert session.challenge_status() == (False, ["Distributor's target cover is 21 days, needs at least 42 days"])


def test_lesson1s_challenge_needs_more_than_trimming_the_feed() -> None:
    session = LabSession.open(LESSONS / "1_one_kiln.yaml")
    first = session.run()
    trimmed = session.run({"feed": 40})  # the first move a student tries: the kiln takes 40 t anyway
    assert trimmed.kpis["fill_rate"] == pytest.approx(first.kpis["fill_rate"])
    assert session.challenge_met() is False
    session.run({"demand": 25})  # the goal set, nothing grown: the kiln limits
    met, missing = session.challenge_status()
    assert not met and any(m.startswith("fill rate is ") for m in missing)


def test_lesson7s_challenge_is_judged_on_the_state_the_run_settles_into() -> None:
    session = LabSession.open(LESSONS / "7_price_feedback.yaml")
    challenge = session.challenge
    assert challenge is not None and challenge.last_days and challenge.hold
    # a slow, timid producer: the price keeps climbing and the buyers' cover runs down as the run ends
    run = session.run({"step": 0.02, "review": 56, "elasticity": 3})
    met, missing = session.challenge_status()
    assert not met and all(f"over the last {challenge.last_days} days" in m for m in missing)
    price = run.series["NdPr price"]
    last = price[price["date"] > price["date"].max() - pd.Timedelta(days=challenge.last_days)]["value"]
    assert run.judged is not None and run.judged.kpi == pytest.approx(last.max())  # the peak of the last days only
    cover = run.series["cover"]["value"].iloc[-challenge.last_days:]
    assert run.judged.holds == [pytest.approx((cover.min(), cover.max()))]


def test_a_held_series_out_of_its_bounds_fails_the_challenge_on_its_own() -> None:
    session = LabSession.open(LESSONS / "7_price_feedback.yaml")
    challenge = session.challenge
    assert challenge is not None
    run = session.run({"step": 0.1, "review": 7, "elasticity": 2})  # a low peak, but the buyers' cover runs thin
    assert run.judged is not None and run.judged.kpi < challenge.below and run.judged.holds[0][0] < challenge.hold[0].min
    met, missing = session.challenge_status()
    assert not met and len(missing) == 1 and missing[0].startswith("buyers' cover over the last 730 days falls to ")


def test_the_download_runs_from_anywhere_and_names_no_machines_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session = LabSession.open(LESSONS / "1_one_kiln.yaml")
    run = session.run({"demand": 25, "kiln": 60})
    text = session.settings_yaml()
    assert str(ROOT) not in text and ".." not in text.splitlines()[0]
    assert "scenarios/teaching/1_one_kiln.yaml" in text.splitlines()[1]  # the lesson, named from the project's root
    elsewhere = tmp_path / "inbox" / "student" / session.settings_filename
    elsewhere.parent.mkdir(parents=True)
    elsewhere.write_text(text)
    monkeypatch.chdir(tmp_path)  # another folder, on another machine as far as the file knows
    handed_in = sim.run(Path("inbox/student") / session.settings_filename)
    assert handed_in.kpis["fill_rate"] == pytest.approx(run.kpis["fill_rate"])
    assert LabSession.open(elsewhere).controls  # and it opens in the lab


def test_a_file_without_a_lab_offers_its_policies_and_a_short_list_of_inputs() -> None:
    from sim.lab.defaults import MOST_INPUTS
    from sim.scenario.loader import read_scenario_data, validate_scenario

    path = ROOT / "scenarios" / "stockpile_release.yaml"
    session = LabSession.open(path)
    paths = {v.control.path: v for v in session.controls.values()}
    reserve = {f"policies.us_magnet_reserve.{k}" for k in ("enabled", "size_t", "initial_t", "release_t_per_day")}
    assert reserve <= set(paths) and "policies.licensing_2025.start" in paths
    inputs = [p for p in paths if not p.startswith("policies.")]
    assert 0 < len(inputs) <= MOST_INPUTS
    sc = session.loaded.scenario
    us_magnet_demand = {f"demand.{d}.t_per_day" for d, spec in sc.demand.items()
                        if spec.material == "ndfeb_magnet" and sc.sites[spec.site].region == "usa"}
    assert us_magnet_demand & set(inputs)  # the reserve's own region and material come first
    data, positions = read_scenario_data(path)
    for view in session.controls.values():  # either end runs, or is refused saying why (a reserve smaller than it holds)
        ends = view.control.values or (view.control.min, view.control.max)
        for value in ends:
            try:
                validate_scenario(data, positions, path, (), [(view.control.path, value)])
            except sim.scenario.InputError as exc:
                assert view.control.path.rsplit(".", 1)[-1] in str(exc), (view.control.path, value, str(exc))


def test_the_ban_dates_of_a_file_without_a_lab_can_be_moved_and_downloaded(tmp_path: Path) -> None:
    import datetime as dt

    session = LabSession.open(ROOT / "scenarios" / "export_ban_heavy.yaml")
    end = session.controls["policies.heavy_ban.end"]
    assert end.is_date and end.default == dt.date(2026, 4, 1)
    with pytest.raises(LabValueError, match="expected a date"):
        end.check(dt.date(2030, 1, 1))
    session.values["policies.heavy_ban.end"] = dt.date(2025, 10, 1)  # as a moved date picker leaves it
    saved = tmp_path / "ban.yaml"
    saved.write_text(session.settings_yaml())
    assert sim.scenario.load_scenario(saved).scenario.policies["heavy_ban"].end == dt.date(2025, 10, 1)


def test_numbers_read_as_numbers() -> None:
    from sim.lab.numbers import format_change, format_value

    assert format_value(4380.2, "t") == "4,380 t" and format_value(0.2403, "share") == "24.0%"
    assert format_value(None, "t") == "-" and format_value(174.445, "USD/kg") == "174 USD/kg"
    assert format_value(0.251) == "0.251" and format_value(99.96) == "100" and format_value(123456.7, "t") == "123,457 t"
    assert format_change(-3.47e-10, "t", scale=4380) == "0 t"  # floating noise on 4,380 t is no change
    assert format_change(-0.5, "t", scale=4380) == "-0.500 t"  # a real change is shown, however small against the whole
    assert format_change(0.36, "share") == "+36.0 points" and format_change(25, "USD/kg") == "+25.0 USD/kg"
    assert format_value(80, typed=True) == "80" and format_value(0.45, "t/t", typed=True) == "0.45 t/t"


@pytest.mark.parametrize(("low", "high", "value"), [(365, 1825, 730), (0, 175.3, 58.4325), (0, 9000, 3000), (0, 1, 0.98),
                                                    (0.5, 36, 12)])
def test_sliders_step_in_numbers_a_person_would_type_and_land_on_the_files_value(low, high, value) -> None:
    import math

    from sim.scenario.lab import nice_step, on_grid

    step = nice_step(low, high, value)
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 9) in (1, 2, 2.5, 5) and 20 <= (high - low) / step <= 500
    assert on_grid(value, low, step) or not any(on_grid(value, low, s * step) for s in (0.1, 0.2, 0.5))


def test_a_value_that_rounds_to_its_mark_is_shown_with_the_figures_that_tell_them_apart():
    from sim.lab.numbers import format_value

    assert format_value(100.3, "USD/kg") == format_value(100, "USD/kg", typed=True) == "100 USD/kg"
    assert format_value(100.3, "USD/kg", significant=6) == "100.300 USD/kg"
    assert format_value(0.98049, "share", significant=6) == "98.0490%"
