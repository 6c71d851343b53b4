"""Whose runs a session finds, under AppTest: a browser's tabs share them, its private link brings them back after a
restart, a link that finds nothing says why, and one visitor cannot take another's room."""
import urllib.parse

import pytest
from streamlit.testing.v1 import AppTest

import hostile_files as hostile
from mnistlab import jobs, server_settings
from mnistlab.runs import run_to_zip
from test_app_pages import APP, HISTORY, app, browser, start, texts  # noqa: F401  (fixtures)
from test_app_queue import blocked  # noqa: F401  (a fixture)
from ui import kept_sessions, session_keys


def tab(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def upload_run(at: AppTest, seconds: float = 1.0) -> AppTest:
    """A run uploaded on Results (each `seconds` makes another run)."""
    run = hostile.good_run()
    run.seconds = seconds
    at.switch_page("pages/results.py").run()
    return at.file_uploader(key="upload-run").upload(f"run-{seconds}.zip", run_to_zip(run), "application/zip").run()


def test_a_new_tab_of_the_browser_on_the_plain_url_finds_its_runs(app):
    upload_run(app)
    other_tab = tab()  # no ?session= in its URL
    assert not other_tab.exception
    assert other_tab.query_params["session"] == app.query_params["session"]
    assert list(other_tab.session_state[session_keys.RUNS]) == list(app.session_state[session_keys.RUNS])
    assert "Your runs are in another tab of this browser" in texts(other_tab.toast)


def test_after_a_browser_restart_the_link_says_why_and_the_private_link_brings_the_runs_back(app, browser):
    upload_run(app)
    token, (label,) = app.query_params["session"], list(app.session_state[session_keys.RUNS])
    app.switch_page("pages/compare.py").run()
    (link,) = [str(code.value) for code in app.code]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)
    key, = query["restore"]
    assert query["lang"] == ["en"]

    browser["id"] = "the same browser, restarted"  # its cookie died with it: another browser for the server
    restarted = tab({"session": token})
    assert not restarted.session_state.get(session_keys.RUNS)
    assert "belong to another browser, or to this one before it was restarted" in texts(restarted.warning)
    assert "private link" in texts(restarted.warning)

    restored = tab({"restore": key})
    assert not restored.exception and list(restored.session_state[session_keys.RUNS]) == [label]
    assert "restore" not in restored.query_params and restored.query_params["session"] == token
    assert list(tab({"session": token}).session_state[session_keys.RUNS]) == [label]  # its reloads find them again


@pytest.mark.parametrize("query, said", [
    ({"restore": "not-a-key-of-this-server"}, "The runs of this private link are no longer on this server"),
    ({"session": "not-from-this-server"}, "The runs of this link are no longer on this server"),
])
def test_a_link_that_finds_nothing_says_so_at_once(app, query, said):
    visitor = tab(query)
    assert not visitor.exception and not visitor.session_state.get(session_keys.RUNS)
    assert said in texts(visitor.warning)


def test_one_browser_cannot_hold_more_than_its_share_nor_clear_anothers_runs(app, browser, monkeypatch):
    monkeypatch.setenv("MNISTLAB_MAX_BROWSER_MB", "10")
    monkeypatch.setattr(server_settings, "KEPT_RUN_BYTES", 3_000_000)  # a kept run counts ~3 MB: 3 fit in 10 MB
    upload_run(app)
    victim = app.session_state[session_keys.RUNS]
    browser["id"] = "a visitor uploading many runs"
    attacker = tab()
    for seconds in range(1, 6):
        upload_run(attacker, float(seconds))
    assert not attacker.exception and len(attacker.session_state[session_keys.RUNS]) == 3
    assert "it allows 10 MB per browser: remove runs on the Compare page" in texts(attacker.warning)
    assert kept_sessions.kept_totals() == (2, 4) and len(victim) == 1


def test_a_run_kept_through_the_tabs_own_dict_counts_as_growth(app, browser, monkeypatch):
    """remember_session compared a dict with itself: a run added in place never made room, past any bound."""
    monkeypatch.setattr(server_settings, "KEPT_RUN_BYTES", 6_000_000)
    monkeypatch.setenv("MNISTLAB_MAX_KEPT_MB", "10")  # room for one run
    upload_run(app)
    token = app.query_params["session"]
    browser["id"] = "browser-two"
    upload_run(tab())  # added in place on Results: the first browser, holding as much and seen less recently, goes
    assert kept_sessions.kept_totals()[1] == 1
    browser["id"] = "browser-one-back"
    assert "cleared to make room" in texts(tab({"session": token}).warning)


def test_the_owner_caps_a_runs_cost_before_start_is_pressed(app):
    app.text_input(key="train.hidden").set_value("4096, 4096, 1024").run()  # 24 million weights: under their cap
    assert "This run would cost 449 course epochs" in texts(app.warning)
    assert "MNISTLAB_MAX_RUN_COST" in texts(app.warning)
    assert next(b for b in app.button if b.label == "Start training").disabled
    app.number_input(key="train.epochs").set_value(2).run()
    assert not app.warning and not next(b for b in app.button if b.label == "Start training").disabled


def test_no_work_outlives_the_session_that_asked_for_it(app, browser, blocked):
    job = start(app, epochs=1)  # waits behind another session's run
    token = app.query_params["session"]
    kept_sessions._kept[token].seen -= kept_sessions.KEEP_FOR + 1  # its tabs closed 12 hours ago
    browser["id"] = "a newcomer"
    tab()  # a session opens: the stale ones are forgotten
    assert token not in kept_sessions._kept and job.stopped and job.state == jobs.DONE


def test_a_browser_is_one_owner_however_many_sessions_it_opens(app, blocked, monkeypatch):
    monkeypatch.setenv("MNISTLAB_MAX_RUNS_PER_SESSION", "1")
    waiting = start(app, epochs=1)  # waits behind another browser's run
    second = tab({"session": "an-old-link"})  # another session of the same browser (a stale link opened a new one)
    assert second.query_params["session"] != app.query_params["session"]
    assert "This server lets each browser have 1 run running or waiting at once" in texts(second.warning)
    assert next(b for b in second.button if b.label == "Start training").disabled
    waiting.stop()
