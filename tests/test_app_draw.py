"""The Draw page under AppTest: the advice without runs, every run's reading of an uploaded photo, a blank canvas."""
import io
import json
from pathlib import Path

import pytest
import torch
from PIL import Image, ImageDraw
from streamlit.testing.v1 import AppTest

from mnistlab.config import RunConfig
from mnistlab.models import build_model
from mnistlab.runs import Run

APP = str(Path(__file__).parent.parent / "app.py")
HISTORY = [{"epoch": 1.0, "train_loss": 0.5, "train_accuracy": 90.0, "val_loss": 0.4, "val_accuracy": 91.0,
            "seconds": 1.0}]


@pytest.fixture
def app(app_folder):
    """The app on a synthetic MNIST folder, from one browser, opened on nothing yet."""
    return AppTest.from_file(APP, default_timeout=60)


def sure_of(guess: int, dataset: str = "mnist") -> Run:
    """A run whose model answers `guess` with e⁵ / (e⁵ + 9) ≈ 94 % whatever it reads."""
    config = RunConfig(dataset=dataset, hidden=(8,), epochs=1)
    model = build_model(config)
    with torch.no_grad():
        model.out.weight.zero_()
        model.out.bias.zero_()
        model.out.bias[guess] = 5.0
    return Run(config, HISTORY, "completed", model=model)


def photo_of_a_one() -> bytes:
    """A phone-like photo: a dark vertical stroke on light grey paper."""
    image = Image.new("RGB", (300, 400), (215, 210, 200))
    ImageDraw.Draw(image).line([(150, 60), (150, 340)], fill=(30, 30, 40), width=28)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    return buffer.getvalue()


def texts(elements) -> str:
    return " | ".join(str(e.value) for e in elements)


def bar_titles(at) -> list[str]:
    """The titles over each run's bars: 'label<br><b>guess</b> (p %)'."""
    (chart,) = at.get("plotly_chart")
    return [a["text"] for a in json.loads(chart.proto.spec)["layout"]["annotations"]]


def open_draw(at, runs: dict | None = None, lang: str | None = None):
    if lang:
        at.query_params["lang"] = lang
    at.run()
    if runs:
        at.session_state["runs"] = runs
    at.switch_page("pages/draw.py").run()
    assert not at.exception
    return at


def test_without_a_run_the_page_says_where_to_get_one(app):
    open_draw(app)
    assert "train one on the Train page, or upload a saved run (.zip) on the Results page" in texts(app.info)
    links = app.get("page_link")
    assert [link.proto.label for link in links] == ["Train a run", "Upload a saved run"]
    assert all(link.proto.page_script_hash for link in links)  # each link leads to a page of the app
    assert not app.get("plotly_chart")


def test_a_blank_canvas_asks_for_a_digit_not_a_prediction(app):
    open_draw(app, {"1. baseline": sure_of(3)})
    assert "The canvas is empty: draw a digit first." in texts(app.info)
    assert not app.get("plotly_chart")


def test_every_run_reads_an_uploaded_photo_side_by_side(app):
    runs = {"1. baseline": sure_of(3), "2. dropout 0.2": sure_of(7), "3. clothes": sure_of(8, "fashion-mnist")}
    open_draw(app, runs)
    assert "Fashion-MNIST runs read an uploaded photo only" in texts(app.info)
    app.radio(key="draw.input").set_value("photo").run()
    app.file_uploader(key="draw.photo").upload("one.jpg", photo_of_a_one(), "image/jpeg").run()
    assert not app.exception and not app.error
    assert bar_titles(app) == ["1. baseline<br><b>3</b> (94%)", "2. dropout 0.2<br><b>7</b> (94%)",
                               "3. clothes<br><b>Bag</b> (94%)"]
    assert len(app.get("image")) == 2  # what MNIST runs and what Fashion-MNIST runs read, each its own 28 × 28


def test_a_file_that_is_not_an_image_says_so(app):
    open_draw(app, {"1. baseline": sure_of(3)})
    app.radio(key="draw.input").set_value("photo").run()
    app.file_uploader(key="draw.photo").upload("digit.png", b"not a png", "image/png").run()
    assert not app.exception
    assert "cannot be read as an image" in texts(app.error) and "Upload a PNG or JPEG" in texts(app.error)
    assert not app.get("plotly_chart")


def test_the_page_speaks_french_from_the_url(app):
    open_draw(app, {"1. baseline": sure_of(3)}, lang="fr")
    assert app.title[0].value == "Dessinez un chiffre"
    assert "La zone de dessin est vide\u00a0: dessinez d'abord un chiffre." in texts(app.info)
    app.radio(key="draw.input").set_value("photo").run()
    app.file_uploader(key="draw.photo").upload("one.jpg", photo_of_a_one(), "image/jpeg").run()
    assert bar_titles(app) == ["1. baseline<br><b>3</b> (94\u00a0%)"]


def test_clear_gives_an_empty_canvas(app):
    open_draw(app, {"1. baseline": sure_of(3)})
    next(b for b in app.button if b.label == "Clear").click().run()
    assert not app.exception and app.session_state["draw.canvas_version"] == 1
    assert "The canvas is empty: draw a digit first." in texts(app.info)


def test_a_session_of_fashion_runs_only_opens_on_the_photo_input(app):
    open_draw(app, {"1. clothes": sure_of(8, "fashion-mnist")})
    assert app.radio(key="draw.input").value == "photo"
    app.radio(key="draw.input").set_value("canvas").run()
    assert not app.exception
    assert "No run of this session was trained on MNIST digits: upload a photo" in texts(app.info)
    assert not app.get("plotly_chart")
