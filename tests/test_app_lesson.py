"""The Lesson page under AppTest on a tiny synthetic MNIST: a short lesson, stop, lecture mode, bad uploads."""
import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import mnistlab.engine
import mnistlab.lesson.files
import mnistlab.lesson.plan
from conftest import fresh_sessions, write_raw_folder
from mnistlab import jobs
from mnistlab.config import preset
from mnistlab.config import DEFAULT_SEEDS
from mnistlab.data import load_dataset
from mnistlab import i18n
from mnistlab.lesson.fanout import lesson_seconds
from mnistlab.lesson.files import lesson_to_bytes, save_lesson
from mnistlab.pace import Pace, step_shape
from mnistlab.lesson.plan import CORRECTED, Lesson, LessonPlan, LessonRun, run_lesson
from ui import frame, kept_sessions, session_keys, sessions

APP = str(Path(__file__).parent.parent / "app.py")
WAIT = 120  # seconds a tiny lesson may take on a loaded 2-core machine; a hang fails instead of blocking


@pytest.fixture
def lessons(tmp_path, monkeypatch):
    """An empty lessons folder standing in for runs/lessons/."""
    folder = tmp_path / "lessons"
    monkeypatch.setattr(mnistlab.lesson.files, "LESSONS_DIR", folder)
    return folder


@pytest.fixture
def page(tmp_path, monkeypatch, lessons):
    """The Lesson page of the app on a synthetic MNIST folder, the data cache emptied around it."""
    write_raw_folder(tmp_path)
    monkeypatch.setenv("MNISTLAB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv(frame.ALLOW_LESSON_SAVE, raising=False)  # a server as its owner starts it
    monkeypatch.setattr(kept_sessions, "browser_id", lambda: "browser-1")  # AppTest sends no cookie
    fresh_sessions(monkeypatch)
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=60).run()
    yield at.switch_page("pages/lesson.py").run()
    st.cache_resource.clear()


def texts(elements) -> str:
    return " | ".join(str(e.value) for e in elements)


def button(at, label):
    return next(b for b in at.button if b.label == label)


def start(at, seeds, epochs, slips=()):
    at.number_input(key="lesson.seeds").set_value(seeds)
    at.number_input(key="lesson.epochs").set_value(epochs)
    for slip in slips:
        at.toggle(key=f"lesson.slip.{slip}").set_value(True)
    at.run()
    button(at, "Run the lesson").click().run()
    assert not at.exception
    return next(entry.job for entry in at.session_state["jobs"] if entry.kind == sessions.LESSON)


def stop_once(page, job, ready) -> None:
    """Once ready(), press Stop the lesson; rerun the page when the lesson has ended."""
    while not ready():
        time.sleep(0.01)
    page.run()
    button(page, "Stop the lesson").click().run()
    assert job.wait(WAIT)
    page.run()
    assert not page.exception


@pytest.mark.slow
def test_a_short_lesson_with_slips_runs_and_renders_side_by_side(page, lessons, monkeypatch):
    assert not page.exception and page.title[0].value == "The course in one click"
    assert "No saved lesson" in texts(page.info)
    job = start(page, seeds=2, epochs=1, slips=("no-eval", "loss-graph"))
    assert job.wait(WAIT), "the lesson did not finish"
    page.run()
    assert not page.exception
    assert "Showing **the lesson trained in this session**" in texts(page.info)
    assert len(page.get("plotly_chart")) == 2  # as in the course | corrected
    rows = page.table[0].value
    assert len(rows) == 8 and set(rows["arm"]) == {"corrected", "course"} and set(rows["seeds"]) == {2}
    assert "can't tell with 2 seeds" in texts(page.markdown)  # 2 seeds can never reach 1 in 20
    assert [m.label for m in page.metric] == ["Baseline", "L2", "Dropout", "BatchNorm"]  # the loss-graph memory
    assert all("autograd nodes" in str(m.delta) for m in page.metric)
    monkeypatch.setenv(frame.ALLOW_LESSON_SAVE, "1")  # the server's owner lets visitors save
    page.run()
    button(page, "Save them in runs/lessons/ for lecture mode").click().run()
    (saved,) = lessons.iterdir()
    assert saved.name.startswith("mnist-2-seeds-1-epochs-slips-loss-graph+no-eval-")
    assert "Saved as" in texts(page.success)


@pytest.mark.slow
def test_stop_ends_the_lesson_and_shows_the_finished_runs(page):
    job = start(page, seeds=10, epochs=100)
    stop_once(page, job, lambda: (job.progress and job.progress.finished) or job.state == jobs.DONE)
    assert "Stopped by the user after" in texts(page.warning)
    assert len(page.get("plotly_chart")) == 1 and len(page.table[0].value) == 4


def test_a_number_out_of_range_says_so_and_cannot_run(page):
    page.number_input(key="lesson.seeds").set_value(11).run()
    assert not page.exception and "seeds must be an integer from 1 to 10 (got 11)" in texts(page.error)
    assert button(page, "Run the lesson").disabled


