"""Every page under AppTest, on a tiny synthetic MNIST: train, stop, bad settings, results, compare, data, uploads."""
from concurrent.futures import ThreadPoolExecutor
import itertools
import json
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from conftest import fresh_sessions, write_raw_folder, zipped
from mnistlab.config import RunConfig, preset
from mnistlab.evaluation import Evaluation
from mnistlab.messages import divergence_message
from mnistlab.runs import Run, run_to_zip
from ui import kept_sessions

APP = str(Path(__file__).parent.parent / "app.py")
BROWSERS = itertools.count(1)
PAGES = ("pages/train.py", "pages/results.py", "pages/compare.py", "pages/data.py")
WAIT = 120  # seconds a tiny run may take on a loaded 2-core machine; a hang fails instead of blocking
HISTORY = [{"epoch": 1.0, "train_loss": 0.9, "train_accuracy": 70.0, "val_loss": 0.8, "val_accuracy": 72.0,
            "seconds": 1.0},
           {"epoch": 1.6, "train_loss": 5.0, "train_accuracy": 40.0, "val_loss": 7.0, "val_accuracy": 30.0,
            "seconds": 1.0}]


@pytest.fixture
def browser(monkeypatch) -> dict:
    """The browser AppTest's sessions come from (AppTest sends no cookie): set browser["id"] to change it."""
    current = {"id": f"browser-{next(BROWSERS)}"}  # new to the process-wide queue, which remembers whom it served
    monkeypatch.setattr(kept_sessions, "browser_id", lambda: current["id"])
    return current


@pytest.fixture
def app(tmp_path, monkeypatch, browser):
    """The app on a synthetic MNIST folder, with the process-wide data cache emptied around it."""
    write_raw_folder(tmp_path)
    monkeypatch.setenv("MNISTLAB_DATA_DIR", str(tmp_path))
    fresh_sessions(monkeypatch)
    st.cache_resource.clear()
    yield AppTest.from_file(APP, default_timeout=60).run()
    st.cache_resource.clear()


def texts(elements) -> str:
    return " | ".join(str(e.value) for e in elements)


def charts(at) -> int:
    return len(at.get("plotly_chart"))


def settle(at, job):
    """Wait for a job to end, then rerun the page as the live fragment would."""
    assert job.wait(WAIT), "the training job did not finish"
    return at.run()


def start(at, epochs=1, batch_size=None):
    at.number_input(key="train.epochs").set_value(epochs)
    if batch_size:
        at.select_slider(key="train.batch_size").set_value(batch_size)
    at.run()
    next(b for b in at.button if b.label == "Start training").click().run()
    assert not at.exception
    return at.session_state["jobs"][-1].job


def test_every_page_renders_without_an_exception(app):
    assert not app.exception and app.title[0].value == "Train an MLP"
    for page in PAGES[1:]:
        app.switch_page(page).run()
        assert not app.exception, page
    assert "No runs yet" in texts(app.switch_page("pages/results.py").run().info)


def test_a_one_epoch_run_completes_and_every_page_shows_it(app):
    job = start(app, epochs=1)
    settle(app, job)
    assert not app.exception
    (label,) = app.session_state["runs"]
    run = app.session_state["runs"][label]
    assert run.status == "completed" and len(run.history) == 1 and run.evaluation is not None
    assert "completed" in texts(app.success)
    assert f"{run.test_accuracy:.2f}%" in texts(app.metric)
    assert charts(app) == 1  # its curves

    app.switch_page("pages/results.py").run()
    assert not app.exception and app.selectbox(key="run-picker").value == label
    assert f"{run.test_accuracy:.2f}%" in texts(app.metric)
    assert charts(app) >= 2  # per class and confusion matrix (the gallery only when there are mistakes)
    assert app.get("download_button")

    app.switch_page("pages/compare.py").run()
    assert not app.exception
    table = app.table[0].value
    assert list(table["run"]) == [label.replace(". ", "\\. ", 1)]  # escaped: Markdown made "1. " a numbered list
    assert table["test accuracy (%)"][0] == f"{round(run.test_accuracy, 2):g}"

    app.multiselect[0].set_value([label])
    app.button[0].click().run()
    assert not app.exception and app.session_state["runs"] == {}


