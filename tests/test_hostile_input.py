"""The hostile-input corpus (tests/hostile_files.py) through the real loaders and pages: each file gets its clear
message, within bounded memory (this process's peak RSS rise) and bounded work (the costly step is never reached)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import streamlit as st
import torch
from streamlit.testing.v1 import AppTest

import hostile_files as hostile
from test_app_pages import app, browser, texts  # noqa: F401  (the app on a synthetic MNIST, from a browser of its own)
from conftest import write_raw_folder
from mnistlab.config import RunConfig
from mnistlab.data import DataError, load_dataset
from mnistlab.lesson.files import LESSONS_DIR, file_name, lesson_from_bytes
from mnistlab.lesson.plan import LessonFileError
from mnistlab.runs import RunFileError, run_from_zip
from mnistlab.sweep_files import MAX_SWEEP_BYTES, SweepFileError, sweep_from_bytes
from mnistlab.upload_checks import UploadRefused, path_inside

APP = str(Path(__file__).parent.parent / "app.py")
CONFIG = RunConfig(hidden=(16,), epochs=1)
HISTORY_OF_THREE_EPOCHS = [{**hostile.HISTORY[0], "epoch": epoch} for epoch in (0.5, 1.0, 1.0)]
MEMORY_RISE_AT_MOST = 64 * 1024 * 1024  # the bombs inflate to 256 MB or more: reading any of them whole fails this


class PeakRise:
    """The rise of this process's peak resident memory over a block (VmHWM, reset at its start)."""

    def __enter__(self):
        if not hostile.reset_peak_rss():
            pytest.skip("this kernel does not let a process reset its peak RSS (/proc/self/clear_refs)")
        self.before = hostile.rss_bytes()
        return self

    def __exit__(self, *exc):
        self.rise = hostile.peak_rss_bytes() - self.before


@pytest.fixture
def no_torch_load(monkeypatch):
    """torch.load replaced by one that fails the test: a refused file must be refused before it is loaded."""
    def refuse(*args, **kwargs):
        raise AssertionError("torch.load was reached")
    monkeypatch.setattr(torch, "load", refuse)


@pytest.mark.parametrize("build, reason", [
    (hostile.deflated_record_bomb, "compressed record"),  # the issue's: 2 MB sent, torch.load inflated it whole
    (hostile.stored_record_bomb, "would inflate to 268 MB"),  # stored inside, deflated by the outer zip
    (hostile.oversized_stored_weights, "declares 8.4 MB of tensors"),
    (hostile.legacy_pickle_weights, "not the zip torch.save writes"),
])
def test_weights_that_would_cost_more_than_their_network_are_refused_before_loading(build, reason, no_torch_load):
    weights = build(CONFIG)
    upload = hostile.run_zip_with(hostile.run_dict(config=CONFIG.to_dict()), weights)
    del weights
    with PeakRise() as peak, pytest.raises(RunFileError, match=reason):
        run_from_zip(upload, "bomb.zip")
    assert peak.rise < MEMORY_RISE_AT_MOST


def test_real_weights_still_load():
    run = run_from_zip(hostile.good_run_zip(), "good.zip")
    assert run.model is not None and run.model.hidden[0].weight.shape == (16, 784)


@pytest.mark.parametrize("name", list(hostile.crafted_run_zips()))
def test_numbers_out_of_their_range_are_refused_at_load(name):
    with pytest.raises(RunFileError, match="does not hold a valid mnistlab run") as refused:
        run_from_zip(hostile.crafted_run_zips()[name], "crafted.zip")
    assert "Traceback" not in str(refused.value)


def test_a_lesson_with_more_runs_than_its_plan_is_refused_before_any_page_draws_it():
    """20 seeds per variant under a plan of 5 made the exact test enumerate C(40, 20) splits (the statistics are
    bounded in mnistlab.lesson.significance too): the file is refused at load, whatever it holds."""
    with pytest.raises(LessonFileError, match="that its plan does not train"):
        lesson_from_bytes(hostile.lesson_with_runs_per_variant(20), "twenty.json")
    with pytest.raises(LessonFileError, match="twice"):
        lesson_from_bytes(hostile.lesson_with_repeated_run(), "repeated.json")


@pytest.mark.parametrize("changes, reason", [
    ({"seconds": 10 ** 400}, "digits"),
    ({"runs": [{**json.loads(hostile.lesson_with())["runs"][0], "test_accuracy": float("nan")}]}, "percentage"),
    ({"runs": [json.loads(hostile.lesson_with())["runs"][0]] * 2}, "twice"),
])
def test_a_lesson_with_numbers_out_of_range_is_refused(changes, reason):
    with pytest.raises(LessonFileError, match=reason):
        lesson_from_bytes(hostile.lesson_with(**changes), "crafted.json")