@pytest.mark.slow
def test_a_lesson_stopped_before_any_run_finished_leaves_the_results_shown(page, tiny_data, monkeypatch):
    """It replaced them with an empty lesson, which said its curves would appear as soon as a run finished."""
    shown = lesson_to_bytes(run_lesson(LessonPlan(seeds=1, epochs=1), tiny_data))
    page.file_uploader(key="lesson.upload").set_value(("mine.json", shown, "application/json")).run()
    train = mnistlab.engine.train

    def runs_wait_for_the_stop(config, data, on_progress, should_stop, **options):
        while not should_stop():
            time.sleep(0.01)
        return train(config, data, on_progress, should_stop, **options)

    monkeypatch.setattr(mnistlab.engine, "train", runs_wait_for_the_stop)
    job = start(page, seeds=1, epochs=1)
    stop_once(page, job, lambda: job.state != jobs.QUEUED)  # Stop shows once it runs (Cancel before)
    assert "The lesson was stopped before any of its runs finished: there is nothing new to show." in texts(page.info)
    assert "Showing **mine.json (uploaded)**" in texts(page.info) and len(page.table[0].value) == 4


def other_page():
    """What app.py does around any page but the Lesson page."""
    from ui import live, sessions
    sessions.collect_finished()
    live.status_line("Data")


def test_other_pages_announce_the_lesson_and_keep_it_alive(page):
    job = start(page, seeds=10, epochs=100)
    seen = [child._seen for child in job.children]
    elsewhere = AppTest.from_function(other_page, default_timeout=60)
    elsewhere.session_state[session_keys.JOBS] = [sessions.SessionJob(sessions.LESSON, job)]
    elsewhere.run()
    assert not elsewhere.exception
    assert "A lesson is training" in texts(elsewhere.info)
    assert all(child._seen > before for child, before in zip(job.children, seen))  # touched from another page
    job.stop()
    assert job.wait(WAIT)


@pytest.mark.slow
def test_saved_results_load_at_once_and_say_when_they_were_made(page, lessons, tiny_data):
    lesson = run_lesson(LessonPlan(seeds=2, epochs=1, slips=("shared-bn",)), tiny_data)
    lesson.created = "2025-01-02T03:04:05"
    save_lesson(lesson, lessons / "before-the-lecture.json")
    page.run()
    assert page.selectbox(key="lesson.file").value.name == "before-the-lecture.json"
    button(page, "Show these results").click().run()
    assert not page.exception
    shown = texts(page.info)
    assert "Showing **before-the-lecture.json**, made **January 2, 2025, 3:04\u202fAM**" in shown
    assert "slips: bn1 used twice" in shown
    assert len(page.get("plotly_chart")) == 2 and len(page.table[0].value) == 8
    reloaded = AppTest.from_file(APP, default_timeout=60)  # a reload in lecture mode shows the same results
    reloaded.query_params["session"] = page.query_params["session"]
    reloaded.run().switch_page("pages/lesson.py").run()
    assert not reloaded.exception and "Showing **before-the-lecture.json**" in texts(reloaded.info)
    lesson.created = "2025-02-03T04:05:06"
    page.file_uploader(key="lesson.upload").set_value(("mine.json", lesson_to_bytes(lesson), "application/json")).run()
    assert "Showing **mine.json (uploaded)**, made **February 3, 2025, 4:05\u202fAM**" in texts(page.info)


def test_a_visitor_on_a_default_server_downloads_a_lesson_but_cannot_save_it(page, lessons, tiny_data):
    """runs/lessons/ feeds every visitor's lecture mode: saving there is the server owner's choice."""
    lesson = lesson_to_bytes(run_lesson(LessonPlan(seeds=1, epochs=1), tiny_data))
    page.file_uploader(key="lesson.upload").set_value(("mine.json", lesson, "application/json")).run()
    assert not page.exception and "Showing **mine.json (uploaded)**" in texts(page.info)
    assert not [b for b in page.button if b.label.startswith("Save them")]
    assert "Saving into runs/lessons/ is off on this server" in texts(page.caption)
    assert page.get("download_button") and not lessons.exists()


@pytest.mark.parametrize("content, message", [
    (b"\x89PNG not a lesson", "notes.json is not a saved mnistlab lesson: it is not JSON text"),
    (b'{"config": {}, "history": []}', "notes.json is not a saved mnistlab lesson: it is not a lesson file"),
])
def test_a_bad_upload_says_what_is_wrong_and_changes_nothing(page, content, message):
    page.file_uploader(key="lesson.upload").set_value(("notes.json", content, "application/json")).run()
    assert not page.exception
    assert f"This file cannot be opened: {message}" in texts(page.error)
    assert "lesson.shown" not in page.session_state


