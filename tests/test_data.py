import gzip
import hashlib
import os
import socket
import subprocess
import sys
import threading
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
import torch

from conftest import idx_bytes, real_raw_folder, synthetic_digits, write_raw_folder
from mnistlab.data import RAW_FILES, SHIPPED_DATA, SOURCES, Source, DataError, download_raw, load_dataset, raw_folder
from mnistlab.sampling import split_indices


def test_parses_idx_files_into_float_rows_and_labels(tiny_root):
    data = load_dataset("mnist", tiny_root, download=False)
    images, labels = synthetic_digits(600, 0)
    assert data.train_x.shape == (600, 784) and data.train_x.dtype == torch.float32
    assert torch.equal(data.train_y, labels.long())
    assert torch.allclose(data.train_x, images.reshape(600, -1).float() / 255)
    assert data.test_x.shape == (200, 784)
    assert torch.equal(data.images("train", [0, 1]), images[:2])


def test_gz_only_folder_is_decompressed_once(tiny_root):
    raw = tiny_root / "MNIST" / "raw"
    load_dataset("mnist", tiny_root, download=False)
    assert all((raw / f).exists() and (raw / (f + ".gz")).exists() for f in RAW_FILES)
    stamps = [(raw / f).stat().st_mtime_ns for f in RAW_FILES]
    load_dataset("mnist", tiny_root, download=False)
    assert stamps == [(raw / f).stat().st_mtime_ns for f in RAW_FILES]


def test_read_only_folder_loads_without_writing(tiny_root, monkeypatch):
    raw = tiny_root / "MNIST" / "raw"
    before = sorted(os.listdir(raw))
    # As root every folder is writable, so the loader is told this one is not (as ../shared is).
    monkeypatch.setattr("mnistlab.data.os.access", lambda path, mode: os.path.abspath(path) != str(raw.resolve()))
    data = load_dataset("mnist", tiny_root, download=False)
    assert len(data.train_y) == 600 and len(data.test_y) == 200
    assert sorted(os.listdir(raw)) == before


def test_missing_files_name_the_folder_and_the_four_files(tmp_path):
    with pytest.raises(DataError) as error:
        load_dataset("fashion-mnist", tmp_path, download=False)
    message = str(error.value)
    assert str(tmp_path / "FashionMNIST" / "raw") in message
    assert all(f + ".gz" in message for f in RAW_FILES)


@pytest.mark.parametrize("given", ["data root", "MNIST", "raw", "the files' own folder"])
def test_the_data_folder_may_be_the_root_the_sets_folder_or_the_folder_of_the_files(tmp_path, given):
    raw = write_raw_folder(tmp_path)
    if given == "the files' own folder":  # any name: the four files straight inside
        folder = raw.rename(tmp_path / "my-digits")
    else:
        folder = {"data root": tmp_path, "MNIST": raw.parent, "raw": raw}[given]
    assert raw_folder("mnist", folder) == (folder if given == "the files' own folder" else tmp_path / "MNIST" / "raw")
    assert len(load_dataset("mnist", folder, download=False).test_y) == 200


def test_a_sets_folder_stands_for_its_data_root_when_the_other_set_is_asked_for(tmp_path):
    raw = write_raw_folder(tmp_path)
    for given in (raw, raw.parent):
        assert raw_folder("fashion-mnist", given) == tmp_path / "FashionMNIST" / "raw"


def test_a_file_given_as_the_data_folder_says_it_is_not_a_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("")
    with pytest.raises(DataError, match=f"^{tmp_path / 'notes.txt'} is not a folder: give the folder that holds"):
        load_dataset("mnist", tmp_path / "notes.txt", download=False)


def test_a_folder_without_the_files_says_where_they_are_expected_with_its_absolute_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError) as error:
        load_dataset("mnist", "empty", download=False)
    assert str(error.value).startswith(f"mnist not found in {tmp_path / 'empty'}: its four files")
    assert f"expected in {tmp_path / 'empty' / 'MNIST' / 'raw'} (a data folder's layout)" in str(error.value)


