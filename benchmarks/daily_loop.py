"""A plain-Python daily loop over the same facilities, links, stocks and demand as the SimPy engine.

It is the yardstick of benchmarks/run.py: the cheapest honest way to compute the same flows
(one step a day, no event queue), so the engine's cost can be stated as a multiple of it.
Simplifications: outages are drawn as up/down spells of whole days, lead times are rounded to
whole days, and orders are reviewed on the same days as in the engine.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from sim.scenario.schema import Scenario


def run_daily_loop(sc: Scenario) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(sc.meta.seed)
    warmup, horizon = sc.meta.warmup_days, sc.meta.horizon_days
    days = warmup + horizon
    stock: dict[tuple[str, str], float] = defaultdict(float)
    for site, per_site in sc.stocks.items():
        for mat, spec in per_site.items():
            stock[(site, mat)] = spec.initial_t

    # facilities: inputs, outputs (after yield), activity per day, up-days mask, ramp
    facs = []
    for spec in sc.facilities.values():
        r = spec.recipe
        if r.products:
            feed = next(iter(r.inputs))
            outs = sc.ore_bodies[sc.materials[feed].ore_body].split(r.products, sc.materials)
        else:
            outs = dict(r.outputs)
        ins = [((spec.site, m), c) for m, c in r.inputs.items()]
        outs_l = [((spec.site, m), c * spec.yield_) for m, c in outs.items() if c > 0]
        if spec.capacity.basis == "input" and ins:
            per = ins[0][1]
        elif r.products:
            per = sum(c for _, c in outs_l)
        else:
            per = outs_l[0][1]
        up = np.ones(days, dtype=bool)
        if spec.outages is not None:
            t = 0.0
            while t < days:
                t += rng.exponential(spec.outages.mtbf_days)
                d = rng.exponential(spec.outages.mttr_days)
                up[int(t): int(math.ceil(t + d))] = False
                t += d
        start, ramp, frac = 0, 0.0, 1.0
        if spec.commissioning is not None:
            start = (spec.commissioning.date - sc.meta.start_date).days + warmup
            ramp, frac = spec.commissioning.ramp_up_days, spec.commissioning.start_fraction
        facs.append((ins, outs_l, spec.capacity.per_day() / per, up.tolist(), start, ramp, frac))

    push: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
    reserved = defaultdict(float)  # (link index, material)
    links = list(sc.links.values())
    for i, ls in enumerate(links):
        if ls.mode == "push":
            for m in ls.materials:
                push[(ls.from_, m)].append((i, ls.share_of(m)))
    backlog = defaultdict(float)
    arrivals: dict[int, list[tuple[tuple[str, str], float]]] = defaultdict(list)
    lead = [max(int(round(ls.lead_time_days.mean())), 0) for ls in links]

    def put(key, amount):
        rest = amount
        for i, share in push.get(key, ()):
            reserved[(i, key[1])] += amount * share
            rest -= amount * share
        stock[key] += rest

    reviews = []
    for site, per_site in sc.stocks.items():
        for mat, spec in per_site.items():
            if spec.replenishment is not None:
                inbound = [i for i, ls in enumerate(links) if ls.mode == "pull" and ls.to == site and mat in ls.materials]
                if inbound:
                    forecast = spec.replenishment.forecast_t_per_day or sum(
                        d.t_per_day for d in sc.demand.values() if (d.site, d.material) == (site, mat))
                    reviews.append(((site, mat), spec, inbound, forecast))
    demands = [((d.site, d.material), d.t_per_day, 1 + d.growth_pct_per_year / 100, d.noise_cv) for d in sc.demand.values()]
    noise = rng.standard_normal((days, len(demands))).tolist()

    out_fac = np.zeros((len(facs), days))
    out_ship = np.zeros((len(links), days))
    out_dem = np.zeros((len(demands), 3, days))
    level_keys = sorted(set(stock) | {(f.site, m) for f in sc.facilities.values() for m in f.recipe.outputs})
    out_level = np.zeros((len(level_keys), days))
    for day in range(days):
        for key, amount in arrivals.pop(day, ()):
            put(key, amount)
        for j, (ins, outs, rate, up, start, ramp, frac) in enumerate(facs):
            if day < start or not up[day]:
                continue
            f = 1.0 if ramp <= 0 or day - start >= ramp else frac + (1 - frac) * (day - start) / ramp
            act = rate * f
            for key, c in ins:
                act = min(act, stock[key] / c)
            if act <= 0:
                continue
            for key, c in ins:
                stock[key] -= act * c
            for key, c in outs:
                put(key, act * c)
            out_fac[j, day] = act
        for i, ls in enumerate(links):
            for m in ls.materials:
                key = (ls.from_, m)
                if ls.mode == "push":
                    amount = reserved[(i, m)]
                    reserved[(i, m)] = 0.0
                else:
                    amount = min(backlog[(i, m)], stock[key])
                    backlog[(i, m)] -= amount
                    stock[key] -= amount
                if ls.capacity_t_per_day is not None and amount > ls.capacity_t_per_day:
                    back = amount - ls.capacity_t_per_day
                    amount = ls.capacity_t_per_day
                    if ls.mode == "push":
                        reserved[(i, m)] += back
                    else:
                        backlog[(i, m)] += back
                        stock[key] += back
                if amount > 0:
                    arrivals[day + lead[i]].append(((ls.to, m), amount))
                    out_ship[i, day] += amount
        for k, (key, base, growth, cv) in enumerate(demands):
            want = base * growth ** ((day - warmup) / 365) * max(1 + cv * noise[day][k], 0.0)
            got = min(want, stock[key])
            stock[key] -= got
            out_dem[k, 0, day], out_dem[k, 1, day], out_dem[k, 2, day] = want, got, want - got
        for key, spec, inbound, forecast in reviews:
            if day % int(spec.replenishment.review_days) == 0:
                target = forecast * (spec.target_cover_days or 0.0)
                on_order = sum(backlog[(i, key[1])] for i in inbound)
                qty = target - stock[key] - on_order
                if qty > 0:
                    for i in inbound:
                        backlog[(i, key[1])] += qty / len(inbound)
        out_level[:, day] = [stock[k] for k in level_keys]
    return {"facility_activity": out_fac[:, warmup:], "shipped": out_ship[:, warmup:],
            "demand": out_dem[:, :, warmup:], "levels": out_level[:, warmup:]}
