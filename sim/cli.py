"""The ``reesim`` command: run, validate and list scenarios; open the lab.

Exit codes: 0 success, 2 bad input (one line per problem), 1 a defect in reesim.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import re
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .atomic import atomic_path, clean_stale, write_text
from .scenario import InputError, Issue, Mark, load_scenario
from .scenario.catalog import SEEDS_DIR, facility_kinds
from .scenario.yamlio import Positions, read_text
from .sweep.limits import DEFAULT_MAX_RUNS

if TYPE_CHECKING:
    from .results import Result
    from .results.window import Window
    from .scenario.loader import ScenarioRecord

REPO_DIR = SEEDS_DIR.parent


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to 2**63 - 1, got '{text}'") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to 2**63 - 1, got {value}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {value}")
    return value


MAX_REPLICATIONS = 1000


def _block_names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected block names separated by commas, got '{text}'")
    return names


def _replications(text: str) -> int:
    value = _positive_int(text)
    if value > MAX_REPLICATIONS:
        raise argparse.ArgumentTypeError(f"expected at most {MAX_REPLICATIONS} replications, got {value}")
    return value


_SCHEDULER = re.compile(r"^(?:(?:tcp|tls|ucx)://)?(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:]+\]):[0-9]{1,5}$")


def _scheduler_address(text: str) -> str:
    if not _SCHEDULER.match(text):
        raise argparse.ArgumentTypeError(f"expected a scheduler address such as tcp://10.0.0.5:8786, got '{text}'")
    return text


def _window_text(text: str) -> str:
    """A --window as text (a sweep keeps it in its spec), checked as run's is."""
    _window(text)
    return text.strip()


def _window(text: str) -> Window:
    from .results.window import Window, WindowError

    try:
        return Window.parse(text)
    except WindowError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