def _sweep_run(**changes) -> dict:
    return {**hostile.sweep_runs()[0], **changes}


@pytest.mark.parametrize("upload, key, reason", [
    (lambda: b" " * MAX_SWEEP_BYTES + b"{}", "error.sweep_file.too_large", "more than the 16 MB a sweep file"),
    (lambda: b"\xff{", "error.sweep_file.not_json", "not JSON text"),
    (lambda: b"[1, 2]", "error.sweep_file.invalid", "it holds no JSON object"),
    (lambda: b"[" * 100_000 + b"]" * 100_000, "error.sweep_file.not_json", "not JSON text"),
    (lambda: hostile.sweep_with(created=10 ** 400), "error.sweep_file.invalid", "of 401 digits"),
    (lambda: hostile.sweep_with(plan={"high": float("inf")}), "error.sweep_file.invalid", "the range must go from"),
    (lambda: hostile.sweep_with(plan={"low": float("nan")}), "error.sweep_file.invalid", "the range must go from"),
    (lambda: hostile.sweep_with(plan={"values": 9}), "error.sweep_file.invalid", "a sweep takes 1 to 8 values"),
    (lambda: hostile.sweep_with(plan={"seeds": 10 ** 9}), "error.sweep_file.invalid", "1 to 5 seeds per value"),
    (lambda: hostile.sweep_with(plan={"values": "4"}), "error.sweep_file.invalid", "must be whole numbers"),
    (lambda: hostile.sweep_with(plan={"setting": "momentum"}), "error.sweep_file.invalid", "must be one of lr"),
    (lambda: hostile.sweep_with(runs=[_sweep_run(test_accuracy=float("nan"))]), "error.sweep_file.invalid",
     "not a percentage"),
    (lambda: hostile.sweep_with(runs=[_sweep_run(history=HISTORY_OF_THREE_EPOCHS)]), "error.sweep_file.invalid",
     "3 rows for 1 epochs"),
    (lambda: hostile.sweep_with(runs=[_sweep_run(config={**hostile.sweep_runs()[0]["config"], "weight_decay": 0.5})]),
     "error.sweep_file.invalid", "(weight_decay = 0.5, seed 0) that its plan does not train"),
    (lambda: hostile.sweep_with(runs=hostile.sweep_runs()[:1] * 2), "error.sweep_file.invalid",
     "(weight_decay = 1e-06, seed 0) twice"),
    (lambda: hostile.sweep_with(runs=hostile.sweep_runs() * 11), "error.sweep_file.invalid",
     "44 runs, more than the 40"),
    (lambda: hostile.sweep_with(runs=hostile.sweep_runs()[:2], status="completed"), "error.sweep_file.invalid",
     "not what its runs say"),
    (lambda: hostile.sweep_with(format="mnistlab-lesson"), "error.sweep_file.invalid", "it is not a sweep file"),
    (lambda: hostile.sweep_with(version=2), "error.sweep_file.invalid", "sweep file version 2 is not 1"),
    (lambda: hostile.lesson_with(), "error.sweep_file.invalid", "it is not a sweep file"),
])
def test_a_hostile_sweep_file_is_refused_with_its_message(upload, key, reason):
    with pytest.raises(SweepFileError) as refused:
        sweep_from_bytes(upload(), "crafted.json")
    assert refused.value.key == key and reason in str(refused.value), str(refused.value)
    assert "Traceback" not in str(refused.value)
    assert "n'est pas un balayage" in refused.value.in_language("fr") or key.endswith("too_large")


@pytest.mark.parametrize("created", ["/../../../../ab", "../../x", "2026-01-01T00:00:00/../../../etc/y", "..", "\x00"])
def test_a_lessons_file_name_stays_in_its_folder(created):
    lesson = lesson_from_bytes(hostile.lesson_with(created=created), "crafted.json")
    name = file_name(lesson)
    assert "/" not in name and "\x00" not in name and not name.startswith(".")
    assert path_inside(LESSONS_DIR, name).parent == LESSONS_DIR.resolve()
    for outside in ("../ab.json", "/etc/ab.json", "a/b.json", ".."):
        with pytest.raises(UploadRefused, match="would leave its folder"):
            path_inside(LESSONS_DIR, outside)


def test_a_gzip_bomb_in_the_data_folder_is_refused_before_it_is_inflated_whole(tmp_path):
    raw = write_raw_folder(tmp_path, n_train=20, n_test=10)
    (raw / "train-images-idx3-ubyte.gz").write_bytes(hostile.gzip_bomb())
    with PeakRise() as peak, pytest.raises(DataError, match="inflates to more than the 47 MB"):
        load_dataset("mnist", tmp_path, download=False)
    assert peak.rise < MEMORY_RISE_AT_MOST
    assert not (raw / "train-images-idx3-ubyte").exists()
    assert sum(f.stat().st_size for f in raw.iterdir()) < MEMORY_RISE_AT_MOST  # nothing inflated left on disk


