"""Fuzzing (issue 11): mutate the lesson and library scenarios and the sweep files (types,
ranges, references, structure) and check that each either validates and, for a lesson, runs to
finite KPIs with a closed balance, or is refused with located lines; never anything else.

Bounded for `make test`; set REESIM_FUZZ_EXAMPLES (say 2000) for a longer, nightly run."""

import copy
import math
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, SCENARIOS
from sim.engine import simulate
from sim.results import Result
from sim.scenario import InputError
from sim.scenario.loader import read_scenario_data, validate_scenario
from sim.sweep.runner import check_sweep

EXAMPLES = int(os.environ.get("REESIM_FUZZ_EXAMPLES", "40"))
LESSONS = sorted((SCENARIOS / "teaching").glob("*.yaml"))
LIBRARY = sorted(SCENARIOS.glob("*.yaml"))
SWEEPS = sorted((SCENARIOS / "sweeps").glob("*.yaml"))
DATA = {p: read_scenario_data(p) for p in LESSONS + LIBRARY}

ODD_VALUES = st.sampled_from([
    None, True, -1, 0, 1, 0.5, -1e9, 1e9, 1e10, 1e300, -1e300, math.inf, -math.inf, math.nan, "", "abc", "2025-02-30",
    "capcity", [], {}, [1, 2], {"a": 1}, [[[[[]]]]], "x" * 300, 2**70, -(2**70),
])


def paths(data, prefix=()):
    """Every key path into nested maps and lists."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield prefix + (key,)
            yield from paths(value, prefix + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield prefix + (i,)
            yield from paths(value, prefix + (i,))


def numbers(data, prefix=""):
    """Every number in nested KPIs, with its dotted name."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from numbers(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from numbers(value, f"{prefix}[{i}]")
    elif isinstance(data, int | float) and not isinstance(data, bool):
        yield prefix, data


def mutate(data, path, how, value):
    out = copy.deepcopy(data)
    parent = out
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if how == "delete" and isinstance(parent, dict):
        del parent[last]
    elif how == "rename" and isinstance(parent, dict):
        parent[f"{last}x"] = parent.pop(last)
    elif how == "scale" and isinstance(parent[last], int | float) and not isinstance(parent[last], bool):
        parent[last] = parent[last] * value
    else:
        parent[last] = value
    return out


def check_refusal(exc: InputError, file: str) -> None:
    assert exc.issues
    for issue in exc.issues:
        text = str(issue)
        assert "\n" not in text and text.strip(), text
        assert issue.mark.file in (file, "") or issue.mark.file.endswith(".yaml") or issue.mark.file.startswith(("--set", "set ")), text


@st.composite
def mutations(draw, files):
    path = draw(st.sampled_from(files))
    data, _ = DATA[path]
    keys = list(paths(data))
    key = draw(st.sampled_from(keys))
    how = draw(st.sampled_from(["set", "set", "delete", "rename", "scale"]))
    value = draw(st.sampled_from([-1, 0, 1e-12, 1e12, 1e308]) if how == "scale" else ODD_VALUES)
    return path, key, how, value


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(mutations(LESSONS))
def test_a_mutated_lesson_runs_clean_or_is_refused(case):
    path, key, how, value = case
    data, positions = DATA[path]
    try:
        loaded = validate_scenario(mutate(data, key, how, value), positions, path, ["meta.horizon_days=60", "meta.warmup_days=0"])
    except InputError as exc:
        check_refusal(exc, str(path))
        return
    r = Result.from_output(simulate(loaded.scenario), loaded.resolved_yaml(), loaded.digest())  # the balance is checked inside
    for name, value in numbers(r.kpis):
        assert value is None or math.isfinite(value), (name, value)
        if "fill_rate" in name and value is not None:
            assert -1e-9 <= value <= 1 + 1e-9, (name, value)
        if name.startswith(("unmet_demand_t", "production_t")) and value is not None:
            assert value >= -1e-6, (name, value)
    assert r.timeseries["value"].notna().all()


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(mutations(LIBRARY))
def test_a_mutated_library_scenario_validates_or_is_refused(case):
    path, key, how, value = case
    data, positions = DATA[path]
    try:
        validate_scenario(mutate(data, key, how, value), positions, path)
    except InputError as exc:
        check_refusal(exc, str(path))


@settings(max_examples=max(EXAMPLES // 2, 10), deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(SWEEPS), st.integers(0, 10_000), st.sampled_from(["set", "delete", "rename"]), ODD_VALUES)
def test_a_mutated_sweep_file_validates_or_is_refused(tmp_path_factory, spec, pick, how, value):
    import yaml

    data = yaml.safe_load(spec.read_text())
    keys = list(paths(data))
    bad = mutate(data, keys[pick % len(keys)], how, value)
    out: Path = tmp_path_factory.mktemp("sweep") / spec.name
    try:
        text = yaml.safe_dump(bad, allow_unicode=True)
    except yaml.YAMLError:
        return
    out.write_text(text.replace("base: ", f"base: {spec.parent}/", 1) if "base: " in text and "/" not in str(bad.get("sweep", {}).get("base", "/")) else text)
    try:
        check_sweep(out, max_runs=100_000)  # what `reesim validate` does: the spec, its base and its size
    except InputError as exc:
        check_refusal(exc, str(out))


def test_the_fuzz_corpus_is_the_shipped_scenarios():
    assert len(LESSONS) == 7 and len(LIBRARY) >= 10 and SWEEPS
    assert all(p.is_relative_to(ROOT) for p in LESSONS + LIBRARY)
