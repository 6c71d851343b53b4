"""Retake docs/screenshots/: every page of the real app in English and in French, in headless Chromium at 1366×768.

    python tools/screenshots.py [--data-dir DIR] [--out docs/screenshots] [--lang en fr]

Starts `streamlit run app.py` on a free localhost port with the data folder given (else $MNISTLAB_DATA_DIR, else the
shipped data/), and per language: the Train page before, during and after a three-epoch run, then every other page with
that run in the session (Draw with a digit drawn, Lesson in lecture mode with the first saved lesson). A file per page
and language: train-before-en.png, results-fr.png...
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]
from app_client import ROOT, running_server  # noqa: E402
from mnistlab import i18n  # noqa: E402

VIEWPORT = {"width": 1366, "height": 768}
LOCALES = {"en": "en-US", "fr": "fr-FR"}
TRAINING_WAIT_MS = 600_000  # a three-epoch run at batch 512: seconds alone, minutes on a loaded machine
PAGES = ("results", "compare", "draw", "data", "lesson", "inside")


def chromium() -> str | None:
    """Debian's Chromium, else one on PATH; None lets Playwright use its own."""
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def shot(page, out: Path, name: str) -> None:
    page.wait_for_timeout(1200)  # Plotly's drawing and Streamlit's fade-in
    page.screenshot(path=str(out / f"{name}.png"))
    print(out / f"{name}.png", flush=True)


def go_to(page, name: str, lang: str) -> None:
    """Click a page's name in the top bar, as a visitor does (a fresh URL would be a fresh session)."""
    page.get_by_test_id("stTopNav").get_by_role("link", name=i18n.text(lang, f"nav.{name}"), exact=True).click()
    page.wait_for_timeout(500)
    page.wait_for_load_state("networkidle")


def train_page(page, out: Path, lang: str) -> None:
    start = page.get_by_role("button", name=i18n.text(lang, "train.start"))
    expect(start).to_be_enabled(timeout=120_000)  # enabled once the data set is loaded
    shot(page, out, f"train-before-{lang}")
    epochs = page.get_by_label(i18n.text(lang, "form.epochs"), exact=True)
    epochs.fill("3")
    epochs.press("Enter")
    batch_size = page.get_by_role("slider").nth(2)  # learning rate, dropout, batch size
    batch_size.focus()
    for _ in range(3):  # 64 → 512: a shorter epoch
        batch_size.press("ArrowRight")
    page.wait_for_timeout(800)
    start.click()
    page.mouse.move(VIEWPORT["width"] - 20, VIEWPORT["height"] - 20)  # no tooltip over the page
    left = i18n.text(lang, "live.progress").split("{left}")[1]  # " left", " restantes"
    expect(page.get_by_test_id("stProgress").first).to_contain_text(left, timeout=60_000)  # the time left, once timed
    shot(page, out, f"train-during-{lang}")
    expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=TRAINING_WAIT_MS)
    shot(page, out, f"train-after-{lang}")


def other_pages(page, out: Path, lang: str) -> None:
    for name in PAGES:
        go_to(page, name, lang)
        if name == "draw":
            expect(page.get_by_text(i18n.text(lang, "digits.empty_canvas"))).to_be_visible(timeout=60_000)
            page.wait_for_timeout(1000)  # the canvas's script is ready
            box = page.locator("canvas").last.bounding_box()
            page.mouse.move(box["x"] + box["width"] * 0.35, box["y"] + box["height"] * 0.2)
            page.mouse.down()
            page.mouse.move(box["x"] + box["width"] * 0.65, box["y"] + box["height"] * 0.2, steps=8)
            page.mouse.move(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.85, steps=8)
            page.mouse.up()
            page.wait_for_timeout(2500)
        if name == "lesson":
            shot(page, out, f"lesson-{lang}")
            page.get_by_role("button", name=i18n.text(lang, "lesson.show")).click()
            page.wait_for_timeout(4000)
            name = "lesson-lecture-mode"
        shot(page, out, f"{name}-{lang}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=os.environ.get("MNISTLAB_DATA_DIR", str(ROOT / "data")))
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--lang", nargs="+", choices=list(i18n.LANGUAGES), default=list(i18n.LANGUAGES))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with running_server(args.data_dir, args.out / "streamlit.log") as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox", "--disable-gpu"])
        try:
            for lang in args.lang:
                context = browser.new_context(viewport=VIEWPORT, locale=LOCALES[lang])
                page = context.new_page()
                page.goto(f"{server.url}/?lang={lang}")
                train_page(page, args.out, lang)
                other_pages(page, args.out, lang)
                context.close()
        finally:
            browser.close()
    (args.out / "streamlit.log").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