WINDOW_HELP = "KPIs, sentences and the page over FROM:TO (dates, YYYY-MM-DD; either may be left out) or policy:ID (the policy's span)"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="reesim", description="Simulate the rare-earth supply chain.")
    p.add_argument("--version", action="version", version=f"reesim {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("scenario", help="scenario YAML file")
        sp.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a value by dotted path, e.g. meta.horizon_days=730 (repeatable)")
        sp.add_argument("--scenario", dest="blocks", action="extend", default=[], type=_block_names, metavar="NAME[,NAME]",
                        help="apply the file's named override blocks, in order (repeatable)")
        sp.add_argument("--debug", action="store_true", help="show tracebacks")

    run = sub.add_parser("run", help="run a scenario and write a run folder")
    common(run)
    run.add_argument("--seed", type=_seed, help="random seed (overrides meta.seed)")
    run.add_argument("--out", type=Path, help="run folder to create (default: results/<name>-seed<N>-<time>)")
    run.add_argument("--no-figures", action="store_true", help="skip the PNG figures and report.html")
    run.add_argument("--window", type=_window, metavar="FROM:TO|policy:ID", help=WINDOW_HELP + " (the folder keeps the whole run)")
    run.add_argument("--against", metavar="REFERENCE", help="a scenario file (run on the same seed) or run folder to read "
                     "this run against: the report's key figures show the difference")
    rep = sub.add_parser("report", help="rebuild a run folder's figures and report.html from the folder alone")
    rep.add_argument("folder", type=Path)
    rep.add_argument("--flow-from", type=dt.date.fromisoformat, metavar="YYYY-MM-DD", help="start of the material-flow period")
    rep.add_argument("--flow-to", type=dt.date.fromisoformat, metavar="YYYY-MM-DD", help="end of the material-flow period")
    rep.add_argument("--against", metavar="REFERENCE", help="a scenario file (run on the run's seed) or run folder to read "
                     "the run against (kept in the folder as reference.json)")
    rep.add_argument("--window", type=_window, metavar="FROM:TO|policy:ID", help=WINDOW_HELP)
    rep.add_argument("--debug", action="store_true", help="show tracebacks")
    val = sub.add_parser("validate", help="check a scenario file without running it")
    common(val)
    val.add_argument("--max-runs", type=_positive_int, default=DEFAULT_MAX_RUNS, help="a sweep file: the most runs allowed")
    val.add_argument("--balance", action="store_true", help="also run the file with its policies off and say where its world "
                     "is out of balance (shortages, stock piling up, starved plants, prices at their cap)")
    cmp_ = sub.add_parser("compare", help="compare two scenarios or run folders KPI by KPI (B - A)")
    cmp_.add_argument("a", help="scenario A (a YAML file or a run folder)")
    cmp_.add_argument("b", help="scenario B (a YAML file or a run folder)")
    cmp_.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help="override a value on both sides")
    cmp_.add_argument("--set-a", action="append", default=[], metavar="KEY=VALUE", help="override a value of A only")
    cmp_.add_argument("--set-b", action="append", default=[], metavar="KEY=VALUE", help="override a value of B only")
    for flag, whom in (("--scenario", "both sides"), ("--scenario-a", "A only"), ("--scenario-b", "B only")):
        cmp_.add_argument(flag, action="extend", default=[], type=_block_names, metavar="NAME[,NAME]",
                          help=f"apply the file's named override blocks to {whom}")
    cmp_.add_argument("--seed", type=_seed, help="the seed of both sides (default: A's meta.seed)")
    cmp_.add_argument("--replications", type=_replications, default=1,
                      help="runs a side on common random numbers, for a 95%% interval of each difference (default 1)")
    cmp_.add_argument("--align", action="store_true", help="runs over different periods: compare the days both cover")
    cmp_.add_argument("--window", type=_window, metavar="FROM:TO|policy:ID", help="compare KPIs over FROM:TO or policy:ID only "
                      "(a policy's span as it ran in A)")
    cmp_.add_argument("--out", type=Path, help="where to write the table (.csv) and its page (.html) "
                      "(default: results/compare-<A>-vs-<B>-<time>.csv)")
    cmp_.add_argument("--debug", action="store_true", help="show tracebacks")
    sw = sub.add_parser("sweep", help="run (or resume) a sweep of many runs")
    sw.add_argument("spec", help="sweep YAML file")
    sw.add_argument("--executor", choices=["serial", "processes", "dask"], default="processes")
    sw.add_argument("--workers", type=_positive_int, help="parallel workers (default: the machine's cores)")
    sw.add_argument("--scheduler", type=_scheduler_address, help="address of a running Dask scheduler, tcp://host:port (with --executor dask)")
    sw.add_argument("--max-runs", type=_positive_int, default=DEFAULT_MAX_RUNS, help=f"the most runs allowed (default {DEFAULT_MAX_RUNS:,})")
    sw.add_argument("--window", type=_window_text, metavar="FROM:TO|policy:ID", help=WINDOW_HELP + " (as the sweep file's window:, "
                    "which it replaces; default folder results/<name>-<window>-sweep)")
    sw.add_argument("--out", type=Path, help="sweep folder (default: results/<name>-sweep); rerun to resume")
    sw.add_argument("--no-progress", action="store_true", help="no progress bar")
    sw.add_argument("--debug", action="store_true", help="show tracebacks")
    sws = sub.add_parser("sweep-summary", help="recompute a sweep's summaries from its folder")
    sws.add_argument("folder", type=Path)
    sws.add_argument("--debug", action="store_true", help="show tracebacks")
    exp = sub.add_parser("explain", help="print a scenario's network and draw it (PNG) from mine to end use")
    common(exp)
    exp.add_argument("--out", type=Path, help="diagram file, .png unless another format's suffix is given "
                     "(default: results/<name>-network.png)")
    sch = sub.add_parser("schema", help="write the JSON Schemas of scenario and sweep files (and the reference)")
    sch.add_argument("--out", type=Path, default=Path("."), help="folder for the .schema.json files")
    sch.add_argument("--reference", type=Path, help="also write the markdown reference here (docs/reference.md)")
    sch.add_argument("--kpis", type=Path, help="also write the KPI definitions here (docs/kpis.md)")
    sch.add_argument("--debug", action="store_true", help="show tracebacks")
    lab = sub.add_parser("lab", help="a local web page to move a scenario's controls and watch the run change")
    lab.add_argument("scenarios", nargs="*", type=Path, metavar="SCENARIO",
                     help="scenario files to offer (default: the seven lessons in scenarios/teaching)")
    lab.add_argument("--port", type=int, help="port on 127.0.0.1 (default: a free one)")
    lab.add_argument("--no-browser", action="store_true", help="do not open a browser, only print the address")
    lab.add_argument("--debug", action="store_true", help="show tracebacks")
    lst = sub.add_parser("list", help="list scenarios and facility kinds")
    lst.add_argument("--debug", action="store_true")
    return p


