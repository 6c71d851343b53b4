"""Shared fixtures: tiny synthetic IDX data sets written by the tests; real MNIST, Fashion-MNIST and Chromium when
present, a skip naming what is missing when not (a failure in CI)."""
from __future__ import annotations

import gzip
import io
import json
import os
import struct
import zipfile
from pathlib import Path

import pytest
import torch

from mnistlab.data import RAW_FILES, Dataset, data_dir, load_dataset, raw_folder


def idx_bytes(tensor: torch.Tensor) -> bytes:
    """A uint8 tensor in the IDX format (big-endian dims after a magic number)."""
    header = struct.pack(">I", 0x0800 + tensor.dim()) + b"".join(struct.pack(">I", d) for d in tensor.shape)
    return header + tensor.to(torch.uint8).contiguous().numpy().tobytes()


def synthetic_digits(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """n learnable 28×28 images: class c lights up a bar at row 2c, plus noise."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 10
    images = torch.randint(0, 60, (n, 28, 28), generator=generator)
    for c in range(10):
        images[labels == c, 2 * c + 3: 2 * c + 5, 4:24] = 255
    return images.to(torch.uint8), labels.to(torch.uint8)


def write_raw_folder(root: Path, name: str = "MNIST", n_train: int = 600, n_test: int = 200, gz: bool = True) -> Path:
    """Write the four raw files of a synthetic data set under root/<name>/raw; returns that folder."""
    raw = root / name / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    train, test = synthetic_digits(n_train, 0), synthetic_digits(n_test, 1)
    for file, tensor in zip(RAW_FILES, (train[0], train[1], test[0], test[1])):
        content = idx_bytes(tensor)
        if gz:
            (raw / (file + ".gz")).write_bytes(gzip.compress(content))
        else:
            (raw / file).write_bytes(content)
    return raw


def zipped(values, weights: bytes | None = None) -> bytes:
    """A run .zip holding run.json with these values (JSON text as given when a str), and weights.pt if given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("run.json", values if isinstance(values, str) else json.dumps(values))
        if weights is not None:
            archive.writestr("weights.pt", weights)
    return buffer.getvalue()


@pytest.fixture
def tiny_root(tmp_path) -> Path:
    """A data folder holding a synthetic MNIST as .gz files only."""
    write_raw_folder(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory) -> Dataset:
    """A synthetic 600 + 200 image data set, loaded through the real loader."""
    root = tmp_path_factory.mktemp("tiny")
    write_raw_folder(root)
    return load_dataset("mnist", root, download=False)


def missing(message: str) -> None:
    """A test's missing piece: a skip saying what is missing, except in CI (CI=true), where it is a failure."""
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def real_raw_folder(name: str) -> Path:
    """The real data set's raw folder, found in the data folder as the app finds it; missing() names the files."""
    folder = raw_folder(name)
    absent = [f + ".gz" for f in RAW_FILES if not ((folder / f).is_file() or (folder / (f + ".gz")).is_file())]
    if absent:
        label = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}[name]
        missing(f"real {label} missing in {folder} ({', '.join(absent)}): the full suite needs MNIST and "
                "Fashion-MNIST; set MNISTLAB_DATA_DIR to a data folder holding MNIST/raw and FashionMNIST/raw")
    return folder


@pytest.fixture(scope="session")
def mnist_root() -> Path:
    """The data folder, holding real MNIST (shipped in data/MNIST/raw, or in $MNISTLAB_DATA_DIR)."""
    real_raw_folder("mnist")
    return data_dir()


@pytest.fixture(scope="session")
def real_root(mnist_root) -> Path:
    """The data folder, holding real MNIST and Fashion-MNIST."""
    real_raw_folder("fashion-mnist")
    return mnist_root


@pytest.fixture(scope="session")
def mnist(mnist_root) -> Dataset:
    """Real MNIST from the data folder."""
    return load_dataset("mnist", mnist_root, download=False)


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium a user's machine has (app_server.find_chromium); missing() says where it was looked for."""
    from app_server import CHROMIUM_PLACES, find_chromium

    found = find_chromium()
    if found is None:
        missing(f"no Chromium: looked for {CHROMIUM_PLACES}; install Debian's chromium (apt install chromium) or "
                "Playwright's (python -m playwright install chromium)")
    return found


def fresh_sessions(monkeypatch) -> None:
    """An empty store of kept sessions for one test: a new tab of a browser joins its latest session, so a test must
    not find the one before's."""
    from collections import OrderedDict
    from ui import kept_sessions

    monkeypatch.setattr(kept_sessions, "_kept", {})
    monkeypatch.setattr(kept_sessions, "_links", {})
    monkeypatch.setattr(kept_sessions, "_cleared", OrderedDict())


@pytest.fixture
def app_folder(tmp_path, monkeypatch) -> Path:
    """The app's ground for an AppTest: a synthetic MNIST as its data folder, every session from one browser (AppTest
    sends no cookie), the process-wide data cache emptied around the test. Returns the data folder."""
    import streamlit as st  # here, not at the top: the library's tests never import streamlit
    from ui import kept_sessions

    write_raw_folder(tmp_path)
    monkeypatch.setenv("MNISTLAB_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(kept_sessions, "browser_id", lambda: "browser-1")
    fresh_sessions(monkeypatch)
    st.cache_resource.clear()
    yield tmp_path
    st.cache_resource.clear()


@pytest.fixture
def queue():
    """A job queue with one worker of its own: the order in which jobs start is the order they run."""
    from mnistlab import engine, jobs

    one = engine.Engine(workers=1)
    yield jobs.JobQueue(one)
    one.close()


@pytest.fixture
def two():
    """A job queue with two workers of its own."""
    from mnistlab import engine, jobs

    both = engine.Engine(workers=2)
    yield jobs.JobQueue(both)
    both.close()
