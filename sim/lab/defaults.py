"""Controls for a scenario without a ``lab:`` section: its policies' settings and a short list of
the inputs most likely to matter (what the policies name, and the plants, stocks and demand of the
materials they cover), rather than every capacity of a world of a hundred plants."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from annotated_types import Gt

from ..scenario.lab import Control, nice_step
from ..scenario.loader import LoadedScenario
from .controls import ControlView, DateControl
from .numbers import UNITS, unit_of

MOST_INPUTS = 12
"""How many inputs besides the policies' own settings a scenario without a lab offers."""
MOST_DEMANDS = 4
"""Of those, how many are demands (the rest plants and stocks)."""
CAPACITY_KEYS = (("t_per_day", "t/day"), ("t_per_year", "t/year"), ("t_per_unit_per_day", "t/unit/day"))
SHARES = ("probability", "share", "fraction", "below", "above")
"""Settings named so are shares (0 to 1) when their value is one."""
SKIP = ("kind", "note", "in_warmup")


def default_controls(loaded: LoadedScenario, written: dict) -> dict[str, ControlView]:
    """The policies' settings (as ``written``: the file with its parents), then at most
    `MOST_INPUTS` inputs: plants the policies name, demand for and plants making what they cover."""
    out = {view.id: view for view in policy_controls(loaded, written)}
    for view in influential_inputs(loaded)[:MOST_INPUTS]:
        out.setdefault(view.id, view)
    return out


def policy_controls(loaded: LoadedScenario, written: dict) -> Iterator[ControlView]:
    """Each policy in force or not, its dates, and each number it sets (one level into a mapping)."""
    sc = loaded.scenario
    first = sc.meta.start_date
    last = first + dt.timedelta(days=sc.meta.horizon_days)
    policies = written.get("policies") or {}
    for pid, spec in sc.policies.items():
        data = policies.get(pid) or {}
        yield ControlView(f"policies.{pid}.enabled", Control(path=f"policies.{pid}.enabled", label=f"{pid}: in force",
                                                    values=[True, False]), True)
        for keys, value in _settings(data):
            path = ".".join(("policies", pid, *keys))
            label = f"{pid}: " + " ".join(_plain(k) for k in keys)
            if isinstance(value, dt.date):
                yield ControlView(path, DateControl(path, label, min(first, value), max(last, value)), value)
            else:
                control = _number_control(path, label, keys[-1], value, _positive(type(spec), keys))
                if control is not None:
                    yield ControlView(path, control, value)