def test_stop_ends_the_run_and_keeps_what_it_did(app):
    job = start(app, epochs=100, batch_size=16)
    while job.progress is None and not job.future.done():
        job.wait(0.05)
    app.run()
    next(b for b in app.button if b.label == "Stop").click().run()
    settle(app, job)
    (run,) = app.session_state["runs"].values()
    assert run.status == "stopped" and 0 < run.history[-1]["epoch"] < 100
    assert run.evaluation is not None
    assert "Stopped by the user" in texts(app.warning)


@pytest.mark.slow
def test_a_reload_finds_the_runs_the_running_job_and_the_settings_again(app):
    finished = start(app, epochs=1)
    settle(app, finished)
    (label,) = app.session_state["runs"]
    running = start(app, epochs=100, batch_size=16)
    token = app.query_params["session"]

    reloaded = AppTest.from_file(APP, default_timeout=60)  # a new session, as a reload makes, on the same URL
    reloaded.query_params["session"] = token
    reloaded.run()
    assert not reloaded.exception and reloaded.query_params["session"] == token
    assert reloaded.session_state["runs"][label] is app.session_state["runs"][label]
    assert [entry.job for entry in reloaded.session_state["jobs"]] == [running] and not running.future.done()
    assert reloaded.number_input(key="train.epochs").value == 100
    assert reloaded.select_slider(key="train.batch_size").value == 16
    next(b for b in reloaded.button if b.label == "Stop").click().run()  # the reloaded page controls the job
    settle(reloaded, running)
    runs = reloaded.session_state["runs"]
    assert [run.status for run in runs.values()] == ["completed", "stopped"] and list(runs)[1].startswith("2. ")

    stranger = AppTest.from_file(APP, default_timeout=60)  # a token this server never gave: a fresh session
    stranger.query_params["session"] = "not-from-this-server"
    stranger.run()
    assert not stranger.exception and not stranger.session_state.get("runs")
    assert stranger.query_params["session"] not in (token, "not-from-this-server")


def test_the_server_keeps_the_newest_tabs_only(app, monkeypatch, browser):
    monkeypatch.setattr(kept_sessions, "KEEP_AT_MOST", 1)
    token = app.query_params["session"]
    mine, browser["id"] = browser["id"], "browser-2"
    AppTest.from_file(APP, default_timeout=60).run()  # another visitor opens: the first one's values are forgotten
    browser["id"] = mine
    reloaded = AppTest.from_file(APP, default_timeout=60)
    reloaded.query_params["session"] = token
    assert reloaded.run().query_params["session"] != token


def test_the_same_url_in_another_browser_starts_a_fresh_session(app, browser):
    """The ?session= token is not enough: a link projected or pasted elsewhere must not open the lecturer's runs."""
    app.session_state["runs"] = {"1. baseline": Run(RunConfig(), HISTORY[:1], "completed")}
    app.run()
    token, lecturer = app.query_params["session"], browser["id"]
    browser["id"] = "another-browser"
    visitor = AppTest.from_file(APP, default_timeout=60)
    visitor.query_params["session"] = token
    visitor.run()
    assert not visitor.exception and not visitor.session_state.get("runs")
    assert visitor.query_params["session"] != token
    browser["id"] = None  # no browser cookie (XSRF protection off): nothing is given back, even to the same URL
    unknown = AppTest.from_file(APP, default_timeout=60)
    unknown.query_params["session"] = token
    assert not unknown.run().session_state.get("runs")
    browser["id"] = lecturer  # the lecturer's own reload still finds them
    reloaded = AppTest.from_file(APP, default_timeout=60)
    reloaded.query_params["session"] = token
    assert list(reloaded.run().session_state["runs"]) == ["1. baseline"]


def test_two_tabs_of_one_session_collect_a_job_once_and_never_give_a_label_twice(app):
    token = app.query_params["session"]
    other_tab = AppTest.from_file(APP, default_timeout=60)
    other_tab.query_params["session"] = token
    other_tab.run()
    first, second = start(app, epochs=1), start(other_tab, epochs=1)
    assert first.label.startswith("1. ") and second.label.startswith("2. ")
    assert first.wait(WAIT) and second.wait(WAIT)
    with ThreadPoolExecutor(2) as pool:  # both tabs poll at once: each may see both finished jobs
        list(pool.map(lambda tab: tab.run(), (app, other_tab)))
    app.run()
    other_tab.run()
    assert not app.exception and not other_tab.exception
    assert list(app.session_state["runs"]) == list(other_tab.session_state["runs"]) == [first.label, second.label]
    assert app.session_state["jobs"] == other_tab.session_state["jobs"] == []
    other_tab.number_input(key="train.epochs").set_value(3).run()  # settings are each tab's own copy
    assert app.run().number_input(key="train.epochs").value == 1


