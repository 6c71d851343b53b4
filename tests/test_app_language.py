"""The app in French and English under AppTest: ?lang= chooses, the switch changes it for one session only and keeps
its runs, and a page in French shows nothing that only the English table says."""
import json
import re
import string
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import write_raw_folder
from mnistlab import i18n
from mnistlab.config import PRESETS, RunConfig, describe, preset
from mnistlab.data import load_dataset
from mnistlab.lesson.plan import Lesson, LessonPlan, LessonRun
from mnistlab.runs import Run
from mnistlab.messages import divergence_message
from mnistlab.training import train
from ui import session_keys

APP = str(Path(__file__).parent.parent / "app.py")
PAGES = [pytest.param("pages/data.py", id="data"),
         pytest.param("pages/train.py", id="train"),
         pytest.param("pages/results.py", id="results"),
         pytest.param("pages/compare.py", id="compare"),
         pytest.param("pages/draw.py", id="draw"),
         pytest.param("pages/inside.py", id="inside"),
         pytest.param("pages/lesson.py", id="lesson")]
NOT_TEXT = {"plotly_chart", "html", "code", "json"}  # figures (read from their JSON: figure_texts), style, code
FIGURE_TEXT = ("text", "name", "hovertemplate", "texttemplate", "title", "ticktext")  # what a figure shows in words
# Words of English prose that French never uses: a string no table holds yet still shows them.
ENGLISH_WORDS = {"the", "and", "of", "to", "is", "are", "with", "your", "this", "these", "that", "from", "for", "its",
                 "what", "which", "how", "has", "have", "will", "can", "each", "when", "than", "was", "were", "been",
                 "only", "after", "before", "into", "yet", "here", "there", "them", "an", "no", "not", "run", "runs",
                 "training", "press", "choose", "see", "start", "stop",
                 # a chart's or a table's single words
                 "loss", "accuracy", "epoch", "epochs", "predicted", "true", "mean", "seed", "seeds", "diverged",
                 "stopped", "completed", "failed", "uploaded", "layer", "weight", "weights", "any", "hidden", "step",
                 "steps", "gap", "best", "corrected", "file", "time", "status", "variant", "arm"}


@pytest.fixture
def app(app_folder):
    """A factory of fresh sessions of the app on a synthetic MNIST and Fashion-MNIST folder, one browser for all."""
    write_raw_folder(app_folder, "FashionMNIST")

    def start(lang: str | None = None) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        if lang is not None:
            at.query_params["lang"] = lang
        return at.run()

    return start


def shown_texts(at: AppTest) -> list[str]:
    """Every string the page shows a reader: titles, prose, messages, metrics, widgets' labels, help and options."""
    found = []

    def walk(node) -> None:
        if getattr(node, "type", None) in NOT_TEXT:
            return
        if getattr(node, "type", None) in ("table", "dataframe"):  # its headers and cells
            frame = node.value
            found.extend(str(item) for item in [*frame.columns, *frame.to_numpy().flatten()])
            return
        for name in ("value", "label", "help", "body", "placeholder", "options"):
            try:
                value = getattr(node, name, None)
            except Exception:  # a widget whose value AppTest cannot give (an empty uploader): its label still counts
                continue
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(item, str) and item.strip():
                    found.append(item)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found


def english_only_phrases() -> list[str]:
    """The English table's phrases of four words or more that its French does not also say (placeholders cut)."""
    french_text = " ".join(i18n.LANGUAGES["fr"].values())
    phrases = []
    for key, english in i18n.LANGUAGES["en"].items():
        if english == i18n.LANGUAGES["fr"][key]:
            continue
        for literal, *_ in string.Formatter().parse(english):
            literal = literal.strip(" .,:;()")
            if len(literal.split()) >= 4 and literal not in french_text:
                phrases.append(literal)
    return phrases


def english_in(texts: list[str]) -> list[str]:
    """What in texts reads English: a phrase only the English table has, or English prose's words."""
    found = [phrase for phrase in english_only_phrases() for text in texts if phrase in text]
    for text in texts:
        code = r"`[^`]*`|\S+\.\w+\(\)|\S*[/\\]\S*|\S+\.(?:json|zip)\b|\w*_\w*(?: \+= \w+)?"  # code, paths, files, names
        words = set(re.findall(r"[a-z]+", re.sub(code, " ", text.lower())))
        if words & ENGLISH_WORDS:
            found.append(text)
    return sorted(set(found))


def test_english_only_phrases_are_found():
    """The check itself: the English data page's note is caught, its French one is not."""
    english, french = i18n.text("en", "data.split_note", total="480"), i18n.text("fr", "data.split_note", total="480")
    assert english_in([english]) and english_in([french]) == []


@pytest.mark.parametrize("page", PAGES)
def test_a_page_in_french_shows_no_english(app, page):
    at = app("fr")
    at.switch_page(page).run()
    assert not at.exception
    assert english_in(shown_texts(at)) == []


def figure_texts(at: AppTest) -> list[str]:
    """Every string the page's figures show: titles, axis titles, legends, annotations, bar texts, hover templates."""
    found = []

    def walk(value, name: str = "") -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, key)
        elif isinstance(value, list):
            for item in value:
                walk(item, name)
        elif isinstance(value, str) and name in FIGURE_TEXT and value.strip():
            found.append(value)

    for chart in at.get("plotly_chart"):
        walk(json.loads(chart.proto.spec))
    return found