def _settings(data: dict, keys: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    for key, value in data.items():
        if key in SKIP or key == "enabled":
            continue
        if isinstance(value, dict) and not keys and "dist" not in value:
            yield from _settings(value, (key,))
        elif isinstance(value, dt.date) or (isinstance(value, int | float) and not isinstance(value, bool)):
            yield (*keys, key), value


def _plain(key: str) -> str:
    """A setting's name without its unit ('release_t_per_day' -> 'release')."""
    unit = unit_of(key)
    ending = next(e for e, u in UNITS if u == unit) if unit else ""
    return key.removesuffix(ending).replace("_", " ")


def _positive(spec_type: type, keys: tuple[str, ...]) -> bool:
    """Whether the policy kind's schema wants the setting above zero."""
    field = getattr(spec_type, "model_fields", {}).get(keys[0]) if len(keys) == 1 else None
    return field is not None and any(isinstance(m, Gt) for m in field.metadata)


def _number_control(path: str, label: str, key: str, value: float, positive: bool) -> Control | None:
    share = 0 <= value <= 1 and any(word in key for word in SHARES)
    if not share and value <= 0:
        return None  # no scale to offer it on
    high = 1.0 if share else 3.0 * value
    step = nice_step(0, high, value)
    if isinstance(value, int) and step < 1:
        step = 1.0
    unit = "" if share else unit_of(key)
    return Control(path=path, label=label, min=step if positive else 0, max=high, step=step, unit=unit)


def influential_inputs(loaded: LoadedScenario) -> list[ControlView]:
    """Capacities, stocks and demands, most telling first: plants the policies name; then, of the
    materials they cover, demand, plants and stocks in the regions they name; then plants making
    those materials elsewhere (largest first). Without policies, the largest plants and demands."""
    sc = loaded.scenario
    facilities, materials, regions = _named(loaded)
    covers = (lambda m: m in materials) if materials else (lambda m: True)  # noqa: E731
    region_of = {sid: site.region for sid, site in sc.sites.items()}
    ranked: list[tuple[tuple[int, float], ControlView | None]] = []
    for fid, f in sc.facilities.items():
        if fid in facilities or any(covers(m) for m in f.recipe.outputs):
            tier = 0 if fid in facilities else 2 if region_of.get(f.site) in regions else 4
            ranked.append(((tier, -_capacity(f)[1]), _capacity_view(fid, f)))
    for did, d in sc.demand.items():
        if covers(d.material):
            ranked.append(((1 if region_of.get(d.site) in regions else 5, -d.t_per_day), _demand_view(did, d.t_per_day)))
    for site, stocks in sc.stocks.items():
        for material, stock in stocks.items():
            if covers(material) and region_of.get(site) in regions and stock.initial_t:
                ranked.append(((3, -stock.initial_t), _stock_view(site, material, stock.initial_t)))
    views = [view for _, view in sorted(ranked, key=lambda r: r[0]) if view is not None]
    demands = [v for v in views if v.id.endswith("_demand")][:MOST_DEMANDS]
    return [v for v in views if not v.id.endswith("_demand") or v in demands]


def _named(loaded: LoadedScenario) -> tuple[set[str], set[str], set[str]]:
    """The facilities the policies name, the materials they cover (named, by element, or a
    market's) and the regions they act for (named, or a named site's; not the exporter's)."""
    sc = loaded.scenario
    facilities: set[str] = set()
    materials: set[str] = set()
    regions: set[str] = set()
    for spec in sc.policies.values():
        for key, value in spec.model_dump().items():
            names = [value] if isinstance(value, str) else list(value) if isinstance(value, list | tuple) else []
            names = [n for n in names if isinstance(n, str)]
            if key.startswith(("exempt", "from")):
                continue
            facilities |= {n for n in names if n in sc.facilities}
            materials |= {n for n in names if n in sc.materials}
            regions |= {n for n in names if n in sc.regions} | {sc.sites[n].region for n in names if n in sc.sites}
            if key == "elements":
                materials |= {m for m, spec_m in sc.materials.items() if set(spec_m.elements) & set(names)}
            if key == "market" and isinstance(value, str) and value in sc.markets:
                materials.add(sc.markets[value].material)
    return facilities, materials, regions


def _capacity(facility: Any) -> tuple[str | None, float, str]:
    cap = facility.capacity
    key, unit = next(((k, u) for k, u in CAPACITY_KEYS if getattr(cap, k, None)), (None, ""))
    return key, (getattr(cap, key) if key else 0.0), unit


def _capacity_view(fid: str, facility: Any) -> ControlView | None:
    key, value, unit = _capacity(facility)
    if key is None or not value:
        return None
    high = 3 * value
    step = nice_step(0, high, value)
    # a capacity must stay above zero: the slider starts one step up
    return ControlView(f"{fid}_capacity", Control(path=f"facilities.{fid}.capacity.{key}", label=f"{fid} capacity",
                                                  min=step, max=high, step=step, unit=unit), value)


def _demand_view(did: str, value: float) -> ControlView:
    high = 3 * value or 1.0
    return ControlView(f"{did}_demand", Control(path=f"demand.{did}.t_per_day", label=f"{did} demand", min=0,
                                                max=high, step=nice_step(0, high, value), unit="t/day"), value)


def _stock_view(site: str, material: str, value: float) -> ControlView:
    high = 3 * value
    return ControlView(f"{site}_{material}_stock", Control(
        path=f"stocks.{site}.{material}.initial_t", label=f"{site} {material} stock at the start", min=0, max=high,
        step=nice_step(0, high, value), unit="t"), value)
