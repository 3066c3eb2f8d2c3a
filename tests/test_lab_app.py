"""The lab's page and command: the page built in-process, the command's checks, and the served page
in headless Chromium (skipped locally without Panel or Chromium; `make setup` and `.ci/run` install both)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import sim
from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
LESSON2 = ROOT / "scenarios" / "teaching" / "2_bottleneck.yaml"


def _need_panel() -> None:
    try:
        import panel  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("panel is not installed (make setup installs the lab extra)")
        pytest.skip("panel is not installed")


def test_the_page_shows_a_lessons_controls_and_reruns_on_release() -> None:
    _need_panel()
    import asyncio

    import param

    from sim.lab.app import LabPage

    page = LabPage([ROOT / "scenarios" / "teaching" / "1_one_kiln.yaml", LESSON2])
    assert page.selector.options == ["1_one_kiln", "2_bottleneck"]
    page.selector.value = "2_bottleneck"
    sliders = {w.label: w for w in page.controls.objects}
    assert set(sliders) == {f"{n} (t/day)" for n in ("Mine", "Separation", "Metal cells", "Alloying", "Magnet plant")}
    assert "Which stage limits the chain?" in page.question.object
    page.pin()
    cells = sliders["Metal cells (t/day)"]
    assert (cells.start, cells.end, cells.step) == (1, 80, 1) and cells.value == 12
    with param.edit_constant(cells):
        cells.value_throttled = 35  # what the browser sends when the slider is released (or 35 is typed in its box)
    assert page.current.values["cells"] == 35
    chart = page.charts[0]
    assert chart.sources["current"].data["value"][-1] == pytest.approx(30)  # separation is the next bottleneck
    assert chart.sources["previous"].data["value"][-1] == pytest.approx(12) == chart.sources["pinned"].data["value"][-1]
    assert "vs pinned" in page.cards.object
    assert "**Challenge:** Deliver more than 55%" in page.challenge.object and "**met**" in page.challenge.object
    with pytest.raises(ValueError):  # the box takes no value beyond the control's range
        cells.value = 500
    asyncio.run(page.change("cells", 500))  # nor the session, whatever the browser sends
    assert "outside the range 1 to 80" in page.status.object and page.current.values["cells"] == 35
    page.reset_button.clicks += 1
    assert page.current.values["cells"] == 12 and page.controls.objects[2].value == 12
    assert "not yet" in page.challenge.object


def _long_baseline(tmp_path: Path) -> Path:
    """The world baseline over five years: a run of two seconds or more with the compiled engine
    (five as Python), long enough to watch and cancel."""
    path = tmp_path / "long.yaml"
    path.write_text(f"extends: {ROOT / 'scenarios' / 'baseline.yaml'}\nmeta: {{name: long, horizon_days: 1826}}\n")
    return path


def test_a_long_run_shows_its_progress_and_can_be_cancelled(tmp_path: Path) -> None:
    _need_panel()
    import asyncio

    from sim.lab.app import LabPage

    page = LabPage([_long_baseline(tmp_path)])
    session = page.current
    first, values = session.current, dict(session.values)
    cid = next(iter(session.controls))
    slider = page.controls.objects[0]
    seen: list[int] = []

    async def move_then_cancel() -> None:
        slider.value = round(session.controls[cid].default / 2)  # the browser moves the slider, then releases it
        running = asyncio.ensure_future(page.change(cid, slider.value))
        while not page.cancel_button.visible:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.4)
        seen.append(page.progress.value)
        page.cancel_button.clicks += 1
        await running

    asyncio.run(move_then_cancel())
    assert 0 < seen[0] < 100 and "running:" not in page.status.object
    assert "cancelled" in page.status.object and not page.progress.visible and not page.cancel_button.visible
    assert session.current is first and session.values == values  # nothing of the cancelled run is kept
    assert page.controls.objects[0].value == values[cid]  # and the slider is back where the run shown had it


def test_a_move_during_a_run_stops_it_and_runs_with_both_moves(tmp_path: Path) -> None:
    _need_panel()
    import asyncio

    from sim.lab.app import LabPage

    page = LabPage([_long_baseline(tmp_path)])
    session = page.current
    first = session.current
    a, b = list(session.controls)[:2]
    half = {cid: session.controls[cid].default / 2 for cid in (a, b)}

    async def two_moves() -> None:
        running = asyncio.ensure_future(page.change(a, half[a]))
        await asyncio.sleep(0.5)
        await page.change(b, half[b])  # returns at once: the run going on picks it up
        await running

    asyncio.run(two_moves())
    assert session.values[a] == half[a] and session.values[b] == half[b]
    assert session.previous is first  # one run finished after the first: the one with both moves
    assert session.current is not None and session.current.settings == {session.controls[c].control.path: half[c] for c in (a, b)}
    assert page.status.object.startswith("ran in")


def test_the_command_checks_its_files_first(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(LESSON2.read_text().replace("kpis: [fill_rate,", "kpis: [fill_rat,"))
    assert main(["lab", str(bad), "--no-browser"]) == 2
    assert "did you mean 'fill_rate'?" in capsys.readouterr().err


def test_without_panel_the_command_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setitem(sys.modules, "panel", None)  # import panel now fails
    monkeypatch.delitem(sys.modules, "sim.lab.app", raising=False)
    assert main(["lab", str(LESSON2), "--no-browser"]) == 2
    assert "the lab needs the lab extra: pip install -e '.[lab]'" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


TEXT = """(() => { const out = []; const walk = (n) => { if (n.shadowRoot) walk(n.shadowRoot);
  for (const c of n.children || []) walk(c);
  if (!['STYLE', 'SCRIPT'].includes(n.tagName) && n.childElementCount === 0 && n.textContent.trim()) out.push(n.textContent.trim()); };
  walk(document.body); return out.join(' | '); })()"""
"""Every piece of text on the page, shadow roots included (Bokeh draws its widgets in them)."""
LABELS = """[...Bokeh.documents[0].all_models].map(m => typeof m.title === 'string' ? m.title
  : (typeof m.text === 'string' && m.text.endsWith(':') ? m.text.slice(0, -1) : '')).filter(t => t).join(' | ')"""
"""The widgets' labels (a slider's sits in the text beside its number box)."""
CONTROL = """[...Bokeh.documents[0].all_models].find(m => m.children && m.children.length === 2 && m.children[0].children
  && m.children[0].children[0] && m.children[0].children[0].text === '{label}:')"""
"""A slider with its number box, by its label: a column of (label, box) and the slider."""
MOVE = f"(() => {{ const s = {CONTROL.format(label='Carbonate feed (t/day)')}.children[1]; s.value = 30; s.value_throttled = 30; }})()"
"""What releasing the feed slider at 30 sends to the server."""
CHOOSE_LESSON2 = "[...Bokeh.documents[0].all_models].filter(m => m.title === 'Scenario').forEach(m => { m.value = '2_bottleneck'; })"
TYPE_CELLS = f"(() => {{ const b = {CONTROL.format(label='Metal cells (t/day)')}.children[0].children[1]; b.value = 35; b.value_throttled = 35; }})()"
"""What typing 35 into the metal cells' number box sends."""
CELLS_SLIDER = f"String({CONTROL.format(label='Metal cells (t/day)')}.children[1].value)"
IN_VIEW = """(() => { const all = (n) => [n, ...[...(n.shadowRoot ? n.shadowRoot.children : []), ...n.children].flatMap(all)];
  const canvas = all(document.body).filter(n => n.tagName === 'CANVAS');
  return JSON.stringify({fits: document.scrollingElement.scrollHeight <= window.innerHeight + 2, page: document.scrollingElement.scrollHeight,
    window: window.innerHeight, charts: canvas.filter(c => { const r = c.getBoundingClientRect(); return r.height > 50 && r.bottom <= window.innerHeight; }).length}); })()"""
