"""A drawn or photographed image made into what the runs were trained on, and every run's reading of it.

MNIST's digits are white on black, scaled so that their box's longer side is 20 px (anti-aliased), then shifted by
whole pixels so that their centre of mass lies at (14, 14) of 28 × 28. Fashion-MNIST's items fill the whole 28 × 28
field instead, centred by their box (Xiao et al. 2017). A run reads the image its data set would have held: uint8
pixels divided by 255, as data._to_rows gives.
"""
from __future__ import annotations

import copy
import io
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError
from torch.nn import functional as F

from .data import IMAGE_SIDE, SOURCES
from .i18n import text
from .runs import Run

# A pixel is ink from this brightness (0 to 1) on: lower is antialiasing fringe, paper grain or JPEG noise.
INK_THRESHOLD = 0.2
# Fewer ink pixels than this is a stray dot or a speck of dust, not a digit.
MIN_INK_PIXELS = 4
# A photo is read at most this many pixels on its longer side: the digit ends at 20 px, and a phone's full-size
# photo would be slow to filter.
PHOTO_SIDE = 512
# Larger photos are refused before decoding: a crafted PNG can claim a huge size in a few bytes, and a PNG decodes
# whole (4 bytes a pixel: 100 MB here). A phone's photo has 12 to 24 megapixels.
MAX_PHOTO_PIXELS = 25_000_000
# A photo whose ink differs from its paper by less than this (0 to 1) shows no digit to read.
MIN_CONTRAST = 0.15
# The share of each side that makes the border band, where a photo's paper is read.
BORDER = 0.05
# (longer side of the box in px, centred by "mass" or by "box") for each data set's own images.
FITS = {"mnist": (20, "mass"), "fashion-mnist": (IMAGE_SIDE, "box")}


class BlankImageError(ValueError):
    """Nothing to read: an empty canvas or an image without a visible digit; the message says what to do."""


class ImageFileError(ValueError):
    """An uploaded file that cannot be read as an image; the message says why."""


@dataclass(frozen=True)
class ModelImage:
    """What a run of one data set reads: the 28 × 28 image (uint8, for display) and its input row."""

    dataset: str
    image: torch.Tensor  # uint8 (28, 28), white on black
    rows: torch.Tensor  # float32 (1, 784) in [0, 1]: image / 255, as the data set holds its images


@dataclass(frozen=True)
class Reading:
    """One run's answer: the ten class probabilities, or why it has none."""

    label: str
    dataset: str
    classes: tuple[str, ...]
    probabilities: tuple[float, ...] | None = None
    skipped: str = ""

    @property
    def predicted(self) -> int | None:
        """The most probable class, or None when the run did not read the image."""
        return None if self.probabilities is None else max(range(len(self.probabilities)),
                                                           key=self.probabilities.__getitem__)


def ink_from_canvas(rgba, lang: str = "en") -> torch.Tensor:
    """A canvas's pixels (H × W × 4 uint8 RGBA, as streamlit-drawable-canvas's image_data) → ink, light on dark.

    Transparent pixels count as black; dark strokes on a light background are inverted. None (the canvas's value
    before the first stroke) is blank. Messages in `lang` (mnistlab/strings).
    """
    if rgba is None:
        raise BlankImageError(text(lang, "digits.empty_canvas"))
    pixels = np.asarray(rgba)
    if pixels.ndim != 3 or pixels.shape[2] not in (3, 4) or min(pixels.shape[:2]) < 1:
        raise ValueError(f"a canvas is an H × W × 4 RGBA array, not one of shape {pixels.shape}")
    # ITU-R 601 luma, as PIL's convert("L"); in NumPy, whose one thread does not wait on busy cores as torch's do
    grey = pixels[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32) / 255
    if pixels.shape[2] == 4:
        grey *= pixels[..., 3].astype(np.float32) / 255
    ink = light_on_dark(torch.from_numpy(grey))
    if not bool((ink > INK_THRESHOLD).any()):
        raise BlankImageError(text(lang, "digits.empty_canvas"))
    return ink