@pytest.mark.parametrize("hidden, message", [("256, abc", "whole numbers separated by commas"),
                                             ("0", "hidden sizes must be 1 to 32 integers from 1 to 4096"),
                                             ("4096, 4096, 4096", "36.8 million weights")])
def test_a_bad_setting_says_what_is_wrong_and_cannot_start(app, hidden, message):
    app.text_input(key="train.hidden").set_value(hidden).run()
    assert not app.exception
    assert message in texts(app.error)
    assert next(b for b in app.button if b.label == "Start training").disabled


@pytest.mark.parametrize("key, value, message", [("train.epochs", 1000, "epochs must be an integer from 1 to 100 (got "
                                                                       "1000)"),
                                                  ("train.seed", -3, "seed must be an integer ≥ 0 (got -3)")])
def test_a_number_out_of_range_says_so_and_cannot_start(app, key, value, message):
    """With bounds on the widget, Streamlit showed 1000 in red and a run would have trained the last valid value."""
    app.number_input(key=key).set_value(value).run()
    assert not app.exception and message in texts(app.error)
    assert next(b for b in app.button if b.label == "Start training").disabled


def test_a_variant_fills_the_settings_and_they_survive_a_page_change(app):
    app.selectbox(key="train.variant").set_value("dropout").run()
    assert app.select_slider(key="train.dropout").value == 0.2
    app.switch_page("pages/data.py").run()
    app.switch_page("pages/train.py").run()
    assert app.select_slider(key="train.dropout").value == 0.2 and app.selectbox(key="train.variant").value == "dropout"


def test_a_diverged_run_shows_its_message_and_its_curves(app):
    run = Run(RunConfig(lr=10.0), HISTORY, "diverged", "The training loss became nan: try 1.", seconds=2.0)
    app.session_state["runs"] = {"1. lr 10": run}
    app.session_state["last_finished"] = "1. lr 10"
    app.run()
    assert not app.exception
    assert "The training loss became nan: try 1." in texts(app.error)
    assert charts(app) == 1


def test_results_gallery_filters_mistakes_by_true_and_predicted_class(app):
    mistakes = [{"index": 0, "true": 0, "predicted": 6, "probability": 0.9, "loss": 3.0},
                {"index": 7, "true": 7, "predicted": 1, "probability": 0.8, "loss": 2.0},
                {"index": 17, "true": 7, "predicted": 1, "probability": 0.6, "loss": 1.0}]
    confusion = [[20 if t == p else 0 for p in range(10)] for t in range(10)]
    evaluation = Evaluation(0.5, 98.5, [100.0] * 10, confusion, mistakes)
    app.session_state["runs"] = {"1. baseline": Run(RunConfig(), HISTORY[:1], "completed", "", evaluation)}
    app.switch_page("pages/results.py").run()
    assert not app.exception
    assert "3 shown of 3" in texts(app.subheader) and charts(app) == 4  # curves, confusion, per class, gallery
    app.selectbox(key="filter.true").set_value(7)
    app.selectbox(key="filter.predicted").set_value(1).run()
    assert "2 shown of 2 (3 mistakes in all)" in texts(app.subheader)
    app.selectbox(key="filter.predicted").set_value(3).run()
    assert "0 shown of 0 (3 mistakes in all)" in texts(app.subheader)
    assert "No test image was misclassified that way" in texts(app.info)
    app.selectbox(key="filter.predicted").set_value(7).run()  # a cell of the diagonal: right answers
    assert "7 predicted as 7 is a right answer: pick a cell off the diagonal" in texts(app.info)


def test_the_gallerys_heading_counts_the_images_it_shows(app):
    """It said "241 of 241" above 24 images."""
    mistakes = [{"index": i, "true": 3, "predicted": 5, "probability": 0.5 + i / 100, "loss": 1.0} for i in range(30)]
    confusion = [[20 if t == p else 0 for p in range(10)] for t in range(10)]
    evaluation = Evaluation(0.5, 98.5, [100.0] * 10, confusion, mistakes)
    app.session_state["runs"] = {"1. baseline": Run(RunConfig(), HISTORY[:1], "completed", "", evaluation)}
    app.switch_page("pages/results.py").run()
    specs = [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]
    (titles,) = [texts for spec in specs for texts in [[a["text"] for a in spec["layout"].get("annotations", [])]]
                 if any("→" in text for text in texts)]
    assert "24 shown of 30" in texts(app.subheader) and len(titles) == 24


