"""The real app in a real browser: `streamlit run app.py` on real MNIST, driven by Chromium through Playwright."""
import os
import re

import pytest
from playwright.sync_api import expect, sync_playwright

import time_app
import app_server
from app_server import CHROMIUM_ARGS, ROOT, find_chromium, running_app
from mnistlab.config import RunConfig
from mnistlab.data import data_dir
from mnistlab.runs import Run, run_to_zip

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
PROJECTOR = {"width": 1280, "height": 800}
LAPTOP = {"width": 1366, "height": 768}
PAGE_HEADINGS = {"Train": "Train an MLP", "Results": "Results", "Compare": "Compare runs", "Data": "The data",
                 "Lesson": "The course in one click"}
TRAINING_WAIT_MS = 480_000  # one epoch at batch 512 takes well under a minute alone, minutes on a loaded CI machine


@pytest.fixture
def server(chromium, mnist):
    """`streamlit run app.py` on a free local port with the real data; always stopped afterwards."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with running_app(data_dir().resolve(), SCREENSHOTS.parent / "streamlit.log") as url:
        yield url


# Counts, from now on, the animation frames in which the first Plotly chart is hidden: Streamlit hides a remounted
# chart for a frame when its figure has no width, a blink at each live redraw (see ui/widgets.chart).
WATCH_BLINKS = """() => { window.blinks = 0; window.frames = 0;
  const tick = () => { window.frames++;
    const plot = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
    if (plot && getComputedStyle(plot).visibility === 'hidden') window.blinks++;
    requestAnimationFrame(tick); };
  requestAnimationFrame(tick); }"""

# The x of the train loss's last point on the live chart (null while a redraw swaps the chart).
LIVE_POINT = ("() => { const plot = document.querySelector('.js-plotly-plot'); "
              "return plot && plot.data ? plot.data[0].x.slice(-1)[0] : null; }")


def shot(page, name: str) -> None:
    page.wait_for_timeout(800)  # let Plotly finish drawing
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def go_to(page, title: str) -> None:
    page.get_by_test_id("stTopNav").get_by_role("link", name=title).click()


@pytest.mark.slow
@pytest.mark.browser
def test_train_a_short_run_live_then_read_its_results(server, chromium):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=PROJECTOR)
            page.goto(server)
            start = page.get_by_role("button", name="Start training")
            expect(start).to_be_enabled(timeout=120_000)  # enabled once the data set is loaded
            shot(page, "1-train")

            epochs = page.get_by_label("Epochs")
            epochs.fill("1")
            epochs.press("Enter")
            batch_size = page.get_by_role("slider").nth(2)  # learning rate, dropout, batch size
            batch_size.focus()
            for _ in range(3):  # 64 → 128 → 256 → 512: a shorter epoch
                batch_size.press("ArrowRight")
            expect(page.get_by_text("run name: epochs 1, batch_size 512")).to_be_visible()
            start.click()

            curves = page.get_by_test_id("stPlotlyChart")
            accuracy = page.get_by_test_id("stMetric").filter(has_text="Test accuracy")
            expect(accuracy).to_be_visible(timeout=TRAINING_WAIT_MS)
            value = float(re.search(r"([\d.]+)\s?%", accuracy.inner_text()).group(1))
            assert 85 < value <= 100  # one epoch of the course's MLP on real MNIST
            expect(page.get_by_text("completed")).to_be_visible()
            # train and validation, loss and accuracy; the gap, the best epoch and the loss every 25 steps
            expect(curves.locator(".scatterlayer .trace")).to_have_count(7)
            shot(page, "2-trained")

            go_to(page, "Results")
            expect(page.get_by_test_id("stMetric").filter(has_text=re.compile(rf"{value:.2f}\s?%"))).to_be_visible(
                timeout=30_000)
            heading = page.get_by_text("Misclassified test images")
            expect(heading).to_be_visible()
            expect(page.get_by_test_id("stPlotlyChart")).to_have_count(4)  # curves, per class, confusion, gallery
            everything = re.search(r"(\d+) shown of ([\d,]+)", heading.inner_text())
            assert everything.group(1) == "24"  # the gallery's 24, of all the run's mistakes
            cell = page.locator(".st-key-confusion .scatterlayer .point").nth(4 * 10 + 9)
            cell.click(force=True)  # true 4, predicted 9: a transparent marker over the heatmap's cell
            expect(heading).to_contain_text(f"({everything.group(2)} mistakes in all)", timeout=30_000)
            expect(page.get_by_text("4→9").first).to_be_visible()
            shot(page, "4-results-filtered")
            page.set_viewport_size({"width": PROJECTOR["width"], "height": 2400})
            shot(page, "4-results-whole")
            page.set_viewport_size(PROJECTOR)

            go_to(page, "Data")
            expect(page.get_by_test_id("stMetric").filter(has_text="Validation images")).to_contain_text("12,000",
                                                                                                       timeout=30_000)
            shot(page, "5-data")

            # A long run survives a page change, then Stop ends it and keeps what it learnt.
            go_to(page, "Train")
            epochs = page.get_by_label("Epochs")
            epochs.fill("20")
            epochs.press("Enter")
            expect(page.get_by_text("run name: epochs 20, batch_size 512")).to_be_visible(timeout=30_000)
            page.get_by_role("button", name="Start training").click()
            expect(page.get_by_text(re.compile(r"Epoch \d+/20 · \d+\s?%"))).to_be_visible(timeout=60_000)
            expect(page.get_by_test_id("stPlotlyChart").locator(".scatterlayer .trace").first).to_be_visible()
            page.evaluate(WATCH_BLINKS)
            first_point = page.evaluate(LIVE_POINT)
            page.wait_for_function(f"() => ({LIVE_POINT})() > {first_point or 0} && window.frames > 150",
                                   timeout=60_000)  # the live point moved on over a few redraws
            frames, blinks = page.evaluate("() => [window.frames, window.blinks]")
            assert blinks == 0, f"the live chart blinked in {blinks} of {frames} frames"
            shot(page, "6-training-live")
            go_to(page, "Compare")
            expect(page.get_by_text(re.compile(r"Training 2\. epochs 20.*Epoch \d+/20"))).to_be_visible(timeout=30_000)
            shot(page, "7-training-seen-from-compare")
            go_to(page, "Train")
            page.get_by_role("button", name="Stop").first.click(timeout=30_000)  # Start became Stop
            expect(page.get_by_text("Stopped by the user during epoch")).to_be_visible(timeout=30_000)
            shot(page, "8-stopped")

            go_to(page, "Compare")
            table = page.get_by_test_id("stTable").first  # the runs; then the seeds per setting
            expect(table).to_be_visible(timeout=30_000)
            # 2 runs: their curves (4 trace groups, as before), and their gaps and best epochs on the loss plot (8)
            expect(page.get_by_test_id("stPlotlyChart").locator(".scatterlayer .trace")).to_have_count(12)
            shot(page, "9-compare")

            # A reload, or a link to a page's own URL, goes through the app's navigation as a click does, and the
            # session's token in the URL brings its runs back.
            assert re.search(r"/compare\?(lang=en&)?session=[\w-]{16,}$", page.url), page.url
            page.reload()
            expect(page.get_by_test_id("stTopNav").get_by_role("link", name="Lesson")).to_be_visible(timeout=60_000)
            expect(page.get_by_role("heading", name="Compare runs")).to_be_visible()
            expect(page.get_by_test_id("stPlotlyChart").locator(".scatterlayer .trace")).to_have_count(12,
                                                                                                 timeout=30_000)
            shot(page, "10-compare-reloaded")
        finally:
            browser.close()


def test_a_deep_link_on_a_fresh_server_lands_in_the_apps_navigation(server, chromium):
    """The first request a fresh server gets is /lesson: Streamlit would serve pages/lesson.py on its own, with a
    sidebar listing the files in pages/; the app's top navigation must show instead, on the Lesson page."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=LAPTOP)
            page.goto(server + "/lesson")
            expect(page.get_by_role("heading", name="The course in one click")).to_be_visible(timeout=120_000)
            expect(page.get_by_test_id("stTopNav").get_by_role("link", name="Lesson")).to_be_visible()
            page.wait_for_timeout(1500)  # a late sidebar would show by now
            expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
            expect(page.get_by_test_id("stSidebar")).to_have_count(0)
            assert re.search(r"/lesson\?(lang=en&)?session=[\w-]{16,}$", page.url), page.url
            shot(page, "deep-link-lesson")
            for title, heading in PAGE_HEADINGS.items():  # every page, as a laptop shows it
                go_to(page, title)
                expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=60_000)
                shot(page, f"page-{title.lower()}")
        finally:
            browser.close()


