"""Behaviour as strategies chosen by a scenario key: every key the schema allows has its strategy,
and each strategy does what its name says."""

from __future__ import annotations

import typing

import pytest

from conftest import run_dict, totals
from sim.engine.allocation import ALLOCATIONS, Priority, ProRata
from sim.engine.dispatch import DISPATCH
from sim.engine.replenishment import FORECASTS, ORDER_RULES, SUPPLIERS, ReorderPoint, Smoothed
from sim.policies.border import BORDER_RULES
from sim.policies.export_control import ExportControl
from sim.scenario.components import Link, Replenishment
from sim.scenario.markets import Allocation
from test_policies import tariff_world


def _choices(model, field: str) -> set[str]:
    return set(typing.get_args(model.model_fields[field].annotation))


@pytest.mark.parametrize("model, field, registry", [
    (Link, "mode", DISPATCH), (ExportControl, "mode", BORDER_RULES), (Replenishment, "kind", ORDER_RULES),
    (Replenishment, "forecast", FORECASTS), (Replenishment, "suppliers", SUPPLIERS), (Allocation, "rule", ALLOCATIONS),
])
def test_every_scenario_key_has_its_strategy(model, field, registry):
    assert _choices(model, field) == set(registry)


def test_pro_rata_shares_a_shortage_and_priority_serves_in_order():
    wants, uses = [6.0, 3.0, 1.0], ["cars", "wind", "phones"]
    assert ProRata().allocate(wants, uses, 5.0) == pytest.approx([3.0, 1.5, 0.5])
    assert Priority(("wind", "cars")).allocate(wants, uses, 5.0) == pytest.approx([2.0, 3.0, 0.0])
    assert Priority(("wind",)).allocate(wants, uses, 20.0) == wants  # enough for all: everyone served


def test_reorder_point_orders_nothing_above_s_and_up_to_S_below():
    rule = ReorderPoint(cover_days=30, reorder_point_days=10)
    assert rule.quantity(position=150, forecast=10) == 0
    assert rule.quantity(position=90, forecast=10) == pytest.approx(210)


def test_smoothed_forecast_moves_towards_what_it_sees():
    f = Smoothed(10.0, 0.25)
    assert f.observe(20.0) == pytest.approx(12.5)


def test_fixed_shares_ignore_a_tariff_that_tilts_price_weighted_orders():
    def china_share(suppliers: str) -> float:
        w = tariff_world(25)
        w["stocks"]["market"]["a"]["replenishment"]["suppliers"] = suppliers
        t = totals(run_dict(w))
        return t[("from_china", "a", "shipped_t")] / (t[("from_china", "a", "shipped_t")] + t[("from_eu", "a", "shipped_t")])

    assert china_share("fixed_shares") == pytest.approx(0.5, abs=0.01)
    assert china_share("price_weighted") < 0.35
