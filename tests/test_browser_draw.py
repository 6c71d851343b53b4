"""The Draw page in a real browser: a run trained on real MNIST reads a digit drawn with the mouse."""
import re

import pytest
from playwright.sync_api import expect, sync_playwright

from app_server import CHROMIUM_ARGS, ROOT, running_app
from mnistlab import RunConfig, train
from mnistlab.data import data_dir
from mnistlab.runs import run_to_zip

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
LAPTOP = {"width": 1366, "height": 768}
SEVEN = [(70, 60), (215, 60), (125, 235)]  # canvas pixels of one stroke: the top bar, then down to the left
FOOT = [(95, 150), (180, 150)]  # a stroke across the 7's leg: what the runs read changes

# The probabilities drawn for the first run (null while there is no chart), to see the bars change.
BARS = ("() => { const plot = document.querySelector('[data-testid=\"stPlotlyChart\"] .js-plotly-plot'); "
        "return plot && plot.data ? plot.data[0].x.join(',') : null; }")
# The title over the first run's bars: 'label<br><b>guess</b> (p %)'.
TITLE = ("() => document.querySelector('[data-testid=\"stPlotlyChart\"] .js-plotly-plot')"
         ".layout.annotations[0].text")


@pytest.fixture
def saved_runs(mnist, tmp_path):
    """Two real runs of the course's MLP, 1 epoch at batch 512 on real MNIST, without and with dropout, as .zip."""
    paths = []
    for dropout in (0.0, 0.2):
        run = train(RunConfig(epochs=1, batch_size=512, dropout=dropout, device="cpu"), mnist)
        assert run.status == "completed" and run.test_accuracy > 85
        paths.append(tmp_path / f"run-{dropout}.zip")
        paths[-1].write_bytes(run_to_zip(run))
    return paths


def upload(page, path) -> None:
    """A saved run, opened on the Results page."""
    page.locator("[data-testid=stTopNav] a[href$='/results']").click()  # its title is in the page's language
    page.locator("input[type=file]").set_input_files(str(path))


def stroke(page, points) -> float:
    """Draw one stroke with the mouse on the canvas; returns the page's clock (ms) at the mouse-up."""
    box = page.locator("canvas").last.bounding_box()
    (x, y), rest = points[0], points[1:]
    page.mouse.move(box["x"] + x, box["y"] + y)
    page.mouse.down()
    for x, y in rest:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=15)
    page.mouse.up()
    return page.evaluate("performance.now()")


def bars_changed_after(page, before: str | None, mouse_up: float) -> float:
    """Waits until the bars show other probabilities than `before`; the ms from the mouse-up to then."""
    page.wait_for_function(f"b => {{ const now = ({BARS})(); return now !== null && now !== b; }}", arg=before,
                           timeout=30_000, polling="raf")
    return page.evaluate("performance.now()") - mouse_up


def shot(page, name: str) -> None:
    page.wait_for_timeout(800)  # let Plotly finish drawing
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_a_digit_drawn_with_the_mouse_is_read_by_the_sessions_run(saved_runs, chromium, capsys):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with running_app(data_dir().resolve(), SCREENSHOTS.parent / "streamlit-draw.log") as url, \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=LAPTOP)
            page.goto(url + "/draw")
            expect(page.get_by_text("No trained run yet")).to_be_visible(timeout=120_000)
            shot(page, "draw-no-run")

            page.get_by_role("link", name="Upload a saved run").click()
            page.locator("input[type=file]").set_input_files(str(saved_runs[0]))
            expect(page.get_by_text("1. epochs 1, batch_size 512 (uploaded)").first).to_be_visible(timeout=60_000)
            # its charts: the tab has loaded Plotly's script, as a lecture's tab has by the time anyone draws
            expect(page.locator("[data-testid=stPlotlyChart] .js-plotly-plot >> visible=true").first).to_be_visible(
                timeout=60_000)
            page.get_by_test_id("stTopNav").get_by_role("link", name="Draw").click()
            expect(page.get_by_text("The canvas is empty: draw a digit first.")).to_be_visible(timeout=60_000)
            page.wait_for_timeout(1000)  # the canvas's script is ready
            shot(page, "draw-blank")

            first = bars_changed_after(page, None, stroke(page, SEVEN))
            title = page.get_by_test_id("stPlotlyChart").locator(".annotation-text").first
            expect(title).to_contain_text("1. epochs 1, batch_size 512 (uploaded)")
            guess = re.search(r"<b>(.+?)</b>", page.evaluate(TITLE)).group(1)
            shot(page, "draw-seven")
            before = page.evaluate(BARS)
            second = bars_changed_after(page, before, stroke(page, FOOT))
            shot(page, "draw-seven-crossed")
            with capsys.disabled():
                print(f"\nstroke → bars: {first:.0f} ms from a blank canvas, {second:.0f} ms for a second stroke; "
                      f"the run read the 7 as {guess}")
            assert guess == "7"  # one epoch of the course's MLP reads a plain 7

            page.get_by_role("button", name="Clear").click()
            expect(page.get_by_text("The canvas is empty: draw a digit first.")).to_be_visible(timeout=30_000)
            expect(page.get_by_test_id("stPlotlyChart")).to_have_count(0)
            page.wait_for_timeout(1000)
            again = bars_changed_after(page, None, stroke(page, SEVEN))
            with capsys.disabled():
                print(f"stroke → bars after Clear: {again:.0f} ms")

            assert re.search(r"/draw\?(lang=\w+&)?session=[\w-]+$", page.url), page.url
            page.goto(re.sub(r"lang=\w+&", "", page.url) + "&lang=fr")  # a reload in French keeps the session's runs
            expect(page.get_by_text("dessinez d'abord un chiffre")).to_be_visible(
                timeout=60_000)
            page.wait_for_timeout(1000)
            bars_changed_after(page, None, stroke(page, SEVEN))
            expect(page.get_by_role("heading", name="Dessinez un chiffre")).to_be_visible()
            shot(page, "draw-seven-fr")

            # a second run: both read the same drawing, side by side
            upload(page, saved_runs[1])
            expect(page.get_by_text(re.compile(r"^2\. dropout")).first).to_be_visible(
                timeout=60_000)
            page.get_by_test_id("stTopNav").get_by_role("link", name="Dessiner").click()
            expect(page.get_by_text("dessinez d'abord un chiffre")).to_be_visible(timeout=60_000)
            page.wait_for_timeout(1000)
            bars_changed_after(page, None, stroke(page, SEVEN))
            expect(page.get_by_test_id("stPlotlyChart").locator(".annotation-text")).to_have_count(2)
            shot(page, "draw-two-runs-fr")
            width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], f"the page scrolls sideways: {width}"
            page.goto(re.sub(r"lang=\w+&", "", page.url) + "&lang=en")
            expect(page.get_by_text("The canvas is empty: draw a digit first.")).to_be_visible(timeout=60_000)
            page.wait_for_timeout(1000)
            bars_changed_after(page, None, stroke(page, SEVEN))
            stroke(page, FOOT)
            page.wait_for_timeout(1500)
            shot(page, "draw-two-runs")
        finally:
            browser.close()