def test_the_lecturers_url_in_another_browser_shows_none_of_their_runs(server, chromium, tmp_path):
    """The ?session= token, projected or pasted in a chat, must not open the lecturer's runs elsewhere."""
    saved = tmp_path / "run.zip"
    saved.write_bytes(run_to_zip(Run(RunConfig(epochs=1), [{"epoch": 1.0, "train_loss": 0.5, "train_accuracy": 90.0,
                                                             "val_loss": 0.4, "val_accuracy": 91.0, "seconds": 1.0}],
                                     "completed", seconds=1.0)))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            lecturer = browser.new_context(viewport=LAPTOP).new_page()
            lecturer.goto(server + "/results")
            expect(lecturer.get_by_role("heading", name="Results")).to_be_visible(timeout=120_000)
            lecturer.locator("input[type=file]").set_input_files(str(saved))
            expect(lecturer.get_by_text("1. epochs 1 (uploaded)").first).to_be_visible(timeout=60_000)
            lecturer_url = lecturer.url
            assert "session=" in lecturer_url, lecturer_url
            shot(lecturer, "session-lecturer")

            same_browser = lecturer.context.new_page()  # another tab of the lecturer's browser: a reload's view
            same_browser.goto(lecturer_url)
            expect(same_browser.get_by_text("1. epochs 1 (uploaded)").first).to_be_visible(timeout=60_000)

            visitor = browser.new_context(viewport=LAPTOP).new_page()  # another browser, the same URL
            visitor.goto(lecturer_url)
            expect(visitor.get_by_text("No runs yet")).to_be_visible(timeout=60_000)
            expect(visitor.get_by_text("(uploaded)")).to_have_count(0)
            assert visitor.url.split("session=")[1] != lecturer_url.split("session=")[1]
            shot(visitor, "session-visitor")
        finally:
            browser.close()


def test_the_app_timing_tool_reads_each_runs_training_time_from_the_page(mnist, chromium, capsys):
    assert time_app.main(["--runs", "2", "--epochs", "1", "--data-dir", str(data_dir())]) == 0
    assert re.fullmatch(r"baseline, 1 epochs \| engine alone \(train\(\)\): \d+\.\d s \| in the app: \d+\.\d \d+\.\d s "
                        r"\| median app / engine: \d+\.\d\d\n", capsys.readouterr().out)


def test_chromium_is_found_on_path_where_debians_is_absent(tmp_path, monkeypatch):
    browser = tmp_path / "chromium-browser"  # Fedora's and older Ubuntus' name
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    access = os.access
    monkeypatch.setattr(app_server.os, "access", lambda path, mode: path != "/usr/bin/chromium" and access(path, mode))
    assert find_chromium() == str(browser)