def results_dir() -> Path:
    """Where outputs go unless --out says otherwise: ./results (or $REESIM_RESULTS_DIR)."""
    return Path(os.environ.get("REESIM_RESULTS_DIR", "results"))


def slug(name: str) -> str:
    """A folder name made from a scenario or sweep name that stays inside the results folder:
    letters, digits, '-', '_' and '.', never leading with '.'."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")
    return safe[:100] or "run"


def _default_out(name: str, seed: int) -> Path:
    """The run folder's name without --out (a run finishing first under it makes this one take -2, -3...)."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return results_dir() / f"{slug(name)}-seed{seed}-{stamp}"


def _check_out(out: Path) -> None:
    """Fail before running if the run folder cannot be created."""
    if out.exists():
        raise InputError([Issue(Mark(str(out)), "--out", "folder already exists; runs never write over an earlier run, choose another --out")])
    _check_writable(out, "a run folder")


def _check_writable(out: Path, what: str, inside: bool = False) -> None:
    """Fail unless files can be written beside ``out`` (or, with ``inside``, in it)."""
    folder = out if inside else out.parent
    ancestor = folder
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InputError([Issue(Mark(str(out)), "--out", f"cannot write {what} here: '{ancestor}' is a file, not a folder")])
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise InputError([Issue(Mark(str(out)), "--out", f"cannot write {what} here: {exc.strerror or exc}")]) from None


def _check_file_out(out: Path, what: str, replace: bool = False, option: str = "--out") -> None:
    """Fail before any work if ``out`` cannot be written as a file (a folder there, a file where a
    folder should be, no permission); an existing file is refused unless ``replace``."""
    if out.is_dir():
        raise InputError([Issue(Mark(str(out)), option, f"is a folder; expected the name of {what}")])
    if out.exists() and not replace:
        raise InputError([Issue(Mark(str(out)), option, "file already exists; choose another name")])
    _check_writable(out, what)


def _reference(source: str, seed: int, start: dt.date, horizon_days: int) -> dict:
    from .comparison import reference_kpis

    return reference_kpis(source, seed, (start, start + dt.timedelta(days=horizon_days - 1)))


def _clean_stale(folder: Path) -> None:
    """Remove what runs that were stopped left half-written here, and say so."""
    removed = clean_stale(folder)
    if removed:
        shown = ", ".join(p.name for p in removed[:3]) + (f" and {len(removed) - 3} more" if len(removed) > 3 else "")
        print(f"note: removed {len(removed)} unfinished output(s) left in {folder} by stopped runs: {shown}", file=sys.stderr)


def _write_page(result: Result, folder: Path, found,
                figures: dict[str, Path] | Callable[..., dict[str, Path]] | None = None) -> Path:
    """The run's page and figures (``figures``: already drawn, or a function giving them once the
    rest of the page is worked out): matplotlib and the report load only for a run that has them."""
    from .report.html import write_report

    return write_report(result, folder, figures, imbalance=found)


def cmd_run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    finally:
        gc.unfreeze()  # what the run froze out of the collector's sight (the modules it loaded, its result) is seen again


