"""A class in real browsers: the lecturer's page and a student's page side by side, the board updating on both as
students' runs (real MNIST, one short epoch each) finish."""
import re
import sys
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect, sync_playwright

from app_server import CHROMIUM_ARGS, ROOT, running_app
from mnistlab.data import data_dir

sys.path.insert(0, str(ROOT / "tools"))
from app_client import AppSession  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
LAPTOP = {"width": 1366, "height": 768}
KEY = "the lecturer's key for this test"
WIDTHS = (16, 32, 64, 128)  # the students' hidden widths: short runs, and a spread on the board's log axis
WAIT_MS = 300_000  # a few one-epoch runs of narrow MLPs; minutes on a loaded 2-core machine


def count_on(page) -> int:
    found = re.search(r"(\d+) (?:runs?|entraînements?) (?:on the board|au tableau)",
                      page.get_by_test_id("stMain").inner_text())
    return int(found.group(1)) if found else 0


def student_run(url: str, width: int) -> AppSession:
    """A student over the websocket: one epoch of a width × width MLP, queued."""
    student = AppSession(url)
    student.run()
    hidden = WidgetState(id=student.page.widgets["Hidden layer sizes"].id, string_value=f"{width}, {width}")
    student.run([hidden])
    student.press("Start training", [hidden, student.number("Epochs", 1)])
    return student


def test_the_lecturers_and_a_students_pages_side_by_side_with_the_board_updating(chromium, mnist_root, monkeypatch):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("MNISTLAB_LECTURER_KEY", KEY)
    with running_app(data_dir().resolve(), SCREENSHOTS.parent / "streamlit-class.log") as url, \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            lecturer = browser.new_context(viewport=LAPTOP).new_page()  # two contexts: two browsers, two cookies
            pupil = browser.new_context(viewport=LAPTOP).new_page()
            lecturer.goto(f"{url}/board?lang=en")
            lecturer.get_by_text("Lecturer", exact=True).click()
            lecturer.get_by_label("Lecturer key", exact=True).fill(KEY)
            lecturer.get_by_role("button", name="I am the lecturer").click()
            expect(lecturer.get_by_text("You are the lecturer")).to_be_visible(timeout=60_000)
            lecturer.get_by_text("Class mode", exact=True).click()
            expect(lecturer.get_by_text("Every student's finished run is a point")).to_be_visible()
            lecturer.get_by_text("Hidden width", exact=True).first.click()

            pupil.goto(f"{url}/?lang=fr")
            epochs = pupil.get_by_label("Époques")
            expect(pupil.get_by_text("au plus 10 époques")).to_be_visible(timeout=120_000)  # the caps, before Start
            epochs.fill("1")
            epochs.press("Enter")
            start = pupil.get_by_role("button", name="Lancer l'entraînement")
            expect(start).to_be_enabled(timeout=120_000)
            start.click()
            students = [student_run(url, width) for width in WIDTHS]
            pupil.get_by_test_id("stTopNav").get_by_role("link", name="Tableau de la classe").click()
            expect(pupil.get_by_text("L'enseignant choisit le réglage")).to_be_visible()

            seen = []  # the lecturer's count, read without reloading either page
            for _ in range(WAIT_MS // 1000):
                seen.append(count_on(lecturer))
                if seen[-1] == len(WIDTHS) + 1:
                    break
                lecturer.wait_for_timeout(1000)
            assert seen[-1] == len(WIDTHS) + 1 and len(set(seen)) > 2, seen  # it grew, run by run, live
            expect(pupil.get_by_text("Vos points au tableau (en surbrillance)")).to_be_visible(timeout=10_000)
            expect(pupil.get_by_text(f"{len(WIDTHS) + 1} entraînements au tableau")).to_be_visible(timeout=10_000)
            assert "Vos points" not in lecturer.get_by_test_id("stMain").inner_text()
            for page, name in ((lecturer, "board-lecturer-en"), (pupil, "board-student-fr")):
                page.wait_for_timeout(1000)
                page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
            side_by_side(SCREENSHOTS / "board-lecturer-en.png", SCREENSHOTS / "board-student-fr.png",
                         SCREENSHOTS / "board-lecturer-and-student.png")
            for student in students:
                student.close()
        finally:
            browser.close()


def side_by_side(left: Path, right: Path, out: Path) -> None:
    images = [Image.open(left), Image.open(right)]
    canvas = Image.new("RGB", (sum(i.width for i in images) + 16, max(i.height for i in images)), "#333333")
    canvas.paste(images[0], (0, 0))
    canvas.paste(images[1], (images[0].width + 16, 0))
    canvas.save(out)
