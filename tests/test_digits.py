"""Drawn and photographed digits: made as MNIST's were, they are read by a trained run as well as its test images."""
from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image
from torch.nn import functional as F

from mnistlab import RunConfig, train
from mnistlab.digits import (BlankImageError, ImageFileError, Reading, ink_from_canvas, ink_from_photo,
                             model_image, read_runs)
from mnistlab.evaluation import logits_of
from mnistlab.models import build_model
from mnistlab.digit_plots import probability_bars
from mnistlab.figure_style import VAL
from mnistlab.runs import Run

CANVAS = 280  # the page's canvas side
N_IMAGES = 500


@pytest.fixture(scope="module")
def mnist_run(mnist) -> Run:
    """The course's baseline after one epoch (~96 % test accuracy)."""
    return train(RunConfig(epochs=1, device="cpu"), mnist)


def canvas_of(image: torch.Tensor, side: int = CANVAS) -> np.ndarray:
    """A 28 × 28 uint8 digit scaled up to a side × side white-on-black RGBA canvas, as the page's canvas gives."""
    grey = F.interpolate(image[None, None].float(), size=(side, side), mode="bilinear", align_corners=False)[0, 0]
    grey = grey.round().clamp(0, 255).to(torch.uint8).numpy()
    return np.dstack([grey, grey, grey, np.full_like(grey, 255)])


def accuracy(model, rows: torch.Tensor, labels: torch.Tensor) -> float:
    return float((logits_of(model, rows).argmax(1) == labels).float().mean())


def centre_of_mass(image: torch.Tensor) -> tuple[float, float]:
    weights = image.float() / image.float().sum()
    index = torch.arange(image.shape[0], dtype=torch.float32)
    return float((weights.sum(1) * index).sum()), float((weights.sum(0) * index).sum())


def box_sides(image: torch.Tensor, threshold: int = 0) -> tuple[int, int]:
    rows, cols = (image > threshold).any(1).nonzero().flatten(), (image > threshold).any(0).nonzero().flatten()
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


@pytest.mark.slow
def test_test_digits_drawn_on_the_canvas_are_read_as_well_as_the_test_set(mnist, mnist_run):
    images, labels = mnist.images("test", range(N_IMAGES)), mnist.test_y[:N_IMAGES]
    rows = torch.cat([model_image(ink_from_canvas(canvas_of(image))).rows for image in images])
    on_test_set = accuracy(mnist_run.model, mnist.test_x[:N_IMAGES], labels)
    assert accuracy(mnist_run.model, rows, labels) >= 0.95 * on_test_set


@pytest.mark.slow
@pytest.mark.parametrize("file_format", ["PNG", "JPEG"])
def test_test_digits_photographed_dark_on_grey_paper_are_read_as_well(mnist, mnist_run, file_format):
    images, labels = mnist.images("test", range(N_IMAGES)), mnist.test_y[:N_IMAGES]
    rows = []
    for image in images:
        ink = canvas_of(image, 200)[..., 0].astype(np.float32) / 255
        paper = (215 - 175 * ink).astype(np.uint8)  # dark grey ink on light grey paper
        buffer = io.BytesIO()
        Image.fromarray(paper).convert("RGB").save(buffer, format=file_format, quality=85)
        rows.append(model_image(ink_from_photo(buffer.getvalue())).rows)
    on_test_set = accuracy(mnist_run.model, mnist.test_x[:N_IMAGES], labels)
    assert accuracy(mnist_run.model, torch.cat(rows), labels) >= 0.95 * on_test_set


def test_a_blank_canvas_asks_for_a_digit():
    for background in (0, 255):  # white strokes on black, or the other way round
        canvas = np.zeros((CANVAS, CANVAS, 4), np.uint8)
        canvas[..., :3], canvas[..., 3] = background, 255
        with pytest.raises(BlankImageError, match="draw a digit first"):
            ink_from_canvas(canvas)
    with pytest.raises(BlankImageError, match="draw a digit first"):
        ink_from_canvas(np.zeros((CANVAS, CANVAS, 4), np.uint8))  # transparent
    with pytest.raises(BlankImageError, match="draw a digit first"):
        ink_from_canvas(None)  # before the first stroke


def test_a_dot_is_not_a_digit():
    canvas = np.zeros((CANVAS, CANVAS, 4), np.uint8)
    canvas[..., 3] = 255
    canvas[100, 100, :3] = 255
    with pytest.raises(BlankImageError, match="draw a digit first"):
        model_image(ink_from_canvas(canvas))