def made_lesson(accuracies: dict[str, list[float]]) -> bytes:
    """A lesson file whose runs reached the given test accuracies (seed i of each variant: accuracies[variant][i])."""
    seeds = len(accuracies["baseline"])
    history = [{"epoch": 1.0, "train_loss": 0.2, "train_accuracy": 94.0, "val_loss": 0.25, "val_accuracy": 93.0,
                "seconds": 1.0}]
    runs = [LessonRun(preset(variant, epochs=1, seed=seed), "completed", "", history, accuracy, 2.0, variant=variant,
                      arm=CORRECTED, seed=seed) for variant, values in accuracies.items() for seed, accuracy in enumerate(values)]
    return lesson_to_bytes(Lesson(LessonPlan(seeds=seeds, epochs=1), "mnist", runs, seconds=40.0))


def verdict_of(page, variant: str) -> str:
    lines = [line for m in page.markdown for line in str(m.value).splitlines()]
    return next(line for line in lines if line.startswith(f"- **{variant}**"))


def test_two_seeds_give_no_verdict_however_far_apart(page):
    """Every seed above every seed of the baseline with 2 seeds happens 1 time in 3 by chance alone: not a verdict."""
    lesson = made_lesson({"baseline": [97.0, 97.1], "l2": [97.0, 97.1], "dropout": [97.0, 97.1],
                          "batchnorm": [98.4, 98.5]})
    page.file_uploader(key="lesson.upload").set_value(("two.json", lesson, "application/json")).run()
    assert not page.exception
    said = verdict_of(page, "BatchNorm")
    assert "+1.40 points vs the baseline" in said and "can't tell with 2 seeds" in said and "5 per variant" in said
    assert "significant" not in said
    assert "can't tell with 2 seeds: need 5" in page.table[0].value["vs baseline"].iloc[-1]
    assert "chance alone would produce one as large less than 1 time in 20, counting all the comparisons shown " \
           "together" in texts(page.caption)


def test_five_separated_seeds_are_called_significant_with_their_chance_corrected_and_interval(page):
    lesson = made_lesson({"baseline": [97.0, 97.1, 97.2, 97.05, 97.15], "l2": [97.2, 96.9, 97.1, 97.0, 97.05],
                          "dropout": [97.0, 97.1, 97.2, 97.05, 97.15], "batchnorm": [97.5, 97.6, 97.7, 97.55, 97.65]})
    page.file_uploader(key="lesson.upload").set_value(("five.json", lesson, "application/json")).run()
    assert not page.exception
    said = verdict_of(page, "BatchNorm")
    assert "+0.50 points vs the baseline (95 % interval +0." in said and "significant at 1 in 20 (chance alone: 1 in " \
        "126, or 1 in 42 over the 3 comparisons shown together)" in said
    assert "not significant at 1 in 20, can't tell (chance alone: more often than not" in verdict_of(page, "Dropout")
    assert "Gap: validation loss minus training loss" in texts(page.caption)
    assert page.number_input(key="lesson.seeds").value == DEFAULT_SEEDS


def test_the_page_promises_the_default_lesson_at_the_pace_measured_on_this_server(page, lessons, tmp_path,
                                                                                  monkeypatch):
    queue = jobs.default_queue()
    monkeypatch.setattr(queue, "pace", Pace())
    lessons.mkdir()
    (lessons / "saved.json").write_bytes(made_lesson({v: [97.0] * 5 for v in ("baseline", "l2", "dropout",
                                                                               "batchnorm")}))
    page.run()  # a saved lesson's time was another machine's: not this server's promise
    assert "not known yet" in texts(page.caption) and "minutes here" not in texts(page.caption)
    plan = LessonPlan()
    for variant in plan.variants:  # as if a run of each shape had gone here: 4 ms a step
        queue.pace.record(step_shape(plan.config(variant, CORRECTED, 0)), 4.0, 1000)
    page.run()
    seconds = lesson_seconds(plan, load_dataset("mnist", tmp_path, download=False))
    promise = (f"The default lesson ({DEFAULT_SEEDS} seeds × 5 epochs, 20 runs) takes about {i18n.duration(seconds, 'en', 'long')} on "
               f"this server ({queue.workers()} at once)")
    assert seconds > 0 and promise in texts(page.caption)


def test_the_saved_lesson_says_where_it_was_trained_what_the_courses_numbers_are_and_judges_overfitting_over_seeds(
        page):
    saved = (Path(__file__).parent.parent / "runs" / "lessons" / "mnist-5-seeds-5-epochs.json").read_bytes()
    page.file_uploader(key="lesson.upload").set_value(("saved.json", saved, "application/json")).run()
    assert not page.exception
    captions = texts(page.caption)
    assert "Trained on a processor not recorded: retrained on this computer, a run would not give these numbers" in \
        captions and "the size of a change of seed" in captions
    assert "The course's numbers are one run each of its own code, which never calls model.eval()" in captions
    baseline = verdict_of(page, "Baseline")
    assert "Over 5 seeds, the mean validation loss is still falling at the last epoch (5)" in baseline
    assert "in 5 of 5 seeds" in verdict_of(page, "Baseline")
