"""The Inside page under AppTest: runs with the recorded figures, a run saved before them, none; in both languages."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mnistlab.config import preset
from mnistlab.runs import Run
from mnistlab.training import train
from test_app_language import english_in, shown_texts

APP = str(Path(__file__).parent.parent / "app.py")
SMALL = dict(epochs=2, batch_size=32, hidden=(32, 32))
OLD_ROW = {"epoch": 1.0, "train_loss": 0.5, "train_accuracy": 85.0, "val_loss": 0.4, "val_accuracy": 88.0,
           "seconds": 1.0}


@pytest.fixture(scope="module")
def trained(tiny_data):
    return {"1. baseline": train(preset("baseline", **SMALL), tiny_data),
            "2. BatchNorm": train(preset("batchnorm", **SMALL), tiny_data)}


@pytest.fixture
def app(app_folder):
    def inside(runs: dict, lang: str = "en") -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        at.query_params["lang"] = lang
        at.run()
        at.session_state["runs"] = runs
        return at.switch_page("pages/inside.py").run()

    return inside


def chart_count(at: AppTest) -> int:
    return len(at.get("plotly_chart"))


def test_runs_with_the_figures_draw_every_part(app, trained):
    at = app(trained)
    assert not at.exception and not at.info
    assert chart_count(at) == 6  # norms, modes, dead units, BatchNorm, histograms, templates
    assert at.multiselect(key="inside.runs").value == list(trained)


def test_a_run_saved_before_the_figures_gets_a_note_and_what_its_weights_show(app, trained):
    old_model = trained["1. baseline"].model
    at = app({"1. old": Run(preset("baseline", **SMALL), [OLD_ROW], "completed", model=old_model)})
    assert not at.exception
    assert "saved before these figures" in " ".join(i.value for i in at.info)
    assert "None of the chosen runs uses BatchNorm" in " ".join(i.value for i in at.info)
    assert chart_count(at) == 5  # no BatchNorm plot; norms from its weights, histograms, templates


def test_a_run_without_weights_says_what_needs_them(app):
    at = app({"1. results only": Run(preset("baseline"), [OLD_ROW], "completed")})
    assert not at.exception
    assert "histograms and templates need them" in " ".join(i.value for i in at.info)


def test_no_runs_says_where_to_make_them(app):
    at = app({})
    assert not at.exception and "No runs yet" in at.info[0].value


def test_the_page_in_french_shows_no_english(app, trained):
    at = app({**trained, "3. old": Run(preset("baseline", **SMALL), [OLD_ROW], "completed")}, "fr")
    assert not at.exception and at.title[0].value == "Dans le réseau"
    assert english_in(shown_texts(at)) == []