def deny_entering(monkeypatch, folder: Path) -> None:
    """The folder behaves as chmod 000 makes it for a user who is not root (the tests may run as root)."""
    real_stat = Path.stat

    def denied(path, *args, **kwargs):
        if path == folder or folder in path.parents:
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", denied)


def test_an_unreadable_data_folder_gives_the_apps_message(tmp_path, monkeypatch):
    deny_entering(monkeypatch, write_raw_folder(tmp_path, n_train=20, n_test=10))
    with pytest.raises(DataError, match="cannot be used"):
        load_dataset("mnist", tmp_path, download=False)


# ---- through the pages ----------------------------------------------------------------------------------------



def test_every_crafted_run_gets_its_message_on_results_and_no_page_breaks(app):
    app.switch_page("pages/results.py").run()
    for name, content in hostile.crafted_run_zips().items():
        app.file_uploader(key="upload-run").upload(f"{name}.zip", content, "application/zip").run()
        assert not app.exception, name
        assert "does not hold a valid mnistlab run" in texts(app.error), name
    assert not app.session_state["runs"]


def test_a_run_whose_mistakes_are_past_this_servers_test_set_draws_on_every_page(app):
    app.switch_page("pages/results.py").run()
    app.file_uploader(key="upload-run").upload("far.zip", hostile.run_past_this_test_set(), "application/zip").run()
    assert not app.exception and len(app.session_state["runs"]) == 1
    for page in ("pages/results.py", "pages/compare.py", "pages/train.py", "pages/inside.py"):
        assert not app.switch_page(page).run().exception, page


def test_a_diverged_run_whose_losses_are_all_nan_draws_on_every_page(app):
    nan = float("nan")
    run = hostile.good_run()
    run.status, run.message = "diverged", "The training loss became NaN"
    run.history = [{**row, "train_loss": nan, "val_loss": nan} for row in run.history]
    app.session_state["runs"] = {"1. nan": run}
    for page in ("pages/results.py", "pages/compare.py", "pages/train.py", "pages/inside.py", "pages/draw.py"):
        assert not app.switch_page(page).run().exception, page


def test_text_from_a_lesson_file_is_shown_as_text_not_markdown(app):
    markup = "[click](https://example.com/x) ![i](https://example.com/i.png) <img src=x> $x$ :red[y]"
    lesson = json.loads(hostile.lesson_with(created=markup, device=markup, status="stopped", message=markup))
    app.switch_page("pages/lesson.py").run()
    app.file_uploader(key="lesson.upload").upload("md.json", json.dumps(lesson).encode(), "application/json").run()
    assert not app.exception
    shown = [str(e.value) for e in [*app.info, *app.warning] if "example.com" in str(e.value)]
    assert len(shown) == 2  # what is shown, and why it stopped
    escaped = ("\\[click\\](https:\u2060//example.com/x) \\!\\[i\\](https:\u2060//example.com/i.png) \\<img src=x\\> "
               "\\$x\\$ \\:red\\[y\\]")  # escaped, and the bare URL broken by an invisible word joiner
    for body in shown:
        assert escaped in body, body


def test_text_from_a_run_file_is_shown_as_text_not_markdown(app):
    values = hostile.run_dict(status="stopped", message="![i](https://example.com/i.png) [x](https://example.com)")
    app.switch_page("pages/results.py").run()
    app.file_uploader(key="upload-run").upload("md.zip", hostile.run_zip_with(values, None), "application/zip").run()
    assert not app.exception
    (body,) = [str(e.value) for e in app.warning if "example.com" in str(e.value)]
    assert "\\!\\[i\\](https:\u2060//example.com/i.png) \\[x\\]" in body, body
    bad = hostile.run_dict(status="[x](https://example.com)")  # quoted back in the error message
    app.file_uploader(key="upload-run").upload("bad.zip", hostile.run_zip_with(bad, None), "application/zip").run()
    assert "\\[x\\](https:\u2060//example.com)" in texts(app.error)


def test_an_unreadable_data_folder_gives_the_apps_message_on_the_page(app, tmp_path, monkeypatch):
    st.cache_resource.clear()
    deny_entering(monkeypatch, tmp_path / "MNIST" / "raw")
    page = AppTest.from_file(APP, default_timeout=60).run()
    assert not page.exception
    assert "cannot be used: Permission denied" in texts(page.error)
