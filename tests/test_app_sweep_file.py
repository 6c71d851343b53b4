"""A sweep as a file on the Class board page: a finished sweep's download reopens to the same points, a bad file gets
its message in the page's language, a file beyond the browser's memory cap is refused, and in class mode a sweep a
visitor opens stays that visitor's own."""
import json

import pytest
from streamlit.testing.v1 import AppTest

from mnistlab import classroom
from mnistlab.sweep_files import sweep_from_bytes, sweep_to_bytes
from ui.widgets import markdown_escaped
import hostile_files as hostile
from test_app_board import KEY, board_page, enter, student
from test_app_pages import WAIT, app, browser, texts  # noqa: F401  (fixtures)


@pytest.fixture
def laptop(app, monkeypatch):
    """The app with no lecturer key: the one user is the lecturer, and there is no class."""
    monkeypatch.delenv(classroom.LECTURER_KEY, raising=False)
    monkeypatch.setattr(classroom, "_default", classroom.Classroom())
    return board_page(app)


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    return at.file_uploader(key="sweep.upload").upload(name, data, "application/json").run()


def board_accuracies(at: AppTest) -> list[float]:
    """The accuracies of the points the board's figure draws (its points' trace)."""
    (chart,) = at.get("plotly_chart")
    traces = json.loads(chart.proto.spec)["data"]
    return sorted(y for trace in traces if trace.get("name") in ("runs", "entraînements") for y in trace["y"])


def test_a_finished_sweep_downloads_and_reopens_to_the_same_points(laptop):
    app = laptop
    app.number_input(key="sweep.values").set_value(2)
    app.number_input(key="sweep.seeds").set_value(1)
    app.number_input(key="sweep.epochs").set_value(1).run()
    next(b for b in app.button if b.label == "Start the sweep").click().run()
    for job in app.session_state["sweep.jobs"]:
        assert job.wait(WAIT)
    app.run()
    assert "Sweep ended: 2 of 2 runs." in texts(app.caption)
    (button,) = [b for b in app.get("download_button") if b.proto.label == "Download the sweep (.json)"]
    done = app.session_state["sweep.done"]
    assert done["source"].startswith("sweep-weight_decay-1e-06-0.1-2-values-1-seeds-")
    live = board_accuracies(app)
    data = sweep_to_bytes(done["sweep"])  # what the button gives: its data is made at the click
    assert len(live) == 2 and sorted(p.accuracy for p in sweep_from_bytes(data).points()) == live

    app.session_state["runs"] = {}  # a later day: the runs are gone, the file brings their board back
    board_page(app)
    assert "None of your runs has finished yet" in texts(app.info)
    upload(app, done["source"], data)
    assert not app.exception and not app.error
    said = f"Sweep from **{markdown_escaped(done['source'])}**: Weight decay (L2) from 10⁻⁶ to 0.1, 2 of its 2 runs"
    assert said in texts(app.caption)
    assert board_accuracies(app) == live and app.radio[0].value == "weight_decay"
    assert not app.session_state["runs"]  # the board view only: Compare's runs are not touched
    next(b for b in app.button if b.label == "Close the sweep file").click().run()
    assert "None of your runs has finished yet" in texts(app.info)


@pytest.mark.parametrize("lang, said", [("en", "This file cannot be opened: bad.json is not a saved mnistlab sweep"),
                                        ("fr", "bad.json n'est pas un balayage mnistlab enregistré")])
def test_a_bad_sweep_file_says_what_is_wrong_in_the_pages_language(laptop, lang, said):
    app = laptop
    app.segmented_control(key="language.switch").set_value(lang).run()  # the app's own switch
    for data in (b"{not json", hostile.sweep_with(plan={"values": 99}), hostile.lesson_with()):
        upload(app, "bad.json", data)
        assert not app.exception and said in texts(app.error)
        assert "sweep.shown" not in app.session_state


def test_a_sweep_file_beyond_the_browsers_memory_cap_is_refused_before_it_is_read(laptop, monkeypatch):
    monkeypatch.setenv("MNISTLAB_MAX_BROWSER_MB", "10")
    padded = b" " * 3_000_000 + hostile.sweep_with()  # 3 MB of file: 12 MB counted once parsed
    upload(laptop, "big.json", padded)
    assert "it allows 10 MB per browser" in texts(laptop.error) and "sweep.shown" not in laptop.session_state
    upload(laptop, "small.json", hostile.sweep_with())
    assert not laptop.error and "sweep.shown" in laptop.session_state


def test_in_class_mode_an_opened_sweep_is_the_visitors_own(app, room, browser):
    enter(app, KEY)
    app.toggle[0].set_value(True).run()
    upload(app, "mine.json", hostile.sweep_with())
    assert "The sweep you opened" in [h.value for h in app.subheader]
    assert "Only you see this sweep" in texts(app.markdown) and "Sweep from **mine.json**" in texts(app.caption)
    assert len(classroom.default_classroom().board) == 0  # nothing went on the class board
    assert "No run on the board yet" in texts(app.info)
    pupil = board_page(student(browser))
    assert "The sweep you opened" not in [h.value for h in pupil.subheader] and "mine.json" not in texts(pupil.caption)
    assert "No run on the board yet" in texts(pupil.info)


@pytest.fixture
def room(monkeypatch):
    """A lecturer key set and a fresh class (a wrong key's delay is not waited for)."""
    monkeypatch.setenv(classroom.LECTURER_KEY, KEY)
    monkeypatch.setattr(classroom, "_default", classroom.Classroom())
    monkeypatch.setattr(classroom, "pause", lambda seconds: None)