"""Whether the page fits the window (each column scrolls on its own) and a chart is drawn."""
MAGNETS_MADE = """JSON.stringify([...Bokeh.documents[0].all_models]
  .filter(m => m.title && m.title.text === 'magnets made').map(f => f.renderers.map(r => Array.from(r.data_source.get_column('value') || []).slice(-1)[0])))"""
"""The last day's magnets made, in the chart, by line (current, previous, pinned)."""


class Browser:
    """Headless Chromium driven over the DevTools protocol (tornado's websocket client, which Bokeh
    brings): evaluate JavaScript, and collect console errors and uncaught exceptions."""

    def __init__(self, ws):
        self.ws, self.calls, self.errors = ws, 0, []

    async def call(self, method: str, **params):
        import json

        self.calls += 1
        await self.ws.write_message(json.dumps({"id": self.calls, "method": method, "params": params}))
        while True:
            msg = json.loads(await self.ws.read_message())
            event = msg.get("params", {})
            if msg.get("method") == "Runtime.consoleAPICalled" and event["type"] in ("error", "warning", "assert"):
                self.errors.append(" ".join(str(a.get("value")) for a in event["args"]))
            if msg.get("method") == "Runtime.exceptionThrown":
                self.errors.append(str(event["exceptionDetails"]))
            if msg.get("id") == self.calls:
                return msg.get("result", {})

    async def text(self, expression: str = TEXT) -> str:
        return (await self.call("Runtime.evaluate", expression=expression, returnByValue=True))["result"].get("value") or ""

    async def figure_when(self, expression: str, done, seconds: float):
        """The figure's data (``expression``) once ``done`` says it is drawn, or at the deadline:
        the figure is redrawn just after the KPIs, so reading it at once can catch the last draw."""
        import asyncio
        import json

        started = time.monotonic()
        while True:
            data = json.loads(await self.text(expression))
            if done(data) or time.monotonic() - started > seconds:
                return data
            await asyncio.sleep(0.05)

    async def wait_for(self, needle: str, seconds: float) -> tuple[str, float]:
        import asyncio

        started = time.monotonic()
        while True:
            text = await self.text()
            if needle in text or time.monotonic() - started > seconds:
                return text, time.monotonic() - started
            await asyncio.sleep(0.05)