def test_without_a_folder_named_the_shipped_mnist_is_found_from_any_current_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("MNISTLAB_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert raw_folder("mnist") == SHIPPED_DATA / "MNIST" / "raw"
    assert all((SHIPPED_DATA / "MNIST" / "raw" / (f + ".gz")).is_file() for f in RAW_FILES)
    assert raw_folder("fashion-mnist") == SHIPPED_DATA / "FashionMNIST" / "raw"  # on demand, beside it
    monkeypatch.setenv("MNISTLAB_DATA_DIR", str(tmp_path))  # the variable, then the argument, still win
    assert raw_folder("mnist") == tmp_path / "MNIST" / "raw"
    assert raw_folder("mnist", tmp_path / "other") == tmp_path / "other" / "MNIST" / "raw"


@pytest.mark.slow
def test_the_shipped_mnist_loads_with_no_folder_named(tmp_path, monkeypatch):
    monkeypatch.delenv("MNISTLAB_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    data = load_dataset("mnist", download=False)
    assert (len(data.train_y), len(data.test_y)) == (60000, 10000) and int(data.train_y[0]) == 5


def test_a_missing_real_data_set_skips_naming_it_and_where_and_fails_in_ci(tmp_path, monkeypatch):
    write_raw_folder(tmp_path)  # MNIST present, Fashion-MNIST not
    monkeypatch.setenv("MNISTLAB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CI", raising=False)
    assert real_raw_folder("mnist") == tmp_path / "MNIST" / "raw"
    expected = f"real Fashion-MNIST missing in {tmp_path / 'FashionMNIST' / 'raw'} " + r"\(train-images-idx3-ubyte.gz, "
    with pytest.raises(pytest.skip.Exception, match=expected):
        real_raw_folder("fashion-mnist")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="real Fashion-MNIST missing in "):
        real_raw_folder("fashion-mnist")


def test_truncated_gz_is_a_clear_error_and_leaves_no_partial_file(tiny_root):
    gz = tiny_root / "MNIST" / "raw" / "train-images-idx3-ubyte.gz"
    gz.write_bytes(gz.read_bytes()[:5000])
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz is damaged or truncated"):
        load_dataset("mnist", tiny_root, download=False)
    assert not (tiny_root / "MNIST" / "raw" / "train-images-idx3-ubyte").exists()


def test_missing_files_are_named_with_what_to_do(tmp_path, monkeypatch):
    raw = write_raw_folder(tmp_path)
    (raw / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match="mnist is incomplete in .*: t10k-labels-idx1-ubyte.gz missing. .* or choose a "
                                        "data folder that has them"):
        load_dataset("mnist", tmp_path, download=False)
    monkeypatch.setenv("MNISTLAB_DATA_DIR", str(tmp_path))  # no folder named by the caller: the variable is the way
    with pytest.raises(DataError, match="or point MNISTLAB_DATA_DIR at a folder that has them"):
        load_dataset("mnist", download=False)


def test_a_folder_that_cannot_be_used_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="cannot be used: File name too long. Check its name and permissions"):
        load_dataset("mnist", tmp_path / ("x" * 300), download=False)


@pytest.mark.slow
def test_a_file_of_the_other_data_set_is_named_and_refused(real_root, tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for stem in RAW_FILES:  # MNIST, but for Fashion-MNIST's test labels, which are named alike
        source = raw_folder("fashion-mnist" if stem == "t10k-labels-idx1-ubyte" else "mnist", real_root).resolve()
        name = next(n for n in (stem, stem + ".gz") if (source / n).exists())
        (raw / name).symlink_to(source / name)
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte(.gz)? is fashion-mnist's t10k-labels-idx1-ubyte, "
                                        "not mnist's t10k-labels-idx1-ubyte"):
        load_dataset("mnist", tmp_path, download=False)


def test_a_bad_gz_replaced_by_a_good_one_loads(tmp_path):
    raw = write_raw_folder(tmp_path)
    good = (raw / "t10k-images-idx3-ubyte.gz").read_bytes()
    (raw / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"not an IDX file"))
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte.gz is not a valid IDX image file .* Replace it with "
                                        "the original t10k-images-idx3-ubyte.gz"):
        load_dataset("mnist", tmp_path, download=False)
    (raw / "t10k-images-idx3-ubyte.gz").write_bytes(good)  # what the message asked: its decompressed copy was deleted
    assert len(load_dataset("mnist", tmp_path, download=False).test_y) == 200


def test_a_bad_decompressed_file_beside_its_gz_is_to_be_deleted(tmp_path):
    raw = write_raw_folder(tmp_path)
    (raw / "t10k-images-idx3-ubyte").write_bytes(b"")
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte is not a valid IDX image file .* Delete it: it is "
                                        "decompressed again from t10k-images-idx3-ubyte.gz"):
        load_dataset("mnist", tmp_path, download=False)


def test_a_file_that_cannot_be_opened_is_not_called_damaged(tiny_root, monkeypatch):
    def unreadable(path, dims):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("mnistlab.data.read_idx", unreadable)
    with pytest.raises(DataError, match="cannot be used: Permission denied. Check its name and permissions"):
        load_dataset("mnist", tiny_root, download=False)


def test_ctrl_c_while_decompressing_leaves_no_partial_file(tiny_root, monkeypatch):
    def interrupted(source, sink, limit):
        sink.write(source.read(1000))
        raise KeyboardInterrupt

    monkeypatch.setattr("mnistlab.data._copy_at_most", interrupted)
    with pytest.raises(KeyboardInterrupt):
        load_dataset("mnist", tiny_root, download=False)
    assert sorted(p.name for p in (tiny_root / "MNIST" / "raw").iterdir()) == sorted(f + ".gz" for f in RAW_FILES)


def test_truncated_raw_file_is_a_clear_error(tmp_path):
    raw = write_raw_folder(tmp_path, gz=False)
    (raw / "t10k-images-idx3-ubyte").write_bytes((raw / "t10k-images-idx3-ubyte").read_bytes()[:3000])
    with pytest.raises(DataError, match="not a valid IDX image file"):
        load_dataset("mnist", tmp_path, download=False)


