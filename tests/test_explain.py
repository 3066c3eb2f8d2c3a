"""`reesim explain`: what a reader of the text and the diagram relies on."""

from __future__ import annotations

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from conftest import SCENARIOS, TEST_SCENARIOS
from sim.cli import main
from sim.report.network import NAME_CHARS, bottlenecks, describe, figure, layout
from sim.scenario import load_scenario

LESSON_2 = SCENARIOS / "teaching" / "2_bottleneck.yaml"
BUILDOUT = SCENARIOS / "western_buildout_2030.yaml"


def _sc(path):
    return load_scenario(path).scenario


def test_plants_policies_add_appear_in_the_text_and_the_diagram():
    sc = _sc(BUILDOUT)
    text = describe(sc)
    assert "iluka_eneabba" in text and "new separation plant" in text
    assert "mp_stage2_separation               expands mp_separation by +47.9 t/day" in text
    assert "ucore_phase3                       expands ucore_phase1" in text  # an expansion of a planned plant
    lay = layout(sc)
    new = lay.node("iluka_eneabba")
    assert new.style == "planned" and "planned, announced 2022-04-01" in new.label and "48 t/day of feed" in new.label
    assert all(e.planned for e in lay.edges if "iluka_eneabba" in (e.source, e.target))
    assert any(e.source == "iluka_eneabba" for e in lay.edges)  # connected like any plant
    assert "+48 t/day announced 2025-01" in lay.node("mp_separation").label
    assert "mp_stage2_separation" not in {n.id for n in lay.nodes}  # an expansion is a note, not a plant
    ucore = lay.node("ucore_phase1").label
    assert "+8.2 t/day announced 2024-06" in ucore and "+6.8 t/day announced 2024-06" in ucore


def test_a_plant_that_waits_for_its_trigger_says_so():
    lay = layout(_sc(SCENARIOS / "world_2009.yaml"))
    assert "planned, on a trigger" in lay.node("mountain_pass_restart").label
    assert "on a trigger" in lay.node("mountain_pass_stockpile_processing").label


def test_the_cells_are_lesson_2s_bottleneck():
    sc = _sc(LESSON_2)
    first = bottlenecks(sc)[0]
    assert (first.plants, first.stage, first.capacity, first.demand) == (("cells",), "metal", 12, 50)
    assert first.stages == {"mining": 40, "separation": 30, "metal": 12, "alloy": 40, "magnet": 40}  # the lesson's header
    assert "Bottleneck: cells (metal): 12 t/day of magnet against 50 t/day demanded" in describe(sc)
    lay = layout(sc)
    assert [n.id for n in lay.nodes if n.bottleneck] == ["cells"]
    assert "bottleneck" in lay.node("cells").label and lay.bottleneck == first


def test_raising_the_cells_moves_the_bottleneck_to_separation():
    sc = load_scenario(LESSON_2, ["facilities.cells.capacity.t_per_day=35"]).scenario
    assert bottlenecks(sc)[0].plants == ("separation",)


def test_plants_of_one_stage_in_series_are_steps_not_a_sum():
    """Lesson 1: 50 t/day of carbonate (22.5 t of oxide) feeds a kiln making 18 t of oxide a day."""
    first = bottlenecks(_sc(SCENARIOS / "teaching" / "1_one_kiln.yaml"))[0]
    assert first.plants == ("gansu_kiln",) and first.capacity == pytest.approx(18)
    assert first.stages == pytest.approx({"processing": 22.5, "processing step 2": 18})


def test_the_chain_converts_capacities_through_its_recipes():
    """chain.yaml: 1.177 t oxide a t of metal, 0.3 t metal a t of alloy, 0.8 t magnet a t of alloy,
    a quarter of the feed NdPr; the separation can feed the fewest magnets."""
    sc = _sc(TEST_SCENARIOS / "chain.yaml")
    y = {fid: f.yield_ for fid, f in sc.facilities.items()}
    magnet_per_metal = y["alloy1"] / 0.3 * y["magnets"] * 0.8
    first = bottlenecks(sc)[0]
    assert first.plants == ("sep1",) and first.product == "magnet"
    assert first.capacity == pytest.approx(80 * y["sep1"] * 0.25 * y["cells"] / 1.177 * magnet_per_metal)
    assert first.stages["metal"] == pytest.approx(30 * magnet_per_metal)
    assert first.stages["alloy"] == pytest.approx(100 * 0.8 * y["magnets"])


def test_labels_give_capacities_and_demand():
    lay = layout(_sc(LESSON_2))
    assert "40 t/day" in lay.node("mine").label and "30 t/day of feed" in lay.node("separation").label
    assert "12 t/day" in lay.node("cells").label
    assert "50 t/day demanded" in lay.node("demand:ev_traction@china").label
    lay = layout(_sc(SCENARIOS / "baseline.yaml"))
    assert "493 t/day" in lay.node("bayan_obo_mine").label and "1,096 t/day" in lay.node("hub_alloy").label


@pytest.mark.parametrize("path", [SCENARIOS / "baseline.yaml", BUILDOUT, LESSON_2])
def test_labels_in_a_column_do_not_overlap(path):
    lay = layout(_sc(path))
    assert lay.fontsize >= 8 and lay.line_in * 72 >= 1.2 * lay.fontsize  # a y unit holds a line of text
    for x in {n.x for n in lay.nodes}:
        column = lay.column(x)
        for above, below in zip(column, column[1:], strict=False):
            assert above.y - below.y >= (above.height + below.height) / 2, (above.id, below.id)
    assert all(len(n.label.split("\n")[0]) <= NAME_CHARS + 10 for n in lay.nodes)  # long names are cut


@pytest.mark.parametrize("path", [SCENARIOS / "baseline.yaml", BUILDOUT])
def test_drawn_labels_do_not_overlap(path):
    """The text boxes as matplotlib draws them, not just the layout's arithmetic."""
    lay = layout(_sc(path))
    fig = figure(lay)
    renderer = FigureCanvasAgg(fig).get_renderer()
    ax = fig.axes[0]
    boxes: dict[float, list] = {}
    for t in ax.texts:
        if type(t) is Text:  # the labels; arrows are annotations
            boxes.setdefault(round(t.get_position()[0]), []).append(t.get_window_extent(renderer))
    assert sum(len(b) for b in boxes.values()) == len(lay.nodes)
    for x, column in boxes.items():
        column.sort(key=lambda b: b.y0)
        for low, high in zip(column, column[1:], strict=False):
            assert low.y1 <= high.y0 + 0.5, (low, high)
        next_column = ax.transData.transform((x + 1, 0))[0]
        assert all(b.x1 < next_column for b in column), x  # nor run into the next column


def test_explain_draws_the_baseline(tmp_path, capsys):
    out = tmp_path / "X.png"
    assert main(["explain", str(SCENARIOS / "baseline.yaml"), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Bottleneck:" in text and text.strip().endswith(f"diagram: {out}")
    assert out.read_bytes()[:4] == b"\x89PNG" and out.stat().st_size > 100_000