def _serve_lab(port: int) -> subprocess.Popen:
    reesim = Path(sys.executable).with_name("reesim")
    server = subprocess.Popen([str(reesim), "lab", "--no-browser", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                assert "<title>reesim lab</title>" in response.read().decode()
            return server
        except OSError:
            assert server.poll() is None and time.monotonic() < deadline, "the lab did not start"
            time.sleep(0.3)


def test_the_served_page_redraws_when_a_slider_is_released_to_what_reesim_run_gives(tmp_path: Path) -> None:
    _need_panel()
    import asyncio
    import json

    from test_browser import CHROMIUM
    from tornado.websocket import websocket_connect

    from sim.lab.numbers import format_value

    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs Debian's chromium)")
        pytest.skip("chromium is not installed")
    assert main(["run", str(LESSON2), "--set", "facilities.cells.capacity.t_per_day=35", "--out", str(tmp_path / "cells35"), "--no-figures"]) == 0
    kpis = json.loads((tmp_path / "cells35" / "kpis.json").read_text())
    expected = {"fill_rate": format_value(kpis["fill_rate"], "share"), "production_t": format_value(kpis["production_t"]["magnet"], "t")}
    at_file = f"fill rate | {format_value(sim.run(LESSON2).kpis['fill_rate'], 'share')}"  # the cells at the file's 12 t/day
    port, debug = _free_port(), _free_port()
    server = _serve_lab(port)
    chrome = subprocess.Popen([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                               "--disable-background-networking", "--disable-component-update", "--disable-sync",
                               f"--remote-debugging-port={debug}", f"--user-data-dir={tmp_path / 'profile'}",
                               "--window-size=1300,1000", "about:blank"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    async def visit() -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{debug}/json", timeout=5) as response:
                    page = next(t for t in json.load(response) if t["type"] == "page")
                break
            except (OSError, StopIteration):
                assert time.monotonic() < deadline, "chromium did not start"
                await asyncio.sleep(0.2)
        browser = Browser(await websocket_connect(page["webSocketDebuggerUrl"], max_message_size=2**26))
        await browser.call("Runtime.enable")
        await browser.call("Page.navigate", url=f"http://127.0.0.1:{port}/")
        text, _ = await browser.wait_for("Pin as baseline", 30)
        assert "The kiln takes 40 t of carbonate a day" in text and "2_bottleneck" in text and "7_price_feedback" in text
        assert "utilisation: gansu_kiln | 99.4%" in text
        labels = await browser.text(LABELS)
        assert {"Scenario", "Carbonate feed (t/day)", "Kiln capacity (carbonate in) (t/day)", "Oxide per t of carbonate (t/t)"} <= set(labels.split(" | "))
        view = json.loads(await browser.text(IN_VIEW))
        assert view["fits"] and view["charts"] >= 1, view  # no page to scroll: the columns scroll, a chart shows
        await browser.call("Runtime.evaluate", expression=MOVE)
        text, seconds = await browser.wait_for("utilisation: gansu_kiln | 74.6%", 10)
        assert "utilisation: gansu_kiln | 74.6%" in text  # 30 t of feed for a 40 t kiln, less its start
        assert seconds < 5, seconds  # about a second on a busy machine; a tenth of that alone
        # lesson 2: the metal cells raised to 35 t/day give the KPIs reesim run gives for that setting
        await browser.call("Runtime.evaluate", expression=CHOOSE_LESSON2)
        text, _ = await browser.wait_for("Which stage limits the chain?", 10)
        text, _ = await browser.wait_for(at_file, 10)
        assert json.loads(await browser.text(MAGNETS_MADE)) == [pytest.approx([12, None, None])]
        await browser.call("Runtime.evaluate", expression=TYPE_CELLS)
        text, seconds = await browser.wait_for(f"fill rate | {expected['fill_rate']}", 10)
        assert f"fill rate | {expected['fill_rate']}" in text and at_file not in text
        assert f"production: magnet | {expected['production_t']}" in text and seconds < 5
        made = await browser.figure_when(MAGNETS_MADE, lambda d: len(d) == 1 and d[0][1] is not None, 10)
        assert made == [pytest.approx([30, 12, None])]  # the run before, faded
        assert await browser.text(CELLS_SLIDER) == "35"  # the slider follows the box
        assert browser.errors == []

    try:
        asyncio.run(asyncio.wait_for(visit(), 120))
    finally:
        chrome.terminate()
        chrome.wait(timeout=20)
        server.terminate()
        output = server.communicate(timeout=20)[0]
    assert f"reesim lab: http://127.0.0.1:{port}/" in output
    assert "Traceback" not in output and "ERROR" not in output, output


def test_files_sharing_a_name_are_told_apart() -> None:
    _need_panel()
    from sim.lab.app import names

    a, b, c = Path("x/lesson.yaml"), Path("y/lesson.yaml"), Path("y/other.yaml")
    assert names([a, b, c]) == {"x/lesson.yaml": a, "y/lesson.yaml": b, "other": c}


def test_the_page_opens_only_the_files_it_was_given() -> None:
    _need_panel()
    from sim.lab.app import LabPage

    page = LabPage([LESSON2])
    for sent in ("/etc/passwd", "../baseline", str(ROOT / "scenarios" / "baseline.yaml")):
        page.selector.value = sent  # as if the browser sent it
        assert f"{sent} is not one of this lab's scenarios" in page.status.object
        assert list(page.sessions) == ["2_bottleneck"] and page.selector.value == "2_bottleneck"


def test_a_file_broken_while_the_lab_runs_is_not_opened(tmp_path: Path) -> None:
    _need_panel()
    from sim.lab.app import LabPage

    lesson = tmp_path / "lesson.yaml"
    lesson.write_text(LESSON2.read_text())
    page = LabPage([ROOT / "scenarios" / "teaching" / "1_one_kiln.yaml", lesson])
    lesson.write_text(LESSON2.read_text().replace("t_per_day: 50", "t_per_day: lots"))  # a teacher's edit
    page.selector.value = "lesson"
    assert "**Not opened:**" in page.status.object and "t_per_day" in page.status.object
    assert page.selector.value == "1_one_kiln" and page.current.current is not None


def test_choosing_another_scenario_during_a_run_stops_it_and_reruns_nothing(tmp_path: Path) -> None:
    _need_panel()
    import asyncio

    from sim.lab.app import LabPage

    page = LabPage([LESSON2, _long_baseline(tmp_path)])
    lesson = page.current
    lesson_runs = (lesson.current, lesson.previous)
    page.selector.value = "long"  # its first run
    long = page.current
    cid = next(iter(long.controls))

    async def move_then_go_back() -> None:
        running = asyncio.ensure_future(page.change(cid, long.controls[cid].default / 2))
        await asyncio.sleep(0.5)
        page.selector.value = "/etc/passwd"  # refused: the run goes on
        await asyncio.sleep(0.1)
        assert page.selector.value == "long" and page.running is not None and not page.running.stop.is_set()
        page.selector.value = "2_bottleneck"  # stops it
        await running

    first_long = long.current
    asyncio.run(move_then_go_back())
    assert long.current is first_long and long.values[cid] == long.controls[cid].default  # nothing of it kept
    assert (lesson.current, lesson.previous) == lesson_runs  # the lesson shown again, not run again
    assert page.current is lesson and "cancelled" not in page.status.object


def test_runs_use_the_file_as_the_lab_read_it(tmp_path: Path) -> None:
    from sim.lab.model import LabSession

    lesson = tmp_path / "lesson.yaml"
    lesson.write_text(LESSON2.read_text())
    session = LabSession.open(lesson)
    before = session.run().kpis["fill_rate"]
    lesson.write_text(LESSON2.read_text().replace("capacity: {t_per_day: 12}", "capacity: {t_per_day: 30}"))
    assert session.run().kpis["fill_rate"] == before  # the sliders show 12 t/day for the cells: so do the runs
