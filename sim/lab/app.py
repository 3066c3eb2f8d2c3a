"""The lab's page (Panel and Bokeh): a scenario selector, its controls, live charts and KPI cards.

Each browser session gets its own page and `LabSession`s. The page offers only the scenario
files the lab was started with: it never takes a path from the browser.
"""

from __future__ import annotations

import asyncio
import functools
import html
import io
import logging
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import panel as pn
from bokeh.models import ColumnDataSource, HoverTool
from bokeh.plotting import figure

from ..scenario.errors import InputError
from .controls import ControlView, LabValueError
from .model import LabRun, LabSession
from .numbers import decimals, format_change, format_value

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
RUNS = (("current", {"line_width": 2}), ("previous", {"line_alpha": 0.3, "line_width": 2}),
        ("pinned", {"line_dash": "dashed", "line_width": 1.5}))
"""How each kept run is drawn: the current solid, the one before faded, the pinned baseline dashed."""
SHOW_PROGRESS_AFTER = 0.3
"""Seconds a run may take before the page shows its progress and a Cancel button (lessons take less)."""
POLL = 0.1
"""Seconds between looks at a running run's progress."""


class RunCancelled(Exception):
    """A run stopped before its end: the student cancelled it, or moved a control again."""


class Progress:
    """Where a run in the worker thread is (share of its horizon), and the flag that stops it."""

    def __init__(self) -> None:
        self.share = 0.0
        self.stop = threading.Event()

    def __call__(self, share: float) -> None:
        if self.stop.is_set():
            raise RunCancelled
        self.share = share


def _empty() -> dict[str, list]:
    return {"date": [], "value": []}


class Chart:
    """One series' figure: a line for the current, previous and pinned runs, updated in place
    (so a legend entry the student hid stays hidden)."""

    def __init__(self, label: str, colour: str):
        self.label = label
        self.sources = {name: ColumnDataSource(_empty()) for name, _ in RUNS}
        fig = figure(title=label, x_axis_type="datetime", height=230, sizing_mode="stretch_width",
                     tools="pan,box_zoom,wheel_zoom,reset,save")
        for name, style in RUNS:
            fig.line("date", "value", source=self.sources[name], color=colour, legend_label=name, **style)
        fig.add_tools(HoverTool(tooltips=[("date", "@date{%F}"), ("value", "@value{0,0.[00]}")],
                                formatters={"@date": "datetime"}, mode="vline"))
        fig.legend.click_policy = "hide"
        fig.legend.location = "top_left"
        self.pane = pn.pane.Bokeh(fig, sizing_mode="stretch_width")

    def show(self, runs: dict[str, LabRun | None]) -> None:
        for name, run in runs.items():
            frame = run.series.get(self.label) if run is not None else None
            self.sources[name].data = _empty() if frame is None else {"date": frame["date"].to_numpy(), "value": frame["value"].to_numpy()}


def kpi_cards(session: LabSession) -> str:
    """The KPIs of the current run as cards, each with its change from the pinned run."""
    current = session.current.kpis if session.current else {}
    pinned = session.pinned.kpis if session.pinned else {}
    deltas = session.deltas()
    cards = []
    for name in session.kpis:
        title, unit = session.caption(name)
        delta = deltas.get(name)
        # the change is noise below a share of the values it came from, not of itself
        scale = max(abs(current.get(name) or 0.0), abs(pinned.get(name) or 0.0))
        change = "" if delta is None else f"<div class='delta'>{html.escape(format_change(delta, unit, scale=scale))} vs pinned</div>"
        cards.append(f"<div class='card' title='{html.escape(name)}'><div class='name'>{html.escape(title)}</div>"
                     f"<div class='value'>{html.escape(format_value(current.get(name), unit))}</div>{change}</div>")
    style = ("<style>.cards{display:flex;flex-wrap:wrap;gap:8px}.card{border:1px solid #ccc;border-radius:6px;"
             "padding:6px 10px;min-width:150px}.name{font-size:11px;color:#555}.value{font-size:22px}"
             ".delta{font-size:12px;color:#333}</style>")
    return style + "<div class='cards'>" + "".join(cards) + "</div>"