def ink_from_photo(file, lang: str = "en") -> torch.Tensor:
    """An uploaded PNG or JPEG (bytes, a file object or a PIL image) → ink, light on dark, noise filtered.

    Dark ink on light paper is inverted; the paper's level (read on the border) becomes black. Messages in `lang`.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if isinstance(file, Image.Image):
                photo = file
            else:
                photo = Image.open(io.BytesIO(file) if isinstance(file, (bytes, bytearray)) else file)
            if photo.width * photo.height > MAX_PHOTO_PIXELS:
                raise ImageFileError(text(lang, "digits.too_large", width=photo.width, height=photo.height,
                                          megapixels=MAX_PHOTO_PIXELS // 1_000_000))
            photo.draft(photo.mode, (PHOTO_SIDE, PHOTO_SIDE))  # a JPEG decodes at a fraction of its size: faster
            photo = ImageOps.exif_transpose(photo)  # a phone's portrait photo stands up
            photo.thumbnail((PHOTO_SIDE, PHOTO_SIDE), Image.Resampling.LANCZOS)
            grey = flattened(photo)
    except ImageFileError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombWarning,
            Image.DecompressionBombError) as error:
        raise ImageFileError(text(lang, "digits.unreadable", error=error)) from error
    grey = grey.filter(ImageFilter.MedianFilter(3))  # specks of dust and JPEG noise, not strokes
    ink = light_on_dark(torch.from_numpy(np.asarray(grey, dtype=np.float32) / 255))
    paper = float(border_of(ink).median())
    contrast = float(ink.max()) - paper
    if contrast < MIN_CONTRAST:
        raise BlankImageError(text(lang, "digits.no_digit"))
    ink = ((ink - paper) / contrast).clamp_(0, 1)
    return torch.where(ink > INK_THRESHOLD, ink, torch.zeros(()))


def flattened(photo: Image.Image) -> Image.Image:
    """A photo in greys ("L"); a transparent background becomes the opposite of what is drawn on it."""
    if "A" not in photo.getbands() and photo.mode != "P":
        return photo.convert("L")
    rgba = photo.convert("RGBA")
    alpha = np.asarray(rgba.getchannel("A")) > 127
    drawn = np.asarray(rgba.convert("L"))[alpha]
    background = (255, 255, 255) if drawn.size == 0 or drawn.mean() < 128 else (0, 0, 0)
    return Image.alpha_composite(Image.new("RGBA", rgba.size, background + (255,)), rgba).convert("L")


def border_of(grey: torch.Tensor) -> torch.Tensor:
    """The pixels of the band along the four sides (BORDER of each side, at least one pixel)."""
    h, w = grey.shape
    dy, dx = max(1, round(h * BORDER)), max(1, round(w * BORDER))
    return torch.cat([grey[:dy].flatten(), grey[-dy:].flatten(), grey[:, :dx].flatten(), grey[:, -dx:].flatten()])


def light_on_dark(grey: torch.Tensor) -> torch.Tensor:
    """grey (H, W) in [0, 1], inverted when its border is mostly light: the data sets draw light ink on black."""
    return 1 - grey if float(border_of(grey).median()) > 0.5 else grey


def model_image(ink: torch.Tensor, dataset: str = "mnist", lang: str = "en") -> ModelImage:
    """Ink (H, W) in [0, 1], light on dark → the 28 × 28 image a run of `dataset` was trained on, and its row."""
    side, centring = FITS[dataset]
    mask = ink > INK_THRESHOLD
    if int(mask.sum()) < MIN_INK_PIXELS:
        raise BlankImageError(text(lang, "digits.nothing"))
    rows, cols = mask.any(1).nonzero().flatten(), mask.any(0).nonzero().flatten()
    box = ink[rows[0]: rows[-1] + 1, cols[0]: cols[-1] + 1]
    h, w = box.shape
    scale = side / max(h, w)
    size = (max(1, round(h * scale)), max(1, round(w * scale)))
    patch = F.interpolate(box[None, None], size=size, mode="bilinear", antialias=True, align_corners=False)[0, 0]
    patch = patch.clamp_(0, 1)
    if centring == "mass":
        total = patch.sum()
        centre = [float((patch.sum(1 - axis) * torch.arange(n)).sum() / total) for axis, n in enumerate(size)]
    else:
        centre = [(n - 1) / 2 for n in size]
    # Whole-pixel shifts, as MNIST's (its centres of mass spread ±0.3 px around 14), kept inside the field.
    top, left = (min(max(round(IMAGE_SIDE / 2 - c), 0), IMAGE_SIDE - n) for c, n in zip(centre, size))
    field = torch.zeros(IMAGE_SIDE, IMAGE_SIDE)
    field[top: top + size[0], left: left + size[1]] = patch
    image = (field * 255).round().to(torch.uint8)
    return ModelImage(dataset, image, image.reshape(1, -1).to(torch.float32).div_(255))


def read_runs(runs: Mapping[str, Run], images: Mapping[str, ModelImage], lang: str = "en") -> list[Reading]:
    """Each run's class probabilities for the image of its data set, in the order of `runs`.

    A run whose data set has no image in `images` (a drawing is for MNIST runs only), or without a model (a run
    uploaded without its weights), is skipped, with the reason. The models are left as they were: evaluated in eval
    mode, on a copy when one is in training mode. The reasons are in `lang`.
    """
    readings = []
    for label, run in runs.items():
        dataset = run.config.dataset
        classes = tuple(SOURCES[dataset].classes)
        if run.model is None:
            readings.append(Reading(label, dataset, classes, skipped=text(lang, "digits.no_weights")))
        elif dataset not in images:
            readings.append(Reading(label, dataset, classes,
                                    skipped=text(lang, "digits.other_dataset", dataset=dataset,
                                                 readable=dataset_names(images, lang))))
        else:
            probabilities = class_probabilities(run.model, images[dataset].rows)
            if bool(torch.isfinite(probabilities).all()):
                readings.append(Reading(label, dataset, classes, tuple(probabilities.tolist())))
            else:
                readings.append(Reading(label, dataset, classes, skipped=text(lang, "digits.not_finite")))
    return readings


def dataset_names(images: Mapping[str, ModelImage], lang: str = "en") -> str:
    """'mnist or fashion-mnist', in `lang`."""
    return text(lang, "digits.or").join(images) if images else text(lang, "digits.no_images")


@torch.no_grad()
def class_probabilities(model: torch.nn.Module, rows: torch.Tensor) -> torch.Tensor:
    """softmax of the model's logits for one row, in eval mode; the model itself is not changed."""
    if model.training:  # dropout off and BatchNorm's running statistics, without switching the caller's model
        model = copy.deepcopy(model).eval()
    parameter = next(model.parameters(), None)
    rows = rows if parameter is None else rows.to(parameter.device)
    return model(rows).softmax(1)[0].cpu()
