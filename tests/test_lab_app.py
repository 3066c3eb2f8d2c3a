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
    with param.edit_constant(cells):
        cells.value_throttled = 35.0  # what the browser sends when the slider is released
    assert page.current.values["cells"] == 35.0
    chart = page.charts[0]
    assert chart.sources["current"].data["value"][-1] == pytest.approx(30)  # separation is the next bottleneck
    assert chart.sources["previous"].data["value"][-1] == pytest.approx(12) == chart.sources["pinned"].data["value"][-1]
    assert "vs pinned" in page.cards.object
    with param.edit_constant(cells):
        cells.value_throttled = 500.0
    assert "outside the range 1 to 80" in page.status.object and page.current.values["cells"] == 35.0


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


def test_the_served_page_loads_in_a_browser(tmp_path: Path) -> None:
    _need_panel()
    from test_browser import chromium

    port = _free_port()
    reesim = Path(sys.executable).with_name("reesim")
    server = subprocess.Popen([str(reesim), "lab", "--no-browser", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    page = response.read().decode()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "the lab did not start"
                time.sleep(0.3)
        assert "<title>reesim lab</title>" in page
        proc = chromium(tmp_path, "--virtual-time-budget=8000", "--dump-dom", url)
        assert proc.returncode == 0, proc.stderr[-2000:]
        console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
        assert any("Websocket connection 0 is now open" in line for line in console), console
        assert [line for line in console if "[bokeh" not in line or "error" in line.lower()] == []
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0]
    assert f"reesim lab: http://127.0.0.1:{port}/" in output
    assert "Traceback" not in output and "ERROR" not in output, output