def test_the_gallery_shows_the_most_confident_mistakes_first(app):
    """Sorted by loss, the titles' confidences (in the wrong answer) read out of order: 88 % before 99 %."""
    mistakes = [{"index": 0, "true": 0, "predicted": 6, "probability": 0.88, "loss": 3.0},
                {"index": 7, "true": 7, "predicted": 1, "probability": 0.99, "loss": 2.0}]
    confusion = [[20 if t == p else 0 for p in range(10)] for t in range(10)]
    evaluation = Evaluation(0.5, 98.5, [100.0] * 10, confusion, mistakes)
    app.session_state["runs"] = {"1. baseline": Run(RunConfig(), HISTORY[:1], "completed", "", evaluation)}
    app.switch_page("pages/results.py").run()
    specs = [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]
    titles = next(texts for spec in specs for texts in [[a["text"] for a in spec["layout"].get("annotations", [])]]
                  if any("→" in text for text in texts))
    assert titles == ["7→1 99%", "0→6 88%"]


def test_a_downloaded_run_uploads_back_and_a_bad_file_says_so(app):
    run = Run(RunConfig(epochs=1), HISTORY[:1], "completed", seconds=1.0)
    app.switch_page("pages/results.py").run()
    assert app.file_uploader(key="upload-run").proto.max_upload_size_mb == 150  # the browser refuses a larger one
    app.file_uploader(key="upload-run").upload("notes.zip", b"not a zip", "application/zip").run()
    assert not app.exception and "cannot be opened" in texts(app.error)
    edited = zipped(run.to_dict() | {"history": "abc"})  # was accepted, then crashed every page
    app.file_uploader(key="upload-run").upload("edited.zip", edited, "application/zip").run()
    assert not app.exception and "each history row needs the numbers" in texts(app.error)
    assert not app.session_state["runs"]
    app.file_uploader(key="upload-run").set_value(("run.zip", run_to_zip(run), "application/zip")).run()
    assert not app.exception
    (label,) = app.session_state["runs"]
    assert label.endswith("(uploaded)") and app.selectbox(key="run-picker").value == label
    assert app.session_state["runs"][label].history == run.history


def test_data_page_shows_split_sizes_samples_and_counts(app):
    app.switch_page("pages/data.py").run()
    assert not app.exception
    assert [m.value for m in app.metric] == ["480", "120", "200"]
    app.select_slider(key="data.val_fraction").set_value(0.5).run()
    assert [m.value for m in app.metric] == ["300", "300", "200"]
    assert charts(app) == 2


def test_compare_with_a_diverged_run_keeps_the_others_scale_and_says_how_far_each_got(app):
    blown = HISTORY[:1] + [{"epoch": 1.0013, "train_loss": 8.0e2, "train_accuracy": 10.0, "val_loss": 9.1e7,
                            "val_accuracy": 9.8, "seconds": 0.1}]
    app.session_state["runs"] = {
        "1. baseline": Run(RunConfig(epochs=1), HISTORY[:1], "completed", seconds=2.0),
        "2. lr 10": Run(RunConfig(lr=10.0, epochs=2), blown, "diverged",
                        divergence_message(9.1e7, 1, 1, 10.0), seconds=1.0)}
    app.switch_page("pages/compare.py").run()
    assert not app.exception
    layout = json.loads(app.get("plotly_chart")[0].proto.spec)["layout"]
    assert layout["yaxis"]["range"][1] < 1  # the loss axis fits the healthy run (0.9), not the diverged 9.1e7
    assert layout["yaxis2"]["title"]["text"] == "accuracy (%)"  # accuracy overlaid beside the loss
    table = app.table[0].value
    assert list(table["epochs done"]) == ["1 of 1", "1 of 2 (diverged at step 2 in epoch 2)"]
    assert "Gap: validation loss minus training loss" in texts(app.caption)


def test_course_values_put_back_the_chosen_variants_settings(app):
    app.selectbox(key="train.variant").set_value("dropout").run()
    app.select_slider(key="train.dropout").set_value(0.5)
    app.number_input(key="train.epochs").set_value(2).run()
    app.selectbox(key="train.variant").set_value("dropout").run()  # the variant already shown: no change fires
    assert app.select_slider(key="train.dropout").value == 0.5
    app.button(key="train.course-values").click().run()
    assert not app.exception
    assert app.select_slider(key="train.dropout").value == 0.2 and app.number_input(key="train.epochs").value == 5