def test_labels_that_do_not_match_the_images_are_a_clear_error(tmp_path):
    raw = write_raw_folder(tmp_path, gz=False)
    (raw / "train-labels-idx1-ubyte").write_bytes(idx_bytes(torch.zeros(10, dtype=torch.uint8)))
    with pytest.raises(DataError, match="600 images but train-labels-idx1-ubyte has 10 labels"):
        load_dataset("mnist", tmp_path, download=False)


def test_unknown_data_set_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="choose one of mnist, fashion-mnist"):
        load_dataset("cifar10", tmp_path)


def test_split_is_seeded_disjoint_and_sized():
    train, val = split_indices(100, 0.2, torch.Generator().manual_seed(3))
    again, _ = split_indices(100, 0.2, torch.Generator().manual_seed(3))
    other, _ = split_indices(100, 0.2, torch.Generator().manual_seed(4))
    assert (len(train), len(val)) == (80, 20)
    assert sorted(torch.cat([train, val]).tolist()) == list(range(100))
    assert torch.equal(train, again) and not torch.equal(train, other)


@pytest.mark.slow
def test_real_mnist_matches_its_published_facts(mnist):
    assert (len(mnist.train_y), len(mnist.test_y)) == (60000, 10000)
    assert (int(mnist.train_y[0]), int(mnist.test_y[0])) == (5, 7)
    assert torch.bincount(mnist.train_y).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert 0.0 <= float(mnist.train_x.min()) and float(mnist.train_x.max()) == 1.0


@contextmanager
def mirrors(tmp_path, monkeypatch, served: dict[str, bytes]):
    """Three local mirrors for MNIST, in the order tried: one that never answers, one whose files are damaged, and
    one serving `served` (file name → bytes); torchvision's MD5s replaced by those of `served`."""
    silent = socket.create_server(("127.0.0.1", 0))  # the kernel accepts connections; nobody ever answers
    folders = {"damaged": tmp_path / "damaged", "good": tmp_path / "good"}
    for kind, folder in folders.items():
        folder.mkdir()
        for name, content in served.items():
            (folder / name).write_bytes(content[:-1] if kind == "damaged" else content)
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(folder)))
               for folder in folders.values()]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    source = Source("MNIST", SOURCES["mnist"].classes, [
        f"http://127.0.0.1:{port}/" for port in (silent.getsockname()[1], *(s.server_address[1] for s in servers))], [
        (name, hashlib.md5(content).hexdigest()) for name, content in served.items()], sum(map(len, served.values())))
    monkeypatch.setitem(SOURCES, "mnist", source)
    try:
        yield
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
        silent.close()


@pytest.mark.slow
def test_a_download_skips_a_silent_mirror_and_a_damaged_file(tmp_path, monkeypatch):
    raw = write_raw_folder(tmp_path / "source")
    served = {f + ".gz": (raw / (f + ".gz")).read_bytes() for f in RAW_FILES}
    with mirrors(tmp_path, monkeypatch, served):
        download = threading.Thread(target=download_raw, args=("mnist", tmp_path / "data", 0.5), daemon=True)
        download.start()
        download.join(20)  # the silent mirror costs its timeout once per file
        assert not download.is_alive(), "the download hangs on a mirror that never answers"
    data = load_dataset("mnist", tmp_path / "data", download=False)
    assert torch.equal(data.train_x, load_dataset("mnist", tmp_path / "source", download=False).train_x)


def test_a_failed_download_says_what_each_mirror_did_and_what_to_do(tmp_path, monkeypatch):
    raw = write_raw_folder(tmp_path / "source")
    served = {f + ".gz": (raw / (f + ".gz")).read_bytes() for f in RAW_FILES}
    with mirrors(tmp_path, monkeypatch, served):
        SOURCES["mnist"].mirrors.pop()  # only the silent and the damaged mirror are left
        with pytest.raises(DataError) as failure:
            download_raw("mnist", tmp_path / "data", timeout=0.5)
    message = str(failure.value)
    assert "Downloading train-images-idx3-ubyte.gz failed: " in message and "Put its four files there" in message
    assert "timed out" in message and "arrived damaged (wrong checksum)" in message
    assert not list((tmp_path / "data").rglob("*.gz"))  # nothing damaged was kept


def test_the_sources_are_torchvisions_and_loading_imports_no_torchvision(tmp_path):
    torchvision = pytest.importorskip("torchvision")  # a dev requirement (the bench's course loop), not the app's
    for name, dataset in (("mnist", torchvision.datasets.MNIST), ("fashion-mnist", torchvision.datasets.FashionMNIST)):
        assert (SOURCES[name].folder, SOURCES[name].classes) == (dataset.__name__, tuple(dataset.classes))
        assert [tuple(pair) for pair in SOURCES[name].resources] == [tuple(pair) for pair in dataset.resources]
    write_raw_folder(tmp_path)
    code = (f"import sys; from mnistlab.data import load_dataset; load_dataset('mnist', {str(tmp_path)!r}, "
            "download=False); print('torchvision' in sys.modules)")
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert child.stdout.strip() == "False"
