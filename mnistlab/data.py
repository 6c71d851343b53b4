"""Find, download, decompress and validate the raw files; hold a data set as tensors; split and shuffle it."""
from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import tempfile
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import torch

from .i18n import KeyedError, Phrase, phrase, text
from .idx import parse_idx
from .runs import write_atomic

RAW_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


@dataclass(frozen=True)
class Source:
    """Where a data set's files are found and fetched: its folder (torchvision's name), classes, mirrors, .gz MD5s,
    and the bytes a download fetches (the four .gz files)."""

    folder: str
    classes: tuple[str, ...]
    mirrors: list[str]
    resources: list[tuple[str, str]]
    download_bytes: int


# As torchvision.datasets.MNIST and FashionMNIST publish them: the app does not import torchvision (its memory).
SOURCES = {
    "mnist": Source("MNIST", tuple(f"{d} - {n}" for d, n in enumerate(
        "zero one two three four five six seven eight nine".split())),
        ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"],
        [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
         ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
         ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
         ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")], 11_594_722),
    "fashion-mnist": Source("FashionMNIST", ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                                             "Sneaker", "Bag", "Ankle boot"),
        ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
        [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
         ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
         ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
         ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")], 30_878_645),
}
IMAGE_SIDE = 28
# The largest raw file of either set (60 000 training images): a .gz inflating past it is refused before it is read.
LARGEST_RAW_FILE = 16 + 60_000 * IMAGE_SIDE * IMAGE_SIDE
# SHA-256 of each decompressed raw file as published (../shared/data's SHA256SUMS): both sets name their files alike,
# so a file of one set (or another file of the same set) under a name of the other is recognised and refused.
PUBLISHED_FILES = {
    "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7": ("mnist", "t10k-images-idx3-ubyte"),
    "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2": ("mnist", "t10k-labels-idx1-ubyte"),
    "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db": ("mnist", "train-images-idx3-ubyte"),
    "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5": ("mnist", "train-labels-idx1-ubyte"),
    "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b": ("fashion-mnist", "t10k-images-idx3-ubyte"),
    "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34": ("fashion-mnist", "t10k-labels-idx1-ubyte"),
    "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888": ("fashion-mnist", "train-images-idx3-ubyte"),
    "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9": ("fashion-mnist", "train-labels-idx1-ubyte"),
}
# Seconds a mirror may stay silent (connecting, or between two reads) before the next mirror is tried. torchvision's
# own download has no limit: a mirror that accepts the connection and never answers would hang the app's page.
DOWNLOAD_TIMEOUT = 30.0
# MNIST's four .gz files ship with the repository (data/MNIST/raw, see its README.md): a fresh clone trains offline.
SHIPPED_DATA = Path(__file__).resolve().parent.parent / "data"
SET_FOLDERS = {source.folder for source in SOURCES.values()}  # MNIST, FashionMNIST


class DataError(KeyedError, RuntimeError):
    """The data set cannot be loaded; the message (a key of mnistlab/strings) says which folder and files to fix."""


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


def class_names(name: str, lang: str = "en") -> list[str]:
    """A data set's classes as a reader reads them: MNIST's digits '0'…'9', Fashion-MNIST's clothes in lang (the data
    set's own names in English; its files and runs keep those)."""
    if name == "mnist":
        return [str(i) for i in range(10)]
    return list(SOURCES[name].classes) if lang == "en" else [text(lang, f"class.{name}.{i}") for i in range(10)]


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The data folder, absolute: the argument, else $MNISTLAB_DATA_DIR, else the repository's data/ (MNIST ships
    there), found from this file so that any current directory finds it."""
    return Path(explicit or os.environ.get("MNISTLAB_DATA_DIR") or SHIPPED_DATA).absolute()


def raw_folder(name: str, root: str | os.PathLike | None = None) -> Path:
    """The folder that holds (or is to hold) a data set's four raw files, from the data folder given.

    Three layouts are accepted, since none can be taken for another: the data root (torchvision's <root>/MNIST/raw),
    the set's own folder (MNIST/, holding raw/) and the folder holding the four files. A folder named after a set
    (MNIST/ or MNIST/raw) stands for its data root when another set is asked for. Where no layout holds any of the
    files, the data root's place, where a download puts them.
    """
    folder = data_dir(root)
    below = SOURCES[name].folder
    named = folder.parent.name if folder.name == "raw" else folder.name
    if named in SET_FOLDERS:  # a set's folder: its data root is above it, where the other set's folder goes too
        expected = (folder.parent.parent if folder.name == "raw" else folder.parent) / below / "raw"
        candidates = (folder / below / "raw", expected) + ((folder,) if named == below else ())
    else:
        expected = folder / below / "raw"
        candidates = (expected, folder / "raw", folder)
    return next((c for c in candidates if any(_present(c, f) for f in RAW_FILES)), expected)


def _present(folder: Path, stem: str) -> bool:
    """The raw file is in the folder, decompressed or as .gz."""
    return (folder / stem).is_file() or (folder / (stem + ".gz")).is_file()


def missing_error(name: str, root: str | os.PathLike | None) -> DataError:
    """Which files are missing where, and how to provide them (root: the folder the caller named, if any)."""
    folder, given = raw_folder(name, root), data_dir(root)
    files = ", ".join(f + ".gz" for f in RAW_FILES)
    elsewhere = phrase("error.data.elsewhere_folder" if root is not None else "error.data.elsewhere_env")
    missing = [f + ".gz" for f in RAW_FILES if not _present(folder, f)]
    if len(missing) < len(RAW_FILES):
        return DataError("error.data.incomplete", name=name, folder=folder,
                         missing=", ".join(missing) or phrase("error.data.nothing"), files=files, elsewhere=elsewhere)
    return DataError("error.data.not_found", name=name, given=given, files=files, folder=folder, elsewhere=elsewhere,
                     set_folder=SOURCES[name].folder)


def load_dataset(name: str = "mnist", root: str | os.PathLike | None = None, download: bool = True) -> Dataset:
    """Load a data set from its raw files, decompressing .gz-only folders and downloading if allowed."""
    if name not in SOURCES:
        raise DataError("error.data.unknown", name=name, choices=", ".join(SOURCES))
    raw = data_dir(root)
    try:
        if raw.exists() and not raw.is_dir():
            raise DataError("error.data.not_folder", folder=raw, name=name)
        raw = raw_folder(name, root)
        if not all(_present(raw, f) for f in RAW_FILES):
            if not download:
                raise missing_error(name, root)
            download_raw(name, root)
        with tempfile.TemporaryDirectory(prefix="mnistlab-") as scratch:
            # A read-only folder (a shared copy, the shipped files) is decompressed into scratch space instead.
            target = raw if os.access(raw, os.W_OK) else Path(scratch) / SOURCES[name].folder / "raw"
            files = {f: _decompressed(raw, target, f) for f in RAW_FILES}  # stem → (path to read, the user's file)
            train_x, train_y = _read_pair(name, files[RAW_FILES[0]], files[RAW_FILES[1]])
            test_x, test_y = _read_pair(name, files[RAW_FILES[2]], files[RAW_FILES[3]])
    except OSError as error:  # a name too long, a folder it may not enter: the folder's fault, not the data's
        raise DataError("error.data.unusable", path=error.filename or raw, reason=error.strerror or error) from error
    return Dataset(name, SOURCES[name].classes, _to_rows(train_x), train_y, _to_rows(test_x), test_y)


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
                raise DataError("error.data.unwritable", file=filename, folder=raw, reason=error) from error
            break
        else:
            raise DataError("error.data.download_failed", missing=missing_error(name, root), file=filename,
                            failures="; ".join(failures))


def _decompressed(raw: Path, target: Path, stem: str) -> tuple[Path, Path]:
    """(the decompressed file, the user's file it is) — written once, atomically, from the .gz if needed."""
    for folder in (raw, target):
        if (folder / stem).exists():
            return folder / stem, raw / stem
    compressed = raw / (stem + ".gz")
    target.mkdir(parents=True, exist_ok=True)
    partial = target / (stem + ".partial")
    try:
        with gzip.open(compressed, "rb") as source, open(partial, "wb") as sink:
            copied = _copy_at_most(source, sink, LARGEST_RAW_FILE + 1)
        if copied > LARGEST_RAW_FILE:  # a gzip bomb, or another file: refused before it is inflated whole
            raise DataError("error.data.too_large", file=compressed, most=LARGEST_RAW_FILE // 1_000_000)
    except BaseException as error:  # an error or a Ctrl-C: no half-written file is left behind
        partial.unlink(missing_ok=True)
        if isinstance(error, (gzip.BadGzipFile, EOFError, zlib.error)):
            raise DataError("error.data.damaged_gz", file=compressed, reason=error) from error
        if isinstance(error, OSError):
            raise DataError("error.data.undecompressable", file=compressed, folder=target,
                            reason=error.strerror or error) from error
        raise
    partial.replace(target / stem)
    return target / stem, compressed


def _copy_at_most(source, sink, limit: int, chunk: int = 1 << 20) -> int:
    """Copy up to limit bytes from source to sink, a chunk at a time; returns how many were copied."""
    copied = 0
    while copied < limit:
        block = source.read(min(chunk, limit - copied))
        if not block:
            break
        sink.write(block)
        copied += len(block)
    return copied


def _read_pair(name: str, images: tuple[Path, Path], labels: tuple[Path, Path]) -> tuple[torch.Tensor, torch.Tensor]:
    """Parse an images file and its labels file, each (path to read, the user's file), then check they agree."""
    tensors = []
    for (path, origin), kind, dims in ((images, "image", 3), (labels, "label", 1)):
        try:
            tensors.append(read_idx(path, dims))
        except OSError:  # cannot be opened (permissions): load_dataset says so, rather than call the file damaged
            raise
        except Exception as error:
            raise _refused(path, origin, phrase(f"error.data.not_idx_{kind}", file=origin), name) from error
        published = PUBLISHED_FILES.get(hashlib.sha256(path.read_bytes()).hexdigest())
        if published is not None and published != (name, path.name):
            raise _refused(path, origin, phrase("error.data.other_file", file=origin, owner=published[0],
                                                owner_file=published[1], name=name, expected=path.name), name)
    (_, images_origin), (_, labels_origin) = images, labels
    x, y = tensors[0], tensors[1].long()  # labels as int64, as the losses take them
    if tuple(x.shape[1:]) != (IMAGE_SIDE, IMAGE_SIDE):
        raise DataError("error.data.not_28", file=images_origin, shape=tuple(x.shape[1:]), name=name)
    if len(x) != len(y) or len(y) == 0:
        raise DataError("error.data.count_mismatch", images=images_origin.name, n_images=len(x),
                        labels=labels_origin.name, n_labels=len(y))
    if int(y.min()) < 0 or int(y.max()) > 9:
        raise DataError("error.data.labels", file=labels_origin, name=name)
    return x, y


def read_idx(path: Path, dims: int) -> torch.Tensor:
    """An IDX file of unsigned bytes as a uint8 tensor (see parse_idx); one larger than any raw file of the sets is
    refused before it is read."""
    if path.stat().st_size > LARGEST_RAW_FILE:
        raise ValueError(f"{path.name} is larger than any raw file of the data sets")
    return parse_idx(path.read_bytes(), dims)


def _refused(path: Path, origin: Path, problem: Phrase, name: str) -> DataError:
    """The error for a bad file, with how to mend it. What was just decompressed from a bad .gz is deleted, so that
    the good .gz the user puts in its place is decompressed anew; a decompressed file beside its .gz need only go."""
    if origin.suffix == ".gz":
        path.unlink(missing_ok=True)
        return DataError("error.data.replace", problem=problem, file=origin.name, name=name)
    if (origin.parent / (origin.name + ".gz")).exists():
        return DataError("error.data.delete", problem=problem, file=origin.name)
    return DataError("error.data.replace", problem=problem, file=origin.name, name=name)


def _to_rows(images: torch.Tensor) -> torch.Tensor:
    """uint8 (n, 28, 28) → float32 (n, 784) in [0, 1], converted once for the whole set."""
    return images.reshape(len(images), -1).to(torch.float32).div_(255)


def split_sizes(n: int, val_fraction: float) -> tuple[int, int]:
    """How many of n samples the split keeps for training and for validation."""
    n_val = int(round(n * val_fraction))
    if n_val < 1 or n - n_val < 1:
        raise DataError("error.data.split", value=val_fraction, n=n)
    return n - n_val, n_val