def control_widget(session: LabSession, cid: str, on_change: Callable[[str, Any], Awaitable[None]]) -> pn.widgets.Widget:
    """A slider with a number box (or a choice, or a date) for one control; it reruns the model
    when the slider is released or a number typed, not while the slider is dragged."""
    view = session.controls[cid]
    c = view.control
    name = view.label + (f" ({c.unit})" if c.unit else "")

    async def moved(event: Any) -> None:  # a coroutine function, so Panel runs it on its event loop
        if event.new is not None:
            await on_change(cid, event.new)

    if view.is_date:
        widget = pn.widgets.DatePicker(label=name, value=session.values[cid], start=c.min, end=c.max, sizing_mode="stretch_width")
        widget.param.watch(moved, "value")
        return widget
    if c.values is not None:
        options = {("on" if v else "off") if isinstance(v, bool) else str(v): v for v in c.values}
        widget = pn.widgets.Select(label=name, options=options, value=session.values[cid], sizing_mode="stretch_width")
        widget.param.watch(moved, "value")
        return widget
    widget = number_widget(view, name, session.values[cid])
    widget.param.watch(moved, "value_throttled")
    return widget


def number_widget(view: ControlView, name: str, value: float) -> pn.widgets.Widget:
    """A slider in steps a person would type, with a box beside it that takes any value in the
    control's range (a value between the steps too)."""
    c = view.control
    assert c.min is not None and c.max is not None
    step = view.step()
    bounds = {"start": c.min, "end": c.max, "fixed_start": c.min, "fixed_end": c.max, "step": step}
    if view.whole():
        return pn.widgets.EditableIntSlider(label=name, value=int(value), format="0,0", sizing_mode="stretch_width",
                                            **{k: int(v) for k, v in bounds.items()})
    places = max(decimals(step), decimals(float(value)))
    return pn.widgets.EditableFloatSlider(label=name, value=float(value), format="0,0." + "0" * places,
                                          sizing_mode="stretch_width", **bounds)


def names(paths: Sequence[Path]) -> dict[str, Path]:
    """The selector's name for each file: its stem, or its path where two files share a stem."""
    stems = [p.stem for p in paths]
    return {(p.stem if stems.count(p.stem) == 1 else str(p)): p for p in paths}


