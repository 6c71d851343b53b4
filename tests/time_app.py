"""How long the baseline trains in the app, as its user sees it, against the engine alone (BENCHMARKS.md, "In the
app"): `python tests/time_app.py [--runs 3] [--epochs 5] [--data-dir DIR]`. Serves the app, starts each run from
headless Chromium, reads the run's "Training time", and prints them beside `train()`'s time in this process."""
from __future__ import annotations

import argparse
import re
import statistics
import sys
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

sys.path.insert(0, str(Path(__file__).parent.parent))  # the mnistlab package, when run as a script
from app_server import CHROMIUM_ARGS, CHROMIUM_PLACES, ROOT, find_chromium, running_app
from mnistlab.bench import in_own_thread
from mnistlab.config import preset
from mnistlab.data import data_dir, load_dataset
from mnistlab.cpu import leave_cores_to_training
from mnistlab.training import train


def engine_seconds(folder: Path, epochs: int) -> float:
    """train() on the baseline, in a thread of its own as the app's job worker runs it."""
    leave_cores_to_training()
    data = load_dataset("mnist", folder, download=False)
    return in_own_thread(lambda: train(preset("baseline", epochs=epochs), data)).seconds


def app_seconds(folder: Path, epochs: int, runs: int, chromium: str) -> list[float]:
    """The "Training time" the app shows for each of `runs` baseline runs started from its Train page."""
    times = []
    with running_app(folder, ROOT / "artifacts" / "time_app.log") as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url)
        start = page.get_by_role("button", name="Start training")
        expect(start).to_be_enabled(timeout=120_000)
        page.get_by_label("Epochs").fill(str(epochs))
        page.get_by_label("Epochs").press("Enter")
        for run in range(1, runs + 1):
            start.click()
            expect(page.get_by_text(re.compile(rf"{run}\. .* completed in"))).to_be_visible(timeout=600_000)
            shown = page.get_by_test_id("stMetric").filter(has_text="Training time").inner_text()
            times.append(float(re.search(r"([\d.]+) s", shown).group(1)))
        browser.close()
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python tests/time_app.py", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--data-dir", help="data folder (default: $MNISTLAB_DATA_DIR, else the repository's data/)")
    args = parser.parse_args(argv)
    chromium = find_chromium()
    if chromium is None:
        parser.error(f"no Chromium: looked for {CHROMIUM_PLACES}")
    (ROOT / "artifacts").mkdir(exist_ok=True)
    folder = data_dir(args.data_dir).resolve()
    alone = engine_seconds(folder, args.epochs)
    shown = app_seconds(folder, args.epochs, args.runs, chromium)
    print(f"baseline, {args.epochs} epochs | engine alone (train()): {alone:.1f} s | in the app: "
          f"{' '.join(f'{s:.1f}' for s in shown)} s | median app / engine: {statistics.median(shown) / alone:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