def _run(args: argparse.Namespace) -> int:
    from . import run_loaded
    from .beside import simulate_beside
    from .scenario.loader import scenario_notes

    overrides = list(args.overrides)
    if args.seed is not None:
        overrides.append(f"meta.seed={args.seed}")
    loaded = load_scenario(args.scenario, overrides, args.blocks)
    meta = loaded.scenario.meta
    out = args.out or _default_out(meta.name, meta.seed)
    if args.out:
        _check_out(out)
    else:  # the name is ours to choose: the folder is renamed into a free one when written
        _check_writable(out, "a run folder")
    _clean_stale(out.parent)
    reference = _reference(args.against, meta.seed, meta.start_date, meta.horizon_days) if args.against else None

    def meanwhile() -> ScenarioRecord:  # what follows the simulation, loaded and worked out on the core it leaves idle
        _load_what_follows(figures=not args.no_figures)
        return loaded.record()

    output, record = simulate_beside(loaded.scenario, meanwhile)
    result = run_loaded(loaded, source=str(args.scenario), notes=scenario_notes(args.scenario), output=output, record=record)
    from .results import write_run_folder

    result.reference = reference
    from .results.imbalance import findings

    shown = _windowed(result, args.window)
    # the result lives to the end: frozen, the collector walks it no more, nor does a figure child
    # forked now copy its pages to mark them
    gc.freeze()
    drawing = None
    if not args.no_figures:  # drawn beside the rest of the writing where a second core allows
        from .report.background import BackgroundFigures

        drawing = BackgroundFigures(shown)
    try:
        found = findings(result)  # the whole run's world; once, for the terminal and (without a window) the page
        _print_answer(result, shown, found)  # the answer first, while the folder and its figures are written
        page = None if drawing is None else (
            lambda _whole, folder: _write_page(shown, folder, found if shown is result else None,
                                               lambda run: drawing.into(folder, run)))
        # without --out the name is ours to choose: a run finishing first under the same name is not an error
        out = write_run_folder(result, out, page, unique=args.out is None)
    except OSError as exc:  # the disk, not reesim: full, read-only, removed meanwhile
        raise InputError([Issue(Mark(str(out)), "--out", f"cannot write the run folder: {exc.strerror or exc}")]) from None
    finally:
        if drawing is not None:
            drawing.cancel()  # nothing left to stop once the page has its figures
    print(f"\nrun folder: {out}")
    return 0


def _load_what_follows(figures: bool) -> None:
    """Load the modules a run needs once simulated: its tables and balance check (pandas, Parquet),
    and with ``figures`` its figures and page (matplotlib, Jinja)."""
    collecting = gc.isenabled()
    gc.disable()  # modules make objects that live to the end and little garbage: no passes over them,
    try:  # then none later either (`cmd_run` gives them back to the collector when it ends)
        from .results import imbalance, result  # noqa: F401

        if figures:
            from .report import background, html  # noqa: F401
        gc.freeze()
    finally:
        if collecting:
            gc.enable()


def _print_answer(result: Result, shown: Result, found) -> None:
    """The run's KPIs (over ``shown``, its window) and balance findings on the terminal, at once."""
    from .results.asked import asked_regions
    from .results.imbalance import format_findings

    meta = result.run
    lead = asked_regions(result.scenario_data)  # as the page reads it
    print(format_kpis(shown.kpis, meta["scenario"], meta["seed"], meta["events"], meta["wall_seconds"], lead))
    if "window" in shown.run:
        print(f"\n  window: {shown.run['window']['label']} (the KPIs above and the page; the folder keeps the whole run)")
    print()
    print(format_findings(found), flush=True)


def _windowed(result: Result, window: Window | None) -> Result:
    """The result over ``--window`` (itself without one); a window outside the run is bad input."""
    if window is None:
        return result
    from .results.window import WindowError, cut

    try:
        return cut(result, window)
    except WindowError as exc:
        raise InputError([Issue(Mark("--window"), "", str(exc))]) from None


