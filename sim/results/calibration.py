"""Compare a run with the figures it is calibrated to: the source articles' facility figures
(``seeds/article_figures.csv``) and the public stage figures (``seeds/public_figures.csv``)."""

from __future__ import annotations

import csv
from dataclasses import dataclass

from ..scenario.catalog import SEEDS_DIR
from .result import Result

PIECE_MASS_T = 0.010  # seeds/assumptions.csv huaxing_piece_mass
RAMPED_TAIL_DAYS = 90


@dataclass(frozen=True)
class Check:
    id: str
    target: float
    modelled: float
    tolerance: float  # relative (0.02) or absolute points (5.0) - see ``absolute``
    absolute: bool
    unit: str
    source: str

    @property
    def ok(self) -> bool:
        if self.absolute:
            return abs(self.modelled - self.target) <= self.tolerance
        return abs(self.modelled - self.target) <= self.tolerance * abs(self.target)


def _rows(name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _per_day(result: Result, entity: str, variable: str, tail: int | None = None) -> float:
    ts = result.timeseries
    sel = ts[(ts["entity"] == entity) & (ts["variable"] == variable)]
    days = int(ts["day"].max()) + 1
    if tail is not None:
        sel = sel[sel["day"] >= days - tail]
        days = tail
    return float(sel["value"].sum()) / days


def article_checks(result: Result, tolerance: float = 0.02) -> list[Check]:
    """Each article figure that the model represents, against what the run produced."""
    scenario = result.scenario_data
    checks = []
    for row in _rows("article_figures.csv"):
        kind, _, name = row["entity"].partition(".")
        if not name or row["check"] in ("none", "calibration"):
            continue
        section = scenario.get(kind, {})
        if name not in section:
            continue
        spec = section[name]
        check = row["check"]
        if check in ("input_t_per_day", "input_t_per_year"):
            value = _per_day(result, name, "throughput_t")
        elif check in ("output_t_per_day",):
            value = _per_day(result, name, "output_t")
        elif check == "output_t_per_year_after_ramp":
            value = _per_day(result, name, "output_t", tail=RAMPED_TAIL_DAYS)
        elif check == "pieces_per_day":
            value = _per_day(result, name, "output_t") / PIECE_MASS_T
        elif check == "shipped_t_per_day":
            value = _per_day(result, name, "shipped_t")
        elif check == "lots_per_day":
            value = _per_day(result, name, "shipped_t") / spec["shipment_t"]
        elif check == "units":
            value = float(spec["capacity"]["units"])
        else:
            raise ValueError(f"unknown check {check!r} in article_figures.csv")
        if check.endswith("per_year") or check.endswith("per_year_after_ramp"):
            value *= 365
        checks.append(Check(row["id"], float(row["value"]), value, tolerance, False, row["unit"], row["article"]))
    return checks


def public_checks(result: Result) -> list[Check]:
    """World mine output and China's stage shares against the public calibration targets."""
    k = result.kpis
    modelled = {
        "world_mine_production": k["production_t"]["mining"] * 365 / result.run["horizon_days"],
        "china_share_mining": 100 * k["share_china"]["mining"],
        "china_share_separation": 100 * k["share_china"]["separation"],
        "china_share_magnet": 100 * k["share_china"]["magnet"],
        "china_smco_output": _made(result, "smco_magnet") * 365 / result.run["horizon_days"],
    }
    checks = []
    for row in _rows("public_figures.csv"):
        if row["role"] != "calibration target":
            continue
        tol = row["tolerance"]
        absolute = tol.endswith("points")
        tolerance = float(tol.split()[0]) if absolute else float(tol.rstrip("%")) / 100
        checks.append(Check(row["id"], float(row["value"]), modelled[row["id"]], tolerance, absolute, row["unit"], row["source"]))
    return checks


def _made(result: Result, material: str) -> float:
    """Tonnes of a material made over the run, by every plant."""
    ts = result.timeseries
    return float(ts.loc[(ts["variable"] == "produced_t") & (ts["material"] == material), "value"].sum())
