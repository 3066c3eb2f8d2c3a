"""reesim beside SupplyNetPy 0.5.1 on the same six-node linear chain over 3,650 days (run by hand).

    python benchmarks/peer.py [--repeat 3] [--snp-python /tmp/snp/bin/python]

The chain: mine -> plant -> distributor -> wholesaler -> retailer -> daily demand, (s, S) stocks,
constant lead times of 2, 3, 2 and 1 days (benchmarks/peer_chain.yaml; SNP_MODEL below). Every
measurement is a fresh process, repetitions alternate reesim and SupplyNetPy, and each ratio is
taken within one repetition (median and minimum shown), with the load average before and after.
  simulation: reesim `simulate(scenario)` (the World built, the run, the daily series) against
    SupplyNetPy `simulate_sc_net(net, 3650, logging=False)` (the run and its network totals);
    imports excluded, and loading (reesim: `load_scenario`; SupplyNetPy: `create_sc_net`) timed apart.
  whole process: the wall time of `reesim run peer_chain.yaml --out DIR` (with and without
    figures) against the SupplyNetPy script as a subprocess (imports, build, simulate).
SupplyNetPy's logging is off twice over: `logging=False` on every node (each node's logger is
disabled, so its calls return at once) and `simulate_sc_net(..., logging=False)` (the library's
"sim_trace" logger muted, no handlers). Its messages are f-strings, still formatted at each call.
Both sides' bytecode is compiled first (pip compiled SupplyNetPy's at install; reesim's is compiled here).
SupplyNetPy lives in its own venv, never in reesim's; without it the SupplyNetPy columns are skipped.
Targets (issue 23): the simulation at most 0.2x SupplyNetPy's; the whole process at most its whole script.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from ratios import print_ratios  # noqa: E402

SCENARIO = ROOT / "benchmarks" / "peer_chain.yaml"
VENV_PY = ROOT / ".venv" / "bin" / "python"
REESIM_PY = str(VENV_PY) if VENV_PY.exists() else sys.executable
REESIM_CLI = str(Path(REESIM_PY).parent / "reesim")
SNP_INSTALL = "python -m venv /tmp/snp && /tmp/snp/bin/pip install supplynetpy==0.5.1"

SNP_MODEL = '''
import json, random, time
t_import = time.perf_counter()
import SupplyNetPy.Components as scm
T, q, rng = 3650, {"logging": False}, random.Random(1)
scm.set_seed(1)
t0 = time.perf_counter()
ore = scm.RawMaterial(ID="conc", name="concentrate", extraction_quantity=30, extraction_time=1, mining_cost=1, cost=2)
oxide = scm.Product(ID="oxide", name="mixed oxide", manufacturing_cost=5, manufacturing_time=1, sell_price=10,
                    raw_materials=[(ore, 1)], batch_size=30)
def site(ID, kind, cap, init, s, S, buy, sell):
    return {"ID": ID, "name": ID, "node_type": kind, "capacity": cap, "initial_level": init, "inventory_holding_cost": 0.01,
            "replenishment_policy": scm.SSReplenishment, "policy_param": {"s": s, "S": S, "period": 1},
            "product_sell_price": sell, "product_buy_price": buy, **q}
plant = site("plant", "manufacturer", 1500, 300, 450, 900, 0, 10)  # S = reesim max_t; s = 450 serves 99% (300: 94%)
plant.pop("product_buy_price"); plant["product"] = oxide
nodes = [{"ID": "mine", "name": "mine", "node_type": "supplier", "capacity": 3000, "initial_level": 1000,
          "inventory_holding_cost": 0.01, "raw_material": ore, **q}, plant,
         site("distributor", "distributor", 1200, 400, 200, 600, 10, 12),
         site("wholesaler", "warehouse", 800, 300, 120, 400, 12, 14),
         site("retailer", "retailer", 400, 150, 60, 200, 14, 16)]
chain = ["mine", "plant", "distributor", "wholesaler", "retailer"]
links = [{"ID": f"l{i}", "source": a, "sink": b, "cost": 1, "lead_time": lt}
         for i, (a, b, lt) in enumerate(zip(chain, chain[1:], (2, 3, 2, 1)))]
demands = [{"ID": "buyers", "name": "buyers", "order_arrival_model": 1, "demand_node": "retailer",
            "order_quantity_model": lambda: max(1, round(rng.gauss(20, 2))), **q}]
net = scm.create_sc_net(nodes=nodes, links=links, demands=demands)
t1 = time.perf_counter()
scm.simulate_sc_net(net, T, logging=False)
t2 = time.perf_counter()
env = net["env"]
wanted, got = net["demand_by_customers"][1], net["fulfillment_received_by_customers"][1]
print(json.dumps({"import_s": t0 - t_import, "load_s": t1 - t0, "sim_s": t2 - t1,
                  "events": next(env._eid) - len(env._queue), "fill": got / wanted}))
'''


def reesim_child() -> dict:
    """In this process: load the scenario, then time `simulate` alone."""
    sys.path.insert(0, str(ROOT))
    import pandas  # noqa: F401  loaded as in a run (it brings numpy.random, which the first World would load: an import, not simulation)

    from sim.engine import native, simulate
    from sim.scenario import load_scenario

    t0 = time.perf_counter()
    sc = load_scenario(SCENARIO).scenario
    t1 = time.perf_counter()
    out = simulate(sc)
    t2 = time.perf_counter()
    daily = {(k.variable, k.entity): out.daily[i].sum() for i, k in enumerate(out.keys)}
    fill = daily["delivered_t", "oxide_buyers"] / daily["requested_t", "oxide_buyers"]
    return {"load_s": t1 - t0, "sim_s": t2 - t1, "events": out.events, "fill": float(fill), "engine": native.ENGINE}


def wall(cmd: list[str]) -> tuple[float, str]:
    """Wall seconds of a subprocess, and its stdout."""
    t0 = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - t0, out


def one_repetition(snp_script: str | None, snp_python: str, tmp: str, rep: int) -> dict[str, dict]:
    """reesim simulation, SupplyNetPy (simulation and whole script), then both whole reesim runs."""
    r: dict[str, dict] = {}
    w, out = wall([REESIM_PY, __file__, "--child"])
    r["reesim"] = json.loads(out) | {"wall_s": w}
    if snp_script:
        w, out = wall([snp_python, snp_script])
        r["snp"] = json.loads(out.strip().splitlines()[-1]) | {"wall_s": w}
    for kind, extra in (("run", []), ("run_nofig", ["--no-figures"])):
        w, _ = wall([REESIM_CLI, "run", str(SCENARIO), "--out", f"{tmp}/{kind}{rep}", *extra])
        r[kind] = {"wall_s": w}
    return r


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3, help="alternating repetitions")
    p.add_argument("--snp-python", default="/tmp/snp/bin/python", help="interpreter with supplynetpy==0.5.1")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(reesim_child()))
        return
    has_snp = Path(args.snp_python).exists() and subprocess.run(
        [args.snp_python, "-c", "import SupplyNetPy.Components"], capture_output=True).returncode == 0
    if not has_snp:
        print(f"no SupplyNetPy at {args.snp_python}: its columns are skipped. To create it:\n    {SNP_INSTALL}\n")
    # pip compiled SupplyNetPy's bytecode when it installed it; compile reesim's (an editable
    # install) too, so neither side compiles its modules in the timed processes
    subprocess.run([REESIM_PY, "-m", "compileall", "-q", str(ROOT / "sim")], check=True)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        snp_script = None
        if has_snp:
            snp_script = f"{tmp}/snp_peer.py"
            Path(snp_script).write_text(SNP_MODEL)
        reps = [one_repetition(snp_script, args.snp_python, tmp, i) for i in range(args.repeat)]
    load_after = os.getloadavg()
    fast = {k: {f: min(r[k][f] for r in reps) for f in reps[0][k]} for k in reps[0]}
    print(f"Six-node linear chain, 3,650 days, no warm-up; {args.repeat} alternating repetitions, one process each; "
          f"reesim's engine: {reps[0]['reesim']['engine']}")
    print(f"load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after, on {os.cpu_count()} cores\n")
    print("load s: reesim load_scenario (read, validate) / SupplyNetPy create_sc_net; events: SimPy steps")
    print(f"{'fastest of the repetitions':28}{'load s':>8}{'simulate s':>12}{'events':>9}{'us/event':>10}{'fill rate':>11}")
    sims = [("reesim", "reesim simulate()")] + ([("snp", "SupplyNetPy simulate_sc_net")] if has_snp else [])
    for key, label in sims:
        f = fast[key]  # events and fill rate are the same in every repetition (fixed seeds)
        print(f"{label:28}{f['load_s']:>8.3f}{f['sim_s']:>12.3f}{f['events']:>9,}{f['sim_s'] / f['events'] * 1e6:>10.1f}{f['fill']:>11.3f}")
    print(f"\n{'whole process':28}{'wall s':>8}")
    whole = [("run", "reesim run (figures)"), ("run_nofig", "reesim run --no-figures"), ("reesim", "reesim simulate() process")]
    for key, label in whole + ([("snp", "SupplyNetPy script")] if has_snp else []):
        print(f"{label:28}{fast[key]['wall_s']:>8.2f}")
    if has_snp:
        print(f"  (SupplyNetPy import alone: {fast['snp']['import_s']:.2f} s)")
        ratios = {"simulate": [r["reesim"]["sim_s"] / r["snp"]["sim_s"] for r in reps],
                  "load + simulate": [(r["reesim"]["load_s"] + r["reesim"]["sim_s"]) / (r["snp"]["load_s"] + r["snp"]["sim_s"]) for r in reps],
                  "whole: run (figures)": [r["run"]["wall_s"] / r["snp"]["wall_s"] for r in reps],
                  "whole: run --no-figures": [r["run_nofig"]["wall_s"] / r["snp"]["wall_s"] for r in reps]}
        print_ratios("reesim / SupplyNetPy", ratios)


if __name__ == "__main__":
    main()