@pytest.fixture(scope="module")
def held_runs(tmp_path_factory):
    """What a lecture's session holds: a completed MNIST run, a diverged one, a stopped one, a Fashion-MNIST one
    (all trained on small synthetic data), and a lesson of 4 seeds with the no-eval slip."""
    root = tmp_path_factory.mktemp("held")
    write_raw_folder(root)
    write_raw_folder(root, "FashionMNIST")
    small = dict(epochs=2, batch_size=32, hidden=(32, 32))
    mnist, fashion = load_dataset("mnist", root, download=False), load_dataset("fashion-mnist", root, download=False)
    completed = train(preset("dropout", **small), mnist)
    worn = train(preset("baseline", **small, dataset="fashion-mnist"), fashion)
    history = [dict(row) for row in completed.history]
    history[-1].update(train_loss=3.2e9, val_loss=9.1e9)
    config = RunConfig(lr=10.0, **small)
    diverged = Run(config, history, "diverged", divergence_message(3.2e9, 1, 37, 10.0), completed.evaluation,
                   completed.model, seconds=4.2)
    stopped = Run(preset("batchnorm", **small), history[:1], "stopped", "Stopped by the user during epoch 2.",
                  seconds=1.5)
    runs = {f"{i}. {describe(run.config, 'fr')}": run for i, run in enumerate((completed, diverged, stopped, worn), 1)}
    plan = LessonPlan(seeds=4, epochs=2, slips=("no-eval",))
    lesson_runs = [LessonRun(preset(variant, **small), "completed", "", completed.history,
                             96.0 + 0.3 * seed + 0.2 * list(PRESETS).index(variant) - (arm == "course"), 3.0,
                             variant=variant, arm=arm, seed=seed)
                   for variant, arm, seed in plan.tasks()]
    return runs, Lesson(plan, "mnist", lesson_runs, "stopped", "Stopped by the user after 12 of 12 runs.",
                        seconds=36.0, batches_per_epoch=15)


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_a_page_holding_runs_and_a_lesson_in_french_shows_no_english(app, page, held_runs):
    """Verdicts, tables, run summaries, status lines, overfitting sentences and every figure's words, in French."""
    runs, lesson = held_runs
    at = app("fr")
    at.session_state["runs"] = dict(runs)
    at.session_state[session_keys.LESSON_SHOWN] = {"lesson": lesson, "source": "lecon.json"}
    at.switch_page(page).run()
    assert not at.exception
    assert english_in(shown_texts(at)) == []
    assert english_in(figure_texts(at)) == []
    if page == "pages/results.py":  # each run's summary: completed, diverged, stopped, Fashion-MNIST
        for label in runs:
            at.selectbox(key="run-picker").set_value(label).run()
            assert not at.exception
            assert english_in(shown_texts(at) + figure_texts(at)) == [], label


def test_the_url_chooses_the_language_and_keeps_it_across_pages(app):
    at = app("fr")
    assert at.session_state["language"] == "fr" and at.query_params["lang"] == "fr"
    at.switch_page("pages/data.py").run()
    assert at.title[0].value == "Les données" and at.query_params["lang"] == "fr"
    assert [m.label for m in at.metric] == ["Images d'entraînement", "Images de validation", "Images de test"]
    english = app("en").switch_page("pages/data.py").run()
    assert english.title[0].value == "The data" and english.query_params["lang"] == "en"
    assert app().session_state["language"] == "en"  # neither the URL nor the browser asks: English


def test_the_switch_changes_this_session_only_and_keeps_its_runs(app):
    at, other = app("en"), app("en")
    run = Run(RunConfig(epochs=1), [{"epoch": 1.0, "train_loss": 0.5, "train_accuracy": 90.0, "val_loss": 0.4,
                                     "val_accuracy": 91.0, "seconds": 1.0}], "completed", seconds=1.0)
    at.session_state["runs"] = {"1. baseline": run}
    at.number_input(key="train.epochs").set_value(3).run()
    at.segmented_control(key="language.switch").set_value("fr").run()
    assert not at.exception and at.query_params["lang"] == "fr"
    assert at.session_state["language"] == "fr" and list(at.session_state["runs"]) == ["1. baseline"]
    assert at.number_input(key="train.epochs").value == 3 and at.number_input(key="train.epochs").label == "Époques"
    at.switch_page("pages/data.py").run()
    assert at.title[0].value == "Les données"
    other.switch_page("pages/data.py").run()
    assert other.title[0].value == "The data" and other.session_state["language"] == "en"


def test_a_bad_setting_says_why_in_french(app):
    at = app("fr")
    at.number_input(key="train.epochs").set_value(1000).run()
    message = " ".join(e.value for e in at.error)
    assert "le nombre d'époques doit être un entier de 1 à 100 (reçu 1000)" in message
    assert "Ce réglage est inutilisable" in message


def test_the_labels_the_app_made_follow_the_language_and_a_users_own_name_stays(app):
    at = app("fr")
    run = Run(RunConfig(epochs=1, dropout=0.2), [{"epoch": 1.0, "train_loss": 0.5, "train_accuracy": 90.0,
                                                  "val_loss": 0.4, "val_accuracy": 91.0, "seconds": 1.0}],
              "completed", seconds=1.0)
    at.session_state["runs"] = {"1. dropout 0,2, époques 1": run, "2. mon essai": run,
                                "3. dropout 0,2, époques 1 (importé)": run}
    at.switch_page("pages/results.py").run()
    at.segmented_control(key="language.switch").set_value("en").run()
    assert not at.exception
    assert list(at.session_state["runs"]) == ["1. dropout 0.2, epochs 1", "2. mon essai",
                                              "3. dropout 0.2, epochs 1 (uploaded)"]
    assert at.selectbox(key="run-picker").value in at.session_state["runs"]
