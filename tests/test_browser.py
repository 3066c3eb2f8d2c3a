"""report.html in a real browser (headless Chromium): no console message, every image loaded, and a
screenshot that is not blank. `.ci/run` installs Debian's chromium; without it the test is skipped
locally and fails in CI."""

import os
import shutil
import subprocess

import pytest
from matplotlib import image

from conftest import SCENARIOS
from sim.cli import main
from sim.report.figures import FIGURES

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0"]


def chromium(tmp_path, *args):
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs Debian's chromium)")
        pytest.skip("chromium is not installed")
    cmd = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def licensing_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser") / "run"
    assert main(["run", str(SCENARIOS / "export_licensing_2025.yaml"), "--out", str(out)]) == 0
    return out / "report.html"


def test_report_loads_cleanly(licensing_report, tmp_path):
    proc = chromium(tmp_path, "--dump-dom", licensing_report.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    figures = licensing_report.read_text().count("<img ")
    assert figures == len(FIGURES) - 1  # all but the stockpile: this run has no reserve
    assert f'data-images="{figures}" data-broken-images="0"' in proc.stdout
    # the answer first, and demand met by region and material, as the browser lays the page out
    dom = proc.stdout
    assert dom.index('id="answer"') < dom.index('id="kpis-section"')
    assert "In USA, buyers of ndfeb_magnet got" in dom and "ran short between" in dom
    assert "By region and material" in dom and ">ndfeb_magnet_hre_free<" in dom
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []


def test_screenshot_is_not_blank(licensing_report, tmp_path):
    shot = tmp_path / "report.png"
    proc = chromium(tmp_path, "--window-size=1200,2400", f"--screenshot={shot}", licensing_report.as_uri())
    assert proc.returncode == 0 and shot.exists(), proc.stderr[-2000:]
    pixels = image.imread(shot)[..., :3]
    assert pixels.std() > 0.05  # text, tables and figures, not an empty page
    assert (pixels.mean(axis=2) < 0.5).mean() > 0.005  # some dark ink


def test_the_check_catches_a_broken_image(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<html><body><img alt='x' src='data:image/png;base64,AAAA'><script>window.addEventListener('load',"
                    "function(){console.error('broken images: x')});</script></body></html>")
    proc = chromium(tmp_path, "--dump-dom", page.as_uri())
    assert any(":CONSOLE" in line and "broken images" in line for line in proc.stderr.splitlines())


def test_comparison_and_sweep_reports_load_cleanly(tmp_path):
    from conftest import TEST_SCENARIOS

    b = tmp_path / "b.yaml"
    b.write_text(f"extends: {TEST_SCENARIOS / 'chain.yaml'}\nmeta: {{name: slower}}\nfacilities:\n  cells: {{capacity: {{t_per_day: 15}}}}\n")
    assert main(["compare", str(TEST_SCENARIOS / "chain.yaml"), str(b), "--replications", "3", "--out", str(tmp_path / "cmp.csv")]) == 0
    spec = tmp_path / "s.yaml"
    spec.write_text(f"""sweep:
  name: browser
  base: {TEST_SCENARIOS / 'chain.yaml'}
  replications: 3
  parameters:
    demand: {{path: demand.usa_ev.t_per_day, values: [30, 50]}}
  kpis: [fill_rate, unmet_demand_t]
  timeseries: {{variables: [level_t], entities: [market]}}
""")
    assert main(["sweep", str(spec), "--executor", "serial", "--out", str(tmp_path / "sw"), "--no-progress"]) == 0
    doms = {}
    for page in (tmp_path / "cmp.html", tmp_path / "sw" / "sweep_report.html"):
        proc = chromium(tmp_path, "--dump-dom", page.as_uri())
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert 'data-broken-images="0"' in proc.stdout, page
        assert [line for line in proc.stderr.splitlines() if ":CONSOLE" in line] == []
        doms[page.name] = proc.stdout
    # the comparison's intervals and percentages; the sweep's panels by parameter
    assert "95% interval of B - A" in doms["cmp.html"] and "common random numbers" in doms["cmp.html"]
    assert "%</td>" in doms["cmp.html"]
    assert "fill_rate against each parameter" in doms["sweep_report.html"]
