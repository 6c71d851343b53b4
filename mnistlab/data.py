"""Find, download, decompress and validate the raw files; hold a data set as tensors; split and shuffle it."""
from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import shutil
import tempfile
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import torch
import torchvision

from .runs import write_atomic

RAW_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
SOURCES = {"mnist": torchvision.datasets.MNIST, "fashion-mnist": torchvision.datasets.FashionMNIST}
IMAGE_SIDE = 28
# Seconds a mirror may stay silent (connecting, or between two reads) before the next mirror is tried. torchvision's
# own download has no limit: a mirror that accepts the connection and never answers would hang the app's page.
DOWNLOAD_TIMEOUT = 30.0


class DataError(RuntimeError):
    """The data set cannot be loaded; the message says which folder and files to fix."""


@dataclass(frozen=True)
class Dataset:
    """A data set in memory: images as float rows in [0, 1] (as ToTensor gives), labels as int64.

    Shared by every run and session of a process: nothing may write into these tensors.
    """

    name: str
    classes: tuple[str, ...]
    train_x: torch.Tensor
    train_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor

    def images(self, split: str, indices) -> torch.Tensor:
        """uint8 images (n, 28, 28) of the 'train' or 'test' split, for drawing."""
        x = self.train_x if split == "train" else self.test_x
        rows = x[torch.as_tensor(indices, dtype=torch.long)]
        return (rows * 255).round().to(torch.uint8).view(-1, IMAGE_SIDE, IMAGE_SIDE)


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The data folder: the argument, else $MNISTLAB_DATA_DIR, else ./data."""
    return Path(explicit or os.environ.get("MNISTLAB_DATA_DIR") or "data")


def raw_folder(name: str, root: str | os.PathLike | None = None) -> Path:
    """Where torchvision keeps a data set's four raw files under the data folder."""
    return data_dir(root) / SOURCES[name].__name__ / "raw"


def missing_message(name: str, root) -> str:
    folder = raw_folder(name, root)
    files = ", ".join(f + ".gz" for f in RAW_FILES)
    return (f"{name} is not in {folder} and could not be downloaded. "
            f"Put its four files there ({files}) or point MNISTLAB_DATA_DIR at a folder that has them.")


def load_dataset(name: str = "mnist", root: str | os.PathLike | None = None, download: bool = True) -> Dataset:
    """Load a data set through torchvision, decompressing .gz-only folders and downloading if allowed."""
    if name not in SOURCES:
        raise DataError(f"unknown data set {name!r}: choose one of {', '.join(SOURCES)}")
    root = data_dir(root)
    raw = raw_folder(name, root)
    if not all((raw / f).exists() or (raw / (f + ".gz")).exists() for f in RAW_FILES):
        if not download:
            raise DataError(missing_message(name, root))
        download_raw(name, root)
    with tempfile.TemporaryDirectory(prefix="mnistlab-") as scratch:
        # A read-only folder (a shared copy) is decompressed into scratch space instead of in place.
        target = raw if os.access(raw, os.W_OK) else Path(scratch) / SOURCES[name].__name__ / "raw"
        sources = {f: _decompressed(raw, target, f) for f in RAW_FILES}
        train_x, train_y = _read_pair(name, sources[RAW_FILES[0]], sources[RAW_FILES[1]])
        test_x, test_y = _read_pair(name, sources[RAW_FILES[2]], sources[RAW_FILES[3]])
    return Dataset(name, tuple(SOURCES[name].classes), _to_rows(train_x), train_y, _to_rows(test_x), test_y)


def download_raw(name: str, root: str | os.PathLike | None = None, timeout: float = DOWNLOAD_TIMEOUT) -> None:
    """Fetch the data set's missing .gz files from torchvision's mirrors, each checked against its MD5."""
    source, raw = SOURCES[name], raw_folder(name, root)
    for filename, md5 in source.resources:
        if (raw / filename).exists() or (raw / filename.removesuffix(".gz")).exists():
            continue
        failures = []
        for mirror in source.mirrors:
            request = urllib.request.Request(mirror + filename, headers={"User-Agent": "mnistlab"})
            try:
                with urllib.request.urlopen(request, timeout=timeout) as response:
                    content = response.read()
            except (OSError, ValueError, http.client.HTTPException) as error:  # no network, refused, timed out, 404
                failures.append(f"{mirror}: {error}")
                continue
            if hashlib.md5(content).hexdigest() != md5:
                failures.append(f"{mirror}: {filename} arrived damaged (wrong checksum)")
                continue
            try:
                raw.mkdir(parents=True, exist_ok=True)
                write_atomic(raw / filename, content)
            except OSError as error:
                raise DataError(f"{filename} was downloaded but cannot be written into {raw}: {error}") from error
            break
        else:
            raise DataError(f"{missing_message(name, root)} ({'; '.join(failures)})")