class LabPage:
    """One browser session's page over the scenario files the lab was started with."""

    def __init__(self, paths: Sequence[Path]):
        self.sessions: dict[str, LabSession] = {}
        self.paths = names(paths)
        self.selector = pn.widgets.Select(label="Scenario", options=list(self.paths), sizing_mode="stretch_width")
        self.question = pn.pane.Markdown("")
        self.controls = pn.Column(sizing_mode="stretch_width")
        self.cards = pn.pane.HTML("", sizing_mode="stretch_width")
        self.status = pn.pane.Markdown("")
        self.charts: list[Chart] = []
        self.chart_column = pn.Column(sizing_mode="stretch_width")
        self.pin_button = pn.widgets.Button(label="Pin as baseline", color="primary")
        self.pin_button.on_click(lambda _: self.pin())
        self.reset_button = pn.widgets.Button(label="Back to the file's values")
        self.reset_button.on_click(self.reset_clicked)
        self.challenge = pn.pane.Markdown("")
        self.progress = pn.indicators.Progress(value=0, max=100, visible=False, sizing_mode="stretch_width")
        self.cancel_button = pn.widgets.Button(label="Cancel the run", color="warning", visible=False)
        self.cancel_button.on_click(lambda _: self.cancel())
        self.running: Progress | None = None
        self.pending: dict[str, Any] = {}  # control moves not yet run (a newer move stops the run before)
        # the settings a class hands in: a scenario file that reesim run accepts (charts save as PNG from their toolbar)
        self.download = pn.widgets.FileDownload(callback=lambda: io.StringIO(self.current.settings_yaml()),
                                                label="Download the settings (YAML)", sizing_mode="stretch_width")
        self.selector.param.watch(self.select, "value")
        self.layout = self.lay_out()
        self.shown = ""  # the scenario on the page (the selector may briefly hold what the browser sent)
        if self.paths:
            first = self.show(next(iter(self.paths)))
            if first.current is None:
                first.run()  # while the page loads, before the browser sees it
            self.redraw()

    def lay_out(self) -> pn.Row:
        """Two columns as high as the window, each scrolling on its own: the controls in the
        sidebar, and the run's status (progress, Cancel) above the question, KPIs and charts,
        so moving a control far down the list leaves the charts and the progress in view."""
        screen = {"max-height": "calc(100vh - 16px)", "overflow-y": "auto", "position": "sticky", "top": "0"}
        sidebar = pn.Column("## reesim lab", self.selector, pn.Row(self.pin_button, self.reset_button), self.download,
                            self.controls, width=360, styles=screen)
        status = pn.Column(self.status, pn.Row(self.progress, self.cancel_button, sizing_mode="stretch_width"),
                           sizing_mode="stretch_width")
        main = pn.Column(status, self.question, self.challenge, self.cards, self.chart_column,
                         sizing_mode="stretch_width", styles=screen)
        return pn.Row(sidebar, main, sizing_mode="stretch_width")

    def session(self, name: str) -> LabSession:
        if name not in self.sessions:
            self.sessions[name] = LabSession.open(self.paths[name])
        return self.sessions[name]

    def show(self, name: str) -> LabSession:
        """Lay out a scenario: its question, controls and (empty until it has run) charts."""
        session = self.session(name)
        self.shown = name
        self.download.filename = session.settings_filename
        self.question.object = f"### {html.escape(session.title)}\n\n**{html.escape(session.question)}**"
        self.controls.objects = [control_widget(session, cid, self.change) for cid in session.controls]
        self.charts = []  # drawn with the first run's data (a chart with no data cannot set its ranges)
        self.chart_column.objects = []
        return session

    async def select(self, event: Any) -> None:
        """Another scenario chosen: stop a run of the one before, show this one, run it if it has not run."""
        if event.new == self.shown or event.new != self.selector.value:  # the selector put back below, or moved on since
            return
        try:
            if event.new not in self.paths:  # only the files the lab was started with, whatever the browser sends
                raise LabValueError(f"{event.new} is not one of this lab's scenarios")
            self.session(event.new)
        except (LabValueError, InputError) as exc:  # (a file changed, and broken, since the lab started)
            self.status.object = f"**Not opened:** {html.escape(str(exc), quote=False)}"
            if self.selector.value == event.new:
                self.selector.value = self.shown
            return
        if self.running is not None:
            self.running.stop.set()
        self.pending = {}
        session = self.show(event.new)
        if session.current is None:
            await self.rerun({})
        else:
            pn.state.execute(self.redraw, schedule=True)

    @property
    def current(self) -> LabSession:
        return self.sessions[self.shown]

    async def change(self, cid: str, value: Any) -> None:
        await self.rerun({cid: value})

    async def rerun(self, changes: dict[str, Any]) -> None:
        """Run with the changes in a worker thread, so the page stays live; a run longer than
        `SHOW_PROGRESS_AFTER` shows its progress and can be cancelled. A move made while a run
        goes on stops that run and reruns with both moves; another scenario chosen stops it too."""
        self.pending.update(changes)
        if self.running is not None:  # the loop below picks the new move up
            self.running.stop.set()
            return
        loop = asyncio.get_running_loop()
        while True:  # at least once: a scenario's first run has no changes
            session = self.current
            asked, self.pending = self.pending, {}
            progress = self.running = Progress()
            started = time.monotonic()
            future = loop.run_in_executor(None, functools.partial(session.run, asked, progress=progress))
            while not future.done():
                await asyncio.wait([future], timeout=POLL)
                if not future.done() and time.monotonic() - started > SHOW_PROGRESS_AFTER:
                    self.progress.value = int(100 * progress.share)
                    self.progress.visible = self.cancel_button.visible = True
                    self.status.object = f"running: {format_value(progress.share, 'share')} of the horizon simulated"
            self.running = None
            self.progress.visible = self.cancel_button.visible = False
            try:
                run = future.result()
            except RunCancelled:
                if session is self.current:
                    if not self.pending:  # the student cancelled
                        self.sync_controls(session)
                        self.status.object = "cancelled: the charts and controls show the last run that finished"
                        return
                    self.pending = {**asked, **self.pending}  # a newer move: run with both
            except Exception as exc:  # refused values, a file changed since, or a defect: the page says which
                refused = isinstance(exc, LabValueError | InputError)
                if not refused:
                    logging.getLogger(__name__).exception("a lab run failed")
                if session is self.current:
                    what = "Not run" if refused else "Failed (a defect in reesim)"
                    self.status.object = f"**{what}:** {html.escape(str(exc), quote=False)}"
                    self.sync_controls(session)
                return
            else:
                if session is self.current:
                    self.status.object = f"ran in {format_value(run.seconds, 's')}"
                    self.sync_controls(session)
                    # Bokeh models change only under the document's lock, which an awaiting callback lacks
                    pn.state.execute(self.redraw, schedule=True)
            if not self.pending and self.current.current is not None:  # else a move, or another scenario, came meanwhile
                return

    def cancel(self) -> None:
        """Stop the run going on (its controls go back to the last run that finished)."""
        if self.running is not None:
            self.running.stop.set()

    async def reset_clicked(self, _: Any) -> None:
        await self.reset()

    async def reset(self) -> None:
        """Every control back at the file's value."""
        await self.rerun({cid: view.default for cid, view in self.current.controls.items()})

    def sync_controls(self, session: LabSession) -> None:
        """New widgets where the controls do not show the values of the run shown (after a reset or
        a cancel): the browser takes a new widget's value, where it may keep a slider it is moving."""
        shown = [w.value for w in self.controls.objects]
        if shown != [session.values[cid] for cid in session.controls]:
            self.controls.objects = [control_widget(session, cid, self.change) for cid in session.controls]

    def pin(self) -> None:
        if self.current.pin() is not None:
            self.status.object = "pinned: KPI changes are measured from this run"
        self.redraw()

    def redraw(self) -> None:
        session = self.current
        runs = {"current": session.current, "previous": session.previous, "pinned": session.pinned}
        new = not self.charts and session.current is not None
        if new:
            self.charts = [Chart(label, COLOURS[i % len(COLOURS)]) for i, label in enumerate(session.current.series)]
        for chart in self.charts:
            chart.show(runs)
        if new:  # on the page once they have data
            self.chart_column.objects = [c.pane for c in self.charts]
        self.cards.object = kpi_cards(session)
        challenge, (met, missing) = session.challenge, session.challenge_status()
        self.challenge.object = "" if challenge is None else (
            f"**Challenge:** {html.escape(challenge.text)} " + ("- **met**" if met else
                                                                "- not yet: " + html.escape("; ".join(missing))))


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def serve(paths: Sequence[Path], port: int | None = None, open_browser: bool = True, host: str = "127.0.0.1") -> None:
    """Serve the lab on ``host`` until interrupted; every browser session gets its own page."""
    pn.extension(notifications=False)
    port = port or free_port(host)
    address = f"http://{host}:{port}/"
    print(f"reesim lab: {address} (Ctrl+C stops it)", flush=True)
    pn.serve(lambda: LabPage(paths).layout, port=port, address=host, show=open_browser, title="reesim lab",
             websocket_origin=[f"{host}:{port}", f"localhost:{port}"], print_url=False, start=True)