def test_a_small_digit_off_centre_is_scaled_to_20_px_and_centred_by_its_mass():
    canvas = np.zeros((CANVAS, CANVAS, 4), np.uint8)
    canvas[..., 3] = 255
    canvas[20:60, 200:215, :3] = 255  # a short bar in the top right corner: a "1", 40 × 15 px
    canvas[20:28, 200:230, :3] = 255  # with a flag to the right: its mass is off its box's centre
    image = model_image(ink_from_canvas(canvas)).image
    assert max(box_sides(image, 0)) == 20
    row, col = centre_of_mass(image)
    assert abs(row - 14) <= 1 and abs(col - 14) <= 1


def test_a_dark_digit_on_a_light_canvas_is_inverted_like_mnist():
    canvas = np.full((CANVAS, CANVAS, 4), 255, np.uint8)
    canvas[60:220, 130:150, :3] = 0
    image = model_image(ink_from_canvas(canvas)).image
    assert image[0, 0] == 0 and image[14, 14] == 255


def test_fashion_images_fill_the_field_centred_by_their_box():
    canvas = np.zeros((CANVAS, CANVAS, 4), np.uint8)
    canvas[..., 3] = 255
    canvas[50:150, 10:60, :3] = 255
    image = model_image(ink_from_canvas(canvas), "fashion-mnist").image
    assert box_sides(image, 127) == (28, 14)


def test_the_model_image_is_what_the_data_set_would_hold():
    canvas = np.zeros((CANVAS, CANVAS, 4), np.uint8)
    canvas[..., 3] = 255
    canvas[40:240, 120:160, :3] = 255
    made = model_image(ink_from_canvas(canvas))
    assert made.image.dtype == torch.uint8 and made.image.shape == (28, 28)
    assert torch.equal(made.rows, made.image.reshape(1, 784).float() / 255)


def test_a_file_that_is_no_image_says_so():
    with pytest.raises(ImageFileError, match="PNG or JPEG"):
        ink_from_photo(b"this is a text file, not a photo")


def test_a_photo_of_plain_paper_shows_no_digit():
    buffer = io.BytesIO()
    Image.new("L", (300, 200), 200).save(buffer, format="PNG")
    with pytest.raises(BlankImageError, match="No digit found"):
        ink_from_photo(buffer.getvalue())


def test_a_transparent_png_with_a_dark_digit_is_read_on_white():
    photo = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    photo.paste((0, 0, 0, 255), (40, 10, 60, 90))
    image = model_image(ink_from_photo(photo)).image
    assert image[14, 14] == 255 and image[0, 0] == 0


def test_every_run_reads_the_image_of_its_data_set_and_models_stay_as_they_were():
    torch.manual_seed(0)
    trained_mode = build_model(RunConfig(dropout=0.5, batchnorm=True)).train()
    runs = {"mnist in training mode": Run(RunConfig(dropout=0.5, batchnorm=True), [], "completed",
                                          model=trained_mode),
            "mnist": Run(RunConfig(), [], "completed", model=build_model(RunConfig()).eval()),
            "fashion": Run(RunConfig(dataset="fashion-mnist"), [], "completed",
                           model=build_model(RunConfig(dataset="fashion-mnist")).eval()),
            "uploaded": Run(RunConfig(), [], "completed")}
    before = {name: {k: v.clone() for k, v in run.model.state_dict().items()}
              for name, run in runs.items() if run.model is not None}
    canvas = np.zeros((CANVAS, CANVAS, 4), np.uint8)
    canvas[..., 3] = 255
    canvas[40:240, 120:160, :3] = 255
    drawn = model_image(ink_from_canvas(canvas))

    readings = {reading.label: reading for reading in read_runs(runs, {"mnist": drawn})}

    assert list(readings) == list(runs)
    for name in ("mnist in training mode", "mnist"):
        assert len(readings[name].probabilities) == 10 and abs(sum(readings[name].probabilities) - 1) < 1e-5
        assert readings[name].predicted == max(range(10), key=readings[name].probabilities.__getitem__)
    first = readings["mnist in training mode"].probabilities
    assert read_runs(runs, {"mnist": drawn})[0].probabilities == first  # eval mode: no dropout draw
    assert readings["fashion"].probabilities is None and "fashion-mnist" in readings["fashion"].skipped
    assert readings["uploaded"].probabilities is None and "weights" in readings["uploaded"].skipped
    assert readings["fashion"].classes[0] == "T-shirt/top"
    assert trained_mode.training
    for name, state in before.items():
        assert all(torch.equal(state[k], v) for k, v in runs[name].model.state_dict().items())


def test_the_bars_show_each_run_its_guess_in_red():
    classes = tuple(str(k) for k in range(10))
    readings = [Reading(f"run {k}", "mnist", classes, tuple(0.91 if c == k else 0.01 for c in range(10)))
                for k in range(5)]
    figure = probability_bars(readings, columns=4)
    assert [trace.marker.color.index(VAL) for trace in figure.data] == list(range(5))
    assert [annotation.text.split("<br>")[0] for annotation in figure.layout.annotations] == [r.label for r in readings]
