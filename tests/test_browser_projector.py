"""The app on a projector: a 1366×768 Chromium in English and in French. Start and the live run (bar, time left,
curves) on the first screen before, during and after a run, and no text under 18 px on any page."""
import pytest
from playwright.sync_api import expect, sync_playwright

from app_server import CHROMIUM_ARGS, ROOT, running_app
from mnistlab import i18n

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SCREEN = {"width": 1366, "height": 768}
LOCALES = {"en": "en-US", "fr": "fr-FR"}
TRAINING_WAIT_MS = 480_000  # three epochs at batch 512: seconds alone, minutes on a loaded CI machine
SMALLEST = 18  # px

# Every visible piece of text whose font is under SMALLEST px: [its first words, size, the Streamlit element]. Text
# the app hides on purpose (font-size 0: the uploaders' own words, replaced by the app's) is not shown.
SMALL_TEXT = """(smallest) => { const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const element = walker.currentNode.parentElement, words = walker.currentNode.textContent.trim();
    if (!words || !element || element.closest('script, style, noscript')) continue;
    const box = element.getBoundingClientRect(), style = getComputedStyle(element);
    if (!box.width || !box.height || style.visibility === 'hidden' || style.display === 'none') continue;
    const size = parseFloat(style.fontSize);
    if (size > 0 && size < smallest - 0.25)
      found.push([words.slice(0, 50), size, element.closest('[data-testid]')?.getAttribute('data-testid') || '']);
  }
  return found; }"""


@pytest.fixture(scope="module")
def server(chromium, mnist_root, tmp_path_factory):
    """One server for both languages: each test's browser is a session (and a browser) of its own."""
    with running_app(mnist_root.resolve(), tmp_path_factory.mktemp("projector") / "streamlit.log") as url:
        yield url


def within_screen(locator) -> None:
    """The element is drawn whole inside the first 1366×768 screen, without scrolling."""
    expect(locator).to_be_visible(timeout=10_000)  # not between two draws (a run that has just ended redraws its page)
    box = locator.bounding_box()
    assert box is not None, "not drawn"
    assert box["y"] >= 0 and box["y"] + box["height"] <= SCREEN["height"] + 0.5, box
    assert box["x"] >= 0 and box["x"] + box["width"] <= SCREEN["width"] + 0.5, box


def small_text(page) -> list:
    page.wait_for_timeout(1500)  # Plotly's drawing, Streamlit's fade-in
    return page.evaluate(SMALL_TEXT, SMALLEST)


def go_to(page, name: str, lang: str) -> None:
    page.get_by_test_id("stTopNav").get_by_role("link", name=i18n.text(lang, f"nav.{name}"), exact=True).click()
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_start_and_the_live_run_stay_on_the_first_screen_and_no_text_is_under_18_px(server, chromium, lang):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport=SCREEN, locale=LOCALES[lang]).new_page()
            page.goto(f"{server}/?lang={lang}")
            start = page.get_by_role("button", name=i18n.text(lang, "train.start"))
            expect(start).to_be_enabled(timeout=120_000)
            page.wait_for_function(f"document.documentElement.lang === {lang!r}", timeout=10_000)
            within_screen(start)
            within_screen(page.get_by_text(i18n.text(lang, "train.curves_here")))
            page.get_by_test_id("stSelectbox").first.locator("button").click()  # the arrow opens the options
            expect(page.get_by_role("option").first).to_be_visible()
            small = small_text(page)
            page.keyboard.press("Escape")
            page.get_by_test_id("stTooltipIcon").first.hover()
            expect(page.get_by_test_id("stTooltipContent")).to_be_visible()
            small += small_text(page)
            page.mouse.move(SCREEN["width"] - 20, SCREEN["height"] - 20)

            epochs = page.get_by_label(i18n.text(lang, "form.epochs"), exact=True)
            epochs.fill("3")
            epochs.press("Enter")
            batch_size = page.get_by_role("slider").nth(2)  # learning rate, dropout, batch size
            batch_size.focus()
            for _ in range(3):  # 64 → 512: shorter epochs
                batch_size.press("ArrowRight")
            page.wait_for_timeout(1000)
            start.click()
            stop = page.get_by_role("button", name=i18n.text(lang, "live.stop")).first  # Start became Stop
            expect(stop).to_be_visible(timeout=30_000)
            within_screen(stop)
            bar = page.get_by_test_id("stProgress")
            left = i18n.text(lang, "live.progress").split("{left}")[1].strip()  # "left", "restantes"
            expect(bar).to_contain_text(left, timeout=120_000)  # the time left, once the first steps are timed
            within_screen(bar)
            within_screen(page.get_by_test_id("stPlotlyChart").first)
            small += small_text(page)

            accuracy = page.get_by_test_id("stMetric").filter(has_text=i18n.text(lang, "summary.test_accuracy"))
            expect(accuracy).to_be_visible(timeout=TRAINING_WAIT_MS)
            within_screen(accuracy)
            within_screen(page.get_by_test_id("stPlotlyChart").first)
            within_screen(page.get_by_role("button", name=i18n.text(lang, "train.start")))
            small += small_text(page)

            for name in ("results", "compare", "draw", "data", "inside", "lesson"):
                go_to(page, name, lang)
                small += [[name, *found] for found in small_text(page)]
            page.get_by_role("button", name=i18n.text(lang, "lesson.show")).click()  # lecture mode
            results = page.locator(".st-key-lesson-results")
            expect(results).to_be_visible(timeout=60_000)
            page.wait_for_timeout(1500)
            assert results.bounding_box()["y"] < SCREEN["height"] / 2  # brought into view
            small += [["lecture mode", *found] for found in small_text(page)]
            assert small == []
        finally:
            browser.close()


def test_fashion_mnist_is_named_whole_in_the_data_set_box(server, chromium):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport=SCREEN, locale="fr-FR").new_page()
            page.goto(f"{server}/?lang=fr")
            box = page.get_by_test_id("stSelectbox").first
            expect(box).to_be_visible(timeout=120_000)
            box.locator("button").click()
            page.get_by_role("option", name=i18n.text("fr", "dataset.fashion-mnist")).click()
            shown = box.get_by_role("combobox")
            expect(shown).to_have_value(i18n.text("fr", "dataset.fashion-mnist"), timeout=30_000)
            assert shown.evaluate("e => e.scrollWidth <= e.clientWidth + 1")  # not cut
        finally:
            browser.close()
