"""The two sides of `reesim compare`: scenario files (run here, with overrides, on common random
numbers) or run folders (read back), checked to cover the same period before anything runs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .scenario import InputError, Issue, Mark
from .scenario.loader import LoadedScenario, read_scenario_data, validate_scenario
from .scenario.yamlio import Positions

if TYPE_CHECKING:
    from .results.window import Window


@dataclass
class Side:
    """One side: a scenario file with its overrides, or a finished run folder."""

    label: str
    source: str
    overrides: list[str]
    blocks: list[str] = field(default_factory=list)
    loaded: LoadedScenario | None = None
    folder_result: Any = None  # a Result read from a run folder
    data: dict | None = None  # the file as read, to validate again on another seed
    positions: Positions | None = None

    def on_seed(self, seed: int) -> LoadedScenario:
        """The side's scenario run on ``seed`` (validated again only when that is not its own)."""
        assert self.loaded is not None and self.data is not None and self.positions is not None
        if seed == self.loaded.scenario.meta.seed:
            return self.loaded
        return validate_scenario(self.data, self.positions, Path(self.source), self.overrides, [("meta.seed", seed)], self.blocks)

    @property
    def name(self) -> str:
        if self.loaded is not None:
            return self.loaded.scenario.meta.name
        return str(self.folder_result.run.get("scenario", Path(self.source).name))

    @property
    def period(self) -> tuple[dt.date, dt.date]:
        if self.loaded is not None:
            meta = self.loaded.scenario.meta
            return meta.start_date, meta.start_date + dt.timedelta(days=meta.horizon_days - 1)
        from .results.compare import period

        return period(self.folder_result)


def side_labels(sides: list[Side], common: list[str], common_blocks: list[str]) -> list[str]:
    """Each side's name with what is its own (its ``--set-a``/``--scenario-a``, not what both
    sides share), so that two sides of one file read apart; with nothing apart, "A: name"."""
    labels = []
    for side in sides:
        own = [f"--scenario {b}" for b in side.blocks if b not in common_blocks]
        own += [o for o in side.overrides if o not in common]
        labels.append(side.name + (f" with {', '.join(own)}" if own else ""))
    if labels[0] == labels[1]:
        labels = [f"{side.label}: {label}" for side, label in zip(sides, labels, strict=True)]
    return labels


@dataclass
class Compared:
    """Each side's KPIs by replication, each side's first run (for the figures), and notes on how
    they were compared."""

    kpis: tuple[list[dict[str, Any]], list[dict[str, Any]]]
    first: tuple[Any, Any]
    notes: list[str] = field(default_factory=list)


def load_side(label: str, source: str, overrides: list[str], replications: int, blocks: list[str] | None = None) -> Side:
    """Load (and check) one side without running it."""
    path = Path(source)
    if path.is_dir():
        from .results import read_run_folder

        if overrides or blocks:
            raise InputError([Issue(Mark(source), f"--set-{label.lower()}", "a run folder is a finished run; "
                                    "--set and --scenario apply to scenario files (give the scenario file instead)")])
        if replications > 1:
            raise InputError([Issue(Mark(source), "--replications", "a run folder is one run; give its scenario "
                                    "file to run replications")])
        return Side(label, source, overrides, folder_result=read_run_folder(path))
    data, positions = read_scenario_data(source)
    loaded = validate_scenario(data, positions, path, overrides, (), blocks or [])
    return Side(label, source, overrides, list(blocks or []), loaded=loaded, data=data, positions=positions)


def _describe(side: Side) -> str:
    first, last = side.period
    return f"{side.label} covers {first} to {last} ({(last - first).days + 1:,} days)"


def _period_hint(sides: list[Side]) -> str:
    """How to give two sides the same days: the settings that make a scenario-file side cover
    the other's (B follows A when both are files); run folders are finished and cannot."""
    files = [side for side in sides if side.loaded is not None]
    if not files:
        return ("both are run folders, finished over their own days: run one's scenario file over the other's days "
                "(reesim run FILE --set meta.start_date=... --set meta.horizon_days=...) and compare that folder")
    follower = files[-1]
    leader = sides[0] if follower is sides[1] else sides[1]
    (f0, f1), (l0, l1) = follower.period, leader.period
    flag = f"--set-{follower.label.lower()}"
    changes = ([f"{flag} meta.start_date={l0}"] if f0 != l0 else []) + ([f"{flag} meta.horizon_days={(l1 - l0).days + 1}"]
                                                                     if (f1 - f0) != (l1 - l0) else [])
    return f"make {follower.label} cover {leader.label}'s days with {' '.join(changes)}"