def test_the_same_run_uploaded_twice_is_kept_once(app):
    data = run_to_zip(Run(RunConfig(epochs=1), HISTORY[:1], "completed", seconds=1.0, created="2026-11-29T08:12:00"))
    app.switch_page("pages/results.py").run()
    app.file_uploader(key="upload-run").set_value(("run.zip", data, "application/zip")).run()
    (label,) = app.session_state["runs"]
    app.file_uploader(key="upload-run").set_value(("run (1).zip", data, "application/zip")).run()
    assert not app.exception and list(app.session_state["runs"]) == [label]
    assert f"This run is already in this session as **{label}**" in texts(app.info)


def test_start_becomes_stop_while_its_run_trains_and_a_second_click_queues_nothing(app):
    job = start(app, epochs=100, batch_size=16)
    assert not [b for b in app.button if b.label == "Start training"]
    stop = app.button(key="train.stop")
    assert stop.label == "Stop" and not stop.disabled
    assert [b.key for b in app.button if b.label in ("Stop", "Cancel")] == ["train.stop"]  # its live view: no second
    assert len(app.session_state["jobs"]) == 1
    stop.click().run()
    assert job.stop_event.is_set() and job.wait(120)
    app.run()
    assert len(app.session_state["jobs"]) + len(app.session_state["runs"]) == 1  # the one run, stopped
    assert next(b for b in app.button if b.label == "Start training")


def test_a_run_of_the_saved_lessons_settings_and_seed_is_shown_beside_the_saved_one_with_why_they_differ(app):
    """A lecturer shows the saved lesson's 97.25 %, then trains the same run live: 97.59 % on another processor."""
    confusion = [[20 if t == p else 0 for p in range(10)] for t in range(10)]
    evaluation = Evaluation(0.08, 97.59, [97.0] * 10, confusion, [])
    here = {"cpu": "AMD EPYC", "isa": "AVX2", "torch": "2.14.1", "threads": 2, "device": "cpu"}
    run = Run(preset("baseline", seed=0), HISTORY[:1], "completed", "", evaluation, trained_on=here)
    app.session_state["runs"] = {"1. baseline": run}
    app.switch_page("pages/results.py").run()
    assert not app.exception
    said = " | ".join(str(c.value) for c in app.caption)
    assert "The saved lesson's run of these settings and seed 0 reached 97.25%, this one 97.59%: it was " \
           "trained on a processor not recorded, and processors round differently" in said
    app.session_state["runs"] = {"1. l2": Run(preset("l2", seed=0, lr=0.01), HISTORY[:1], "completed", "", evaluation)}
    app.run()
    assert "The saved lesson's run" not in " | ".join(str(c.value) for c in app.caption)  # no such setting saved


def test_compare_counts_the_seeds_of_each_setting_shows_their_spread_and_points_to_the_lesson(app):
    """It showed one run per variant with two decimals: seeds 0 and 1 of the baseline differ by more than BatchNorm
    and the baseline do, and identical runs hid each other."""
    def made(seed, accuracy, config=None):
        evaluation = Evaluation(0.08, accuracy, [accuracy] * 10, [[0] * 10 for _ in range(10)], [])
        return Run(config or RunConfig(seed=seed), HISTORY[:1], "completed", "", evaluation, seconds=1.0)

    app.session_state["runs"] = {"1. baseline": made(0, 97.25), "2. seed 1": made(1, 97.66),
                                 "3. BatchNorm": made(0, 97.51, RunConfig(batchnorm=True)), "4. again": made(0, 97.25)}
    app.switch_page("pages/compare.py").run()
    assert not app.exception
    seeds = app.table[1].value
    assert list(seeds["seeds"]) == [2, 1] and list(seeds["lowest – highest seed (%)"]) == ["97.25 – 97.66", "—"]
    said = " | ".join(str(m.value) for m in app.markdown)
    assert "moves the test accuracy of baseline by 0.41 points (over its 2 seeds)" in said and "**Lesson**" in said
    assert "Identical runs (same settings and seed, the same curves to the last digit): 1. baseline = 4. again" in \
        texts(app.caption) and "the gaps (val − train loss) are in the table" in texts(app.caption)
