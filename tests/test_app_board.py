"""The class through the app: the lecturer's key field, class mode's caps on a student's Train page, the board page
for the lecturer and for a student, lessons saved by the lecturer only, and a sweep on a laptop."""
import itertools

import pytest
from streamlit.testing.v1 import AppTest

from mnistlab import classroom, jobs
from test_app_pages import APP, WAIT, app, browser, texts  # noqa: F401  (fixtures)
from test_app_queue import blocked  # noqa: F401  (fixture)

KEY = "chalk and talk"
STUDENTS = itertools.count(1)
START = "Start training"


@pytest.fixture
def room(monkeypatch):
    """A lecturer key set, a fresh class, and a wrong key's delay recorded instead of slept."""
    monkeypatch.setenv(classroom.LECTURER_KEY, KEY)
    monkeypatch.setattr(classroom, "_default", classroom.Classroom())
    slept = []
    monkeypatch.setattr(classroom, "pause", slept.append)
    return slept


def board_page(at: AppTest) -> AppTest:
    return at.switch_page("pages/board.py").run()


def enter(at: AppTest, key: str) -> AppTest:
    board_page(at)
    at.text_input[0].set_value(key)
    next(b for b in at.button if b.label == "I am the lecturer").click().run()
    return at


def student(browser: dict) -> AppTest:
    """A student's session, from a browser of its own (the lecturer's other tabs would be the lecturer's)."""
    lecturer = browser["id"]
    browser["id"] = f"{lecturer}-student-{next(STUDENTS)}"
    try:
        return AppTest.from_file(APP, default_timeout=60).run()
    finally:
        browser["id"] = lecturer


def test_a_wrong_key_is_refused_after_a_delay_and_says_what_to_do(app, room):
    enter(app, "chalk and tal")
    assert "This is not the lecturer's key: nothing changed" in texts(app.error)
    assert room == [classroom.WRONG_KEY_DELAY] and not app.toggle
    assert "MNISTLAB_LECTURER_KEY" not in texts(app.error)  # says nothing of whether a key is set


def test_the_lecturer_switches_class_mode_and_a_student_sees_the_caps_before_start(app, room, browser):
    enter(app, KEY)
    assert "You are the lecturer" in texts(app.markdown) and not app.text_input
    app.toggle[0].set_value(True).run()
    assert classroom.default_classroom().on
    pupil = student(browser)
    assert "one run at a time (1 at most) of at most 10 epochs" in texts(pupil.caption)
    pupil.number_input(key="train.epochs").set_value(11).run()
    assert "During the class, at most 10 epochs per run (asked: 11)" in texts(pupil.warning)
    assert next(b for b in pupil.button if b.label == START).disabled
    board_page(pupil)
    assert not pupil.toggle and not [b for b in pupil.button if b.label == "Clear the board"]
    assert "The lecturer chooses the setting" in texts(pupil.caption)
    assert not [b for b in pupil.button if b.label == "Start the sweep"]


def test_lessons_are_saved_by_the_lecturer_only(app, room, browser):
    def save_button(at):
        at.switch_page("pages/lesson.py").run()
        next(b for b in at.button if b.label == "Show these results").click().run()
        return [b for b in at.button if b.label.startswith("Save them")]

    pupil = student(browser)
    assert not save_button(pupil) and "Saving into runs/lessons/ is off" in texts(pupil.caption)
    enter(app, KEY)
    assert save_button(app)


def test_a_student_cannot_start_a_lesson_during_the_class(app, room, browser):
    enter(app, KEY)
    app.toggle[0].set_value(True).run()
    pupil = student(browser).switch_page("pages/lesson.py").run()
    next(b for b in pupil.button if b.label == "Run the lesson").click().run()
    assert "lessons and sweeps are the lecturer's" in texts(pupil.warning)
    assert not pupil.session_state["jobs"]


@pytest.mark.slow
def test_the_lecturers_run_goes_before_the_students_queue(app, room, blocked, browser):
    enter(app, KEY)
    pupils = [student(browser) for _ in range(3)]
    for pupil in pupils:
        pupil.number_input(key="train.epochs").set_value(1).run()
        next(b for b in pupil.button if b.label == START).click().run()
    app.switch_page("pages/train.py").run()
    app.number_input(key="train.epochs").set_value(1).run()
    next(b for b in app.button if b.label == START).click().run()
    assert "is 1st in line" in texts(app.info)
    lecturer_job = app.session_state["jobs"][-1].job
    assert jobs.default_queue().order()[0] is lecturer_job
    blocked.set()
    assert lecturer_job.wait(WAIT)
    for pupil in pupils:
        assert pupil.session_state["jobs"][-1].job.wait(WAIT)
        assert pupil.session_state["jobs"][-1].job.started >= lecturer_job.started


def test_a_students_point_is_highlighted_on_their_page_and_withdrawable(app, room, browser):
    enter(app, KEY)
    app.toggle[0].set_value(True).run()
    pupil = student(browser)
    pupil.number_input(key="train.epochs").set_value(1).run()
    next(b for b in pupil.button if b.label == START).click().run()
    assert pupil.session_state["jobs"][-1].job.wait(WAIT)
    board_page(pupil)
    assert "Your points on the board (highlighted)" in texts(pupil.markdown)
    assert "1 run on the board." in texts(board_page(app).caption) and "Best so far" in texts(app.markdown)
    assert "Your points" not in texts(app.markdown)  # the lecturer's board names no one
    next(b for b in pupil.button if b.label == "Withdraw my points").click().run()
    assert len(classroom.default_classroom().board) == 0
    assert "No run on the board yet" in texts(board_page(app).info)


def test_without_a_key_the_user_sweeps_a_setting_and_can_stop_it(app, monkeypatch, blocked):
    monkeypatch.delenv(classroom.LECTURER_KEY, raising=False)
    board_page(app)
    assert not app.text_input and not app.toggle  # a laptop: the one user is the lecturer, and there is no class
    assert app.selectbox[0].value == "weight_decay"  # the course's regularisation first
    app.number_input(key="sweep.values").set_value(3)
    app.number_input(key="sweep.seeds").set_value(2)
    app.number_input(key="sweep.epochs").set_value(1).run()
    assert "6 runs: 10⁻⁶, 3.16\u00a0×\u00a010⁻⁴, 0.1." in texts(app.caption)
    next(b for b in app.button if b.label == "Start the sweep").click().run()
    sweep = [entry.job for entry in app.session_state["jobs"]]
    assert len(sweep) == 6 and "Sweep: 0 of 6 runs done" in texts(app.info)
    next(b for b in app.button if b.label == "Stop the sweep").click().run()
    assert all(job.cancelled for job in sweep)  # still waiting behind another session's run: cancelled at once


def test_a_sweep_counts_against_the_owners_cap_on_runs(app, monkeypatch):
    monkeypatch.delenv(classroom.LECTURER_KEY, raising=False)
    monkeypatch.setenv("MNISTLAB_MAX_RUNS_PER_SESSION", "4")
    board_page(app)
    app.number_input(key="sweep.values").set_value(3).run()  # 3 values × 2 seeds: 6 runs
    assert "4 runs running or waiting at once" in texts(app.warning)
    assert next(b for b in app.button if b.label == "Start the sweep").disabled