def format_kpis(k: dict, name: str, seed: int, events: int, wall: float, lead: list[str] | None = None) -> str:
    """The terminal's KPI summary; the ``lead`` regions (the question's) first."""
    from .results.asked import lead_first

    lines = [f"reesim {__version__} - {name} (seed {seed}): {events:,} events in {wall:.2f} s", ""]
    lines.append(f"  {'demand met, by region and material':<40}{'met':>8}{'unmet t':>12}{'days short':>12}")
    fill = k.get("fill_rate_by_region_material", {})
    unmet = k.get("unmet_demand_t_by_region_material", {})
    short = k.get("days_short_by_region_material", {})
    for region in lead_first(sorted(fill), lead or []):
        lines.append(f"    {region}")
        for material, rate in sorted(fill[region].items()):
            lines.append(f"      {material:<34}{100 * rate:7.1f}%{unmet.get(region, {}).get(material, 0.0):>12,.0f}"
                         f"{short.get(region, {}).get(material, 0):>12}")
    lines.append(f"  {'all demand (tonnes of every material)':<40}{100 * k['fill_rate']:7.1f}%{k['unmet_demand_t']:>12,.0f}")
    lines.append("")
    focus = k.get("focus_region", "china")
    share = k.get(f"share_{focus}", {})
    lines.append(f"  {'stage':<16}{'production t':>16}{focus.capitalize() + ' share':>14}")
    for stage, tonnes in k["production_t"].items():
        lines.append(f"  {stage:<16}{tonnes:>16,.0f}{100 * share.get(stage, 0.0):>13.1f}%")
    if k.get("bullwhip_ratio"):
        lines.append("")
        lines.append("  order variance / demand variance (weekly), by ordering stock:")
        for stock, ratio in k["bullwhip_ratio"].items():
            lines.append(f"    {stock:<36}{ratio:>8.2f}")
    if k.get("price_usd_per_kg"):
        lines.append("")
        width = max(24, *(len(m) + 2 for m in k["price_usd_per_kg"]))
        lines.append(f"  {'market':<{width}}{'USD/kg start':>14}{'mean':>10}{'peak':>10}{'end':>10}")
        for market, p in k["price_usd_per_kg"].items():
            lines.append(f"  {market:<{width}}{p['start']:>14,.1f}{p['mean']:>10,.1f}{p['peak']:>10,.1f}{p['end']:>10,.1f}")
    return "\n".join(lines)