def common_period(sides: list[Side], align: bool) -> tuple[dt.date, dt.date] | None:
    """None when both cover the same days; the days both cover with ``align``; else an error."""
    (a0, a1), (b0, b1) = sides[0].period, sides[1].period
    if (a0, a1) == (b0, b1):
        return None
    if not align:
        raise InputError([Issue(Mark("A/B"), "", f"{_describe(sides[0])}, {_describe(sides[1])}: KPIs over different "
                                f"periods do not compare; {_period_hint(sides)}, or add --align to compare the days both cover")])
    first, last = max(a0, b0), min(a1, b1)
    if first > last:
        raise InputError([Issue(Mark("A/B"), "--align", f"{_describe(sides[0])}, {_describe(sides[1])}: no day in common")])
    return first, last


def seeds(sides: list[Side], replications: int, seed: int | None) -> list[int]:
    """One seed per replication, shared by both sides (common random numbers)."""
    from .sweep.tasks import run_seed

    folders = [s.folder_result for s in sides if s.folder_result is not None]
    files = [s.loaded for s in sides if s.loaded is not None]
    if seed is not None:
        base = seed
    elif folders:  # a file compared with a finished run runs on that run's seed
        base = int(folders[0].run.get("seed", 0))
    else:
        base = files[0].scenario.meta.seed
    return [base] if replications == 1 else [run_seed(base, i) for i in range(replications)]


def run_sides(sides: list[Side], replications: int, seed: int | None, align: bool, within: Window | None = None) -> Compared:
    """Run the scenario sides (replication i of each on the same seed) and take each run's KPIs,
    over the common period when aligning, and within ``within`` (a policy's span as it ran in
    A's first run)."""
    from . import run_loaded
    from .results.compare import kpis_within

    window = common_period(sides, align)
    shared = seeds(sides, replications, seed)
    notes = []
    if any(s.loaded is not None for s in sides):
        shown = ", ".join(str(s) for s in shared[:5]) + (f" ... ({len(shared)} in all)" if len(shared) > 5 else "")
        notes.append(f"seeds: {shown}, the same for A and B (common random numbers)")
    if window is not None:
        notes.append(f"aligned: KPIs over {window[0]} to {window[1]}, the days both cover (policies' own KPIs left out)")
    kpis: tuple[list[dict[str, Any]], list[dict[str, Any]]] = ([], [])
    first: list[Any] = [None, None]
    for i, side in enumerate(sides):
        if side.folder_result is not None:
            runs = [side.folder_result]
        else:
            runs = [run_loaded(side.on_seed(s), source=side.source) for s in shared]
        first[i] = runs[0]
        if within is not None and i == 0:
            window = _within(runs[0], within, window)
            notes.append(f"window: KPIs over {window[0]} to {window[1]} only (policies' own KPIs left out)")
        kpis[i].extend(kpis_within(r, *window) if window is not None else r.kpis for r in runs)
    return Compared(kpis, (first[0], first[1]), notes)


def _within(result: Any, within: Window, period: tuple[dt.date, dt.date] | None) -> tuple[dt.date, dt.date]:
    """A window's dates in a run, inside the period both sides cover; a window outside it is bad input."""
    from .results.window import WindowError, dates

    try:
        first, last, _ = dates(result, within)
    except WindowError as exc:
        raise InputError([Issue(Mark("--window"), "", str(exc))]) from None
    if period is not None:
        first, last = max(first, period[0]), min(last, period[1])
        if first > last:
            raise InputError([Issue(Mark("--window"), "", f"no day of the window lies in the days both sides cover ({period[0]} to {period[1]})")])
    return first, last


def reference_kpis(source: str, seed: int, period: tuple[dt.date, dt.date]) -> dict[str, Any]:
    """What a run is read against (``--against``): a run folder's KPIs, or a scenario file run on
    the same seed; it must cover the same days. Returns {"name", "source", "kpis"}."""
    days = [f"meta.start_date={period[0]}", f"meta.horizon_days={(period[1] - period[0]).days + 1}"]
    if not Path(source).is_dir():  # a scenario file is run over the run's own days: the reader means the same days
        side = load_side("reference", source, days, 1)
    else:
        side = load_side("reference", source, [], 1)
        if side.period != period:
            first, last = side.period
            raise InputError([Issue(Mark(source), "--against", f"this run folder covers {first} to {last}, the run {period[0]} "
                                    f"to {period[1]}: a reference must cover the same days; give its scenario file instead "
                                    f"(it is run over the run's days), or run it with --set {' --set '.join(days)}")])
    if side.folder_result is not None:
        return {"name": side.name, "source": source, "kpis": side.folder_result.kpis}
    from . import run_loaded

    return {"name": side.name, "source": source, "kpis": run_loaded(side.on_seed(seed)).kpis}
