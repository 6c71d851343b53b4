"""The shared queue through the app: sessions take turns, each waiting run says where it stands, the owner's caps,
and what closed tabs may keep."""
import threading

import pytest
from streamlit.testing.v1 import AppTest

from mnistlab import jobs, server_settings
from mnistlab.config import RunConfig
from mnistlab.runs import Run
from test_app_pages import APP, HISTORY, WAIT, app, browser, start, texts  # noqa: F401  (fixtures)
from ui import kept_sessions, session_keys


@pytest.fixture
def blocked():
    """Jobs of another session holding every worker until release is set: runs queued meanwhile wait in turn."""
    release, started = threading.Event(), threading.Semaphore(0)

    def work(report, should_stop):
        started.release()
        release.wait(WAIT)

    blockers = [jobs.submit(work, "another session's run", owner="another session")
                for _ in range(jobs.default_queue().workers())]
    assert all(started.acquire(timeout=WAIT) for _ in blockers)
    yield release
    release.set()
    assert all(blocker.wait(WAIT) for blocker in blockers)


def other_session(browser: dict, name: str = "browser-2") -> AppTest:
    """A second visitor's tab, from another browser: a session of its own (a tab of the same browser joins its)."""
    mine, browser["id"] = browser["id"], name
    try:
        return AppTest.from_file(APP, default_timeout=60).run()
    finally:
        browser["id"] = mine


@pytest.mark.slow
def test_two_sessions_runs_take_turns_and_each_says_its_place_in_line(app, blocked, browser):
    visitor = other_session(browser)
    assert app.session_state[kept_sessions.SESSION_TOKEN] != visitor.session_state[kept_sessions.SESSION_TOKEN]
    mine = [start(app, epochs=1), start(app, epochs=2)]  # pressed first, both (the same settings twice: Stop)
    theirs = [start(visitor, epochs=1), start(visitor, epochs=2)]
    assert jobs.default_queue().order() == [mine[0], theirs[0], mine[1], theirs[1]]
    waiting = texts(app.run().info)
    assert f"**{mine[0].label}** is 1st in line" in waiting and f"**{mine[1].label}** is 3rd in line" in waiting
    assert "start time unknown until a run of this size has started" in waiting  # no run of this shape has gone yet
    assert "4th in line" in texts(visitor.info)

    blocked.set()
    assert all(job.wait(WAIT) for job in mine + theirs)
    assert sorted(mine + theirs, key=lambda job: job.started) == [mine[0], theirs[0], mine[1], theirs[1]]
    assert len(app.run().session_state[session_keys.RUNS]) == len(visitor.run().session_state[session_keys.RUNS]) == 2


def test_the_owner_caps_epochs_per_run_before_start_is_pressed(app, monkeypatch):
    monkeypatch.setenv("MNISTLAB_MAX_EPOCHS", "3")
    app.number_input(key="train.epochs").set_value(4).run()
    assert "at most 3 epochs per run (asked: 4)" in texts(app.warning)
    assert next(b for b in app.button if b.label == "Start training").disabled
    app.number_input(key="train.epochs").set_value(3).run()
    assert not app.warning and not next(b for b in app.button if b.label == "Start training").disabled


def test_a_bad_owner_setting_is_said_and_starts_nothing(app, monkeypatch):
    monkeypatch.setenv("MNISTLAB_MAX_RUNS_PER_SESSION", "lots")
    app.run()
    assert "MNISTLAB_MAX_RUNS_PER_SESSION must be a whole number" in texts(app.warning)
    assert next(b for b in app.button if b.label == "Start training").disabled


@pytest.mark.slow
def test_the_owner_caps_runs_per_session_across_its_tabs(app, monkeypatch, blocked):
    monkeypatch.setenv("MNISTLAB_MAX_RUNS_PER_SESSION", "1")
    first = start(app, epochs=1)
    assert "1 run running or waiting at once" in texts(app.warning)
    assert app.button(key="train.stop").label == "Stop"  # the same settings: Start became Stop
    app.number_input(key="train.epochs").set_value(2).run()  # other settings: Start again, refused by the cap
    assert next(b for b in app.button if b.label == "Start training").disabled
    other_tab = AppTest.from_file(APP, default_timeout=60)  # the same session in another tab: the same count
    other_tab.query_params["session"] = app.query_params["session"]
    assert "1 run running or waiting at once" in texts(other_tab.run().warning)
    first.stop()  # cancelled while waiting: the session may queue again
    assert not app.run().warning


def keep_one_run(at: AppTest) -> AppTest:
    at.session_state[session_keys.RUNS] = {"1. baseline": Run(RunConfig(), HISTORY[:1], "completed")}
    return at.run()


def test_past_the_bound_the_largest_holders_oldest_session_is_cleared_and_its_owner_is_told(app, monkeypatch,
                                                                                             browser):
    monkeypatch.setattr(server_settings, "KEPT_RUN_BYTES", 6_000_000)  # a kept run counts 6 MB
    monkeypatch.setenv("MNISTLAB_MAX_KEPT_MB", "10")  # room for one run
    token = keep_one_run(app).query_params["session"]
    keep_one_run(other_session(browser))  # another visitor's run: the first browser, holding as much, makes room
    returning = AppTest.from_file(APP, default_timeout=60)  # the first visitor reloads
    returning.query_params["session"] = token
    returning.run()
    assert not returning.exception and not returning.session_state.get(session_keys.RUNS)
    assert "Your runs from earlier were cleared to make room" in texts(returning.warning)
    assert "download the runs you want to keep" in texts(returning.warning).lower()
    keep_one_run(returning)  # a new run: the notice has been read
    assert "cleared" not in texts(returning.warning)