def cmd_report(args: argparse.Namespace) -> int:
    from .report.html import write_report
    from .results import read_run_folder

    folder = args.folder
    result = read_run_folder(folder)
    _clean_stale(folder)
    start = dt.date.fromisoformat(result.run["start_date"])
    last = result.run["horizon_days"] - 1
    first_day = (args.flow_from - start).days if args.flow_from else 0
    last_day = (args.flow_to - start).days if args.flow_to else last
    if not 0 <= first_day <= last_day <= last:
        raise InputError([Issue(Mark("--flow-from/--flow-to"), "", f"expected a period inside the run: {start} to {start + dt.timedelta(days=last)}")])
    if args.against:
        from .results.result import write_reference

        result.reference = _reference(args.against, int(result.run.get("seed", 0)), start, last + 1)
        write_reference(folder, result.reference)
    result = _windowed(result, args.window)
    try:
        path = write_report(result, folder, flow_days=(first_day, last_day))
    except OSError as exc:  # the disk, not reesim: full or read-only
        raise InputError([Issue(Mark(str(folder)), "", f"cannot write the report here: {exc.strerror or exc}")]) from None
    print(f"report: {path}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    if _is_sweep(Path(args.scenario)):
        from .sweep.runner import check_sweep

        sweep = check_sweep(args.scenario, args.max_runs)
        print(f"{args.scenario}: ok - sweep of {sweep.runs} runs ({sweep.points} design points x "
              f"{sweep.spec.replications} replications) over {sweep.base_path.name}")
        return 0
    from .scenario.loader import read_scenario_data, validate_scenario

    path = Path(args.scenario)
    data, positions = read_scenario_data(path)
    loaded = validate_scenario(data, positions, path, args.overrides, (), args.blocks)
    sc = loaded.scenario
    if sc.lab is not None:  # its KPI names are checked against the registry, above the loader
        from .lab.checks import lab_kpi_issues

        if issues := lab_kpi_issues(loaded, positions):
            raise InputError(issues)
    blocks = _check_every_block(path, data, positions, args.overrides)
    print(f"{args.scenario}: ok - {len(sc.sites)} sites, {len(sc.facilities)} facilities, "
          f"{len(sc.links)} links, {len(sc.demand)} demands, {sc.meta.horizon_days} days"
          + (f"; override blocks {', '.join(blocks)} apply cleanly" if blocks else ""))
    if args.balance:
        from . import run_loaded
        from .scenario.loader import LoadedScenario

        calm = LoadedScenario(sc.model_copy(update={"policies": {}}), path)
        print(f"\nthe world of {args.scenario} with its policies off ({len(sc.policies)} left out), "
              f"{sc.meta.horizon_days} days from {sc.meta.start_date}:")
        from .results.imbalance import findings, format_findings

        print(format_findings(findings(run_loaded(calm, source=str(path)))))
    return 0


def _check_every_block(path: Path, data: dict, positions: Positions, overrides: list[str]) -> list[str]:
    """Each of the file's override blocks (in ``data``, as read), laid on it alone, must give a valid scenario."""
    from .scenario.loader import override_blocks, validate_scenario

    names = list(override_blocks(data, positions, str(path)))
    issues = []
    for name in names:
        try:
            validate_scenario(data, positions, path, overrides, (), [name])
        except InputError as exc:
            issues += [Issue(i.mark, i.path, f"{i.message} (with --scenario {name})") for i in exc.issues]
    if issues:
        raise InputError(issues)
    return names


def _is_sweep(path: Path) -> bool:
    """A sweep file has one top-level key, 'sweep' (comments may come first)."""
    try:
        text = read_text(path)
    except InputError:
        return False  # loading it as a scenario says what is wrong with the file
    return text.startswith("sweep:") or "\nsweep:" in text


def cmd_compare(args: argparse.Namespace) -> int:
    from .comparison import load_side, run_sides, side_labels
    from .results.compare import compare_kpis, format_comparison

    sides = [load_side("A", args.a, [*args.overrides, *args.set_a], args.replications, args.scenario + args.scenario_a),
             load_side("B", args.b, [*args.overrides, *args.set_b], args.replications, args.scenario + args.scenario_b)]
    names = [side.name for side in sides]
    labels = side_labels(sides, list(args.overrides), list(args.scenario))  # what each side is, its own settings said
    out = args.out or results_dir() / f"compare-{slug(names[0])}-vs-{slug(names[1])}-{dt.datetime.now():%Y%m%d-%H%M%S}.csv"
    if out.is_dir():
        raise InputError([Issue(Mark(str(out)), "--out", "is a folder; expected the name of the comparison table")])
    out, page_out = out.with_suffix(".csv"), out.with_suffix(".html")  # a table and its page, never one file
    for path, what in ((out, "the comparison table"), (page_out, "the comparison page")):
        _check_file_out(path, what)
    compared = run_sides(sides, args.replications, args.seed, args.align, args.window)
    table = compare_kpis(compared.kpis[0], compared.kpis[1])
    with atomic_path(out) as tmp:  # each row says what A and B are: the table travels without the terminal
        table.assign(a_is=labels[0], b_is=labels[1]).to_csv(tmp, index=False)
    from .report.compare_report import write_comparison

    page = write_comparison(compared.first[0], compared.first[1], table, (labels[0], labels[1]), page_out, compared.notes)
    for side in sides:
        changes = [f"--scenario {','.join(side.blocks)}"] * bool(side.blocks) + side.overrides
        print(f"{side.label}: {side.source} ({side.name})" + (f" with {', '.join(changes)}" if changes else ""))
    for note in compared.notes:
        print(note)
    print()
    print(format_comparison(table, "A", "B"))
    print(f"\ncomparison: {out}\nreport: {page}")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from .sweep import load_sweep, run_sweep

    loaded = load_sweep(args.spec)
    if args.window is not None:  # checked as the file's window: would be; the runs' KPIs change, so does the folder
        loaded.spec = loaded.spec.model_copy(update={"window": args.window})
    tag = f"-{slug(loaded.spec.window)}" if args.window is not None else ""
    out = args.out or results_dir() / f"{slug(loaded.spec.name)}{tag}-sweep"
    if args.scheduler and args.executor != "dask":
        raise InputError([Issue(Mark("--scheduler"), "--executor", "a scheduler address needs --executor dask")])
    _check_writable(out, "a sweep folder", inside=True)
    for folder in (out.parent, out, out / "runs", out / "series"):
        _clean_stale(folder)
    store = run_sweep(loaded, out, args.executor, args.workers, args.scheduler, progress=not args.no_progress,
                      max_runs=args.max_runs)
    _print_sweep(out, loaded.spec, store.load())
    print(f"\nsweep folder: {out}")
    return 0


def _print_sweep(folder: Path, spec, runs) -> None:
    from .report.sweep_report import build_sweep_report
    from .sweep import RunStore
    from .sweep.summary import format_summary, summarise, write_summaries

    summaries = summarise(spec, runs)
    write_summaries(folder, summaries)
    from .report.sweep_figures import ordered_kpis

    store = RunStore(folder)
    stored = store.spec()  # the spec as the sweep folder holds it, for the summary's order and the page
    order = ordered_kpis(stored, runs) if len(runs) else []
    summary = format_summary(runs, summaries.points, first=tuple(k.removeprefix("k.") for k in order))
    if stored.get("window"):
        summary = f"KPIs over {stored['window']} only\n" + summary
    print(summary)
    if summaries.discovery_text:
        print("\n" + summaries.discovery_text)
    page = build_sweep_report(stored, runs, summaries.points, summaries.sensitivity, summaries.box,
                              store.load_series(), summary, summaries.discovery_text)
    write_text(folder / "sweep_report.html", page)
    print(f"report: {folder / 'sweep_report.html'}")


def cmd_sweep_summary(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from .sweep import RunStore, SweepSpec

    store = RunStore(args.folder)
    try:
        # base_overrides records the base file's blocks the runs used; it is no key of a sweep file
        spec = SweepSpec.model_validate({k: v for k, v in store.spec().items() if k != "base_overrides"})
    except ValidationError:
        raise InputError([Issue(Mark(str(args.folder / "spec.yaml")), "", "damaged: not the spec a sweep wrote; "
                                "run the sweep again with a new --out")]) from None
    _print_sweep(args.folder, spec, store.load())
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from .report.network import describe, draw

    loaded = load_scenario(args.scenario, args.overrides, args.blocks)
    print(describe(loaded.scenario))
    out = args.out or results_dir() / f"{slug(loaded.scenario.meta.name)}-network.png"
    out = _diagram_path(out)
    _check_file_out(out, "a diagram", replace=True)
    draw(loaded.scenario, out)
    print(f"\ndiagram: {out}")
    return 0


def _diagram_path(out: Path) -> Path:
    """The diagram's file: PNG unless the name ends in another format matplotlib writes."""
    from matplotlib.backend_bases import FigureCanvasBase

    formats = FigureCanvasBase.get_supported_filetypes()
    if out.is_dir():
        raise InputError([Issue(Mark(str(out)), "--out", "is a folder; expected the name of a diagram file")])
    if not out.suffix:
        return out.with_suffix(".png")
    if out.suffix.lstrip(".").lower() not in formats:
        raise InputError([Issue(Mark(str(out)), "--out", f"cannot draw a '{out.suffix}' file; expected one of "
                                f"{', '.join('.' + f for f in sorted(formats))}")])
    return out


def cmd_schema(args: argparse.Namespace) -> int:
    import json

    from .reference import json_schemas, kpis_markdown, reference_markdown

    if args.out.exists() and not args.out.is_dir():
        raise InputError([Issue(Mark(str(args.out)), "--out", "is a file; expected a folder for the .schema.json files")])
    _check_writable(args.out, "the schema files", inside=True)
    for path, option in ((args.reference, "--reference"), (args.kpis, "--kpis")):
        if path:
            _check_file_out(path, "a markdown page", replace=True, option=option)
    for name, schema in json_schemas().items():
        write_text(args.out / name, json.dumps(schema, indent=2) + "\n")
        print(f"wrote {args.out / name}")
    if args.reference:
        write_text(args.reference, reference_markdown())
        print(f"wrote {args.reference}")
    if args.kpis:
        write_text(args.kpis, kpis_markdown())
        print(f"wrote {args.kpis}")
    return 0


def cmd_list(_args: argparse.Namespace) -> int:
    print("Scenarios:")
    root = REPO_DIR / "scenarios"
    for path in sorted(p for p in root.rglob("*.yaml") if "sweeps" not in p.parts):
        try:
            loaded = load_scenario(path)
            desc = loaded.scenario.meta.description.strip().splitlines()
            note = desc[0] if desc else loaded.scenario.meta.name
        except InputError:
            note = "(does not validate)"
        print(f"  {path.relative_to(REPO_DIR)}  -  {note}")
    print("\nSweeps:")
    for path in sorted((root / "sweeps").glob("*.yaml")):
        print(f"  {path.relative_to(REPO_DIR)}")
    print("\nFacility kinds (seeds/facility_kinds.csv):")
    for kind, row in facility_kinds().items():
        print(f"  {kind:<26}{row['stage']:<12}{row['description']}")
    from .scenario.policy_kinds import kinds

    print("\nPolicy kinds (sim/policies/):")
    for name, kind in kinds().items():
        doc = (kind.schema.__doc__ or "").strip().splitlines()
        print(f"  {name:<26}{doc[0] if doc else ''}")
    return 0


LESSONS = REPO_DIR / "scenarios" / "teaching"
LAB_EXTRA = "the lab needs the lab extra: pip install -e '.[lab]' (make setup installs it)"


def cmd_lab(args: argparse.Namespace) -> int:
    paths = list(args.scenarios) or sorted(LESSONS.glob("*.yaml"))
    if not paths:
        raise InputError([Issue(Mark("reesim lab"), "", "no scenario given and no lessons found in scenarios/teaching")])
    if args.port is not None and not 0 < args.port < 65536:
        raise InputError([Issue(Mark("--port"), "", f"expected a port from 1 to 65535, got {args.port}")])
    from .lab.checks import load_lab_scenario

    issues = []
    for path in paths:  # every file is checked before the page opens, so the page shows no broken file
        try:
            load_lab_scenario(path)
        except InputError as exc:
            issues += exc.issues
    if issues:
        raise InputError(issues)
    try:  # the web framework is imported here only: the rest of the command does not pay for it
        from .lab.app import serve
    except ImportError as exc:
        if exc.name not in ("panel", "bokeh", "param"):
            raise
        print(f"error: {LAB_EXTRA}", file=sys.stderr)
        return 2
    serve(paths, args.port, open_browser=not args.no_browser)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handler = {"run": cmd_run, "validate": cmd_validate, "compare": cmd_compare, "list": cmd_list,
               "sweep": cmd_sweep, "sweep-summary": cmd_sweep_summary, "report": cmd_report,
               "schema": cmd_schema, "explain": cmd_explain, "lab": cmd_lab}[args.command]
    try:
        return handler(args)
    except InputError as exc:
        if args.debug:
            traceback.print_exc()
        for issue in exc.issues:
            print(f"error: {issue}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into a reader that stopped early (head): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as exc:  # a defect in reesim, not in the input
        ledger = sys.modules.get("sim.engine.ledger")  # imported only once a run has started
        if args.debug:
            traceback.print_exc()
        elif ledger is not None and isinstance(exc, ledger.MassBalanceError):  # material lost or made
            print(f"error: {exc}; a defect in reesim, no results were written (please report it with the scenario)",
                  file=sys.stderr)
        else:
            print(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", file=sys.stderr)
        return 1


def console() -> int:
    """The ``reesim`` command: `main` on the command line's arguments, before the process ends.
    What is still alive then is frozen out of the garbage collector's sight: the interpreter's
    last collection would otherwise walk every object of pandas, matplotlib and the run (a tenth
    of a second) only to free memory the process is about to give back whole."""
    code = main()
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(console())