def _decompressed(raw: Path, target: Path, stem: str) -> Path:
    """The decompressed file, writing it once (atomically) from its .gz if needed."""
    for folder in (raw, target):
        if (folder / stem).exists():
            return folder / stem
    target.mkdir(parents=True, exist_ok=True)
    partial = target / (stem + ".partial")
    try:
        with gzip.open(raw / (stem + ".gz"), "rb") as source, open(partial, "wb") as sink:
            shutil.copyfileobj(source, sink)
    except (OSError, EOFError, zlib.error) as error:
        partial.unlink(missing_ok=True)
        raise DataError(f"{raw / (stem + '.gz')} is damaged or truncated ({error}). "
                        "Delete it and copy or download it again.") from error
    partial.replace(target / stem)
    return target / stem


def _read_pair(name: str, images_path: Path, labels_path: Path) -> tuple[torch.Tensor, torch.Tensor]:
    """Parse an images file and its labels file with torchvision's IDX reader, then check they agree."""
    reader = torchvision.datasets.mnist
    try:
        images = reader.read_image_file(str(images_path))
    except Exception as error:
        raise DataError(f"{images_path} is not a valid IDX image file (truncated or wrong file). "
                        f"Replace it with the original {images_path.name} of {name}.") from error
    try:
        labels = reader.read_label_file(str(labels_path))
    except Exception as error:
        raise DataError(f"{labels_path} is not a valid IDX label file (truncated or wrong file). "
                        f"Replace it with the original {labels_path.name} of {name}.") from error
    if tuple(images.shape[1:]) != (IMAGE_SIDE, IMAGE_SIDE):
        raise DataError(f"{images_path} holds {tuple(images.shape[1:])} images, not 28×28: it is not {name}.")
    if len(images) != len(labels) or len(labels) == 0:
        raise DataError(f"{images_path.name} has {len(images)} images but {labels_path.name} has {len(labels)} "
                        "labels: one of them is from another data set or truncated.")
    if int(labels.min()) < 0 or int(labels.max()) > 9:
        raise DataError(f"{labels_path} has labels outside 0–9: it is not {name}.")
    return images, labels


def _to_rows(images: torch.Tensor) -> torch.Tensor:
    """uint8 (n, 28, 28) → float32 (n, 784) in [0, 1], converted once for the whole set."""
    return images.reshape(len(images), -1).to(torch.float32).div_(255)


def split_sizes(n: int, val_fraction: float) -> tuple[int, int]:
    """How many of n samples the split keeps for training and for validation."""
    n_val = int(round(n * val_fraction))
    if n_val < 1 or n - n_val < 1:
        raise DataError(f"a validation fraction of {val_fraction} leaves no sample on one side of {n}")
    return n - n_val, n_val


def split_indices(n: int, val_fraction: float, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """A seeded train/validation split of range(n), as random_split would draw it."""
    n_train, _ = split_sizes(n, val_fraction)
    order = torch.randperm(n, generator=generator)
    return order[:n_train], order[n_train:]


def course_shuffle(n: int, generator: torch.Generator) -> torch.Tensor:
    """An epoch's order of range(n), drawn from `generator` as the course's shuffled DataLoaders draw it from theirs.

    Each epoch the course iterates its training loader, then its validation loader, both shuffled. Each iterator
    draws a base seed (for worker processes) and then its RandomSampler a seed for a fresh generator's permutation.
    Drawing the same four numbers gives a seed the course's own batches: a run then differs from the course's
    only where its computation does (tests/test_reference.py).
    """
    def draw() -> int:
        return int(torch.empty((), dtype=torch.int64).random_(generator=generator))

    draw()  # the training loader's base seed
    order = torch.randperm(n, generator=torch.Generator().manual_seed(draw()))
    draw()  # the validation loader's base seed
    draw()  # and its sampler's seed
    return order
