"""The missing-data panel: one message (what is missing, where, the three ways out), and an upload that checks each
file before keeping it."""
import gzip

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from conftest import write_raw_folder
from mnistlab.data import RAW_FILES, SHIPPED_DATA
from test_app_pages import APP
from test_app_pages import texts as markdown_texts

START = "Start training"


def texts(elements) -> str:
    """The elements' text without Markdown's bold marks."""
    return markdown_texts(elements).replace("**", "")


@pytest.fixture
def empty(tmp_path, monkeypatch):
    """The app with an empty data folder, and MNIST's four published files (the shipped copy) ready to upload."""
    folder, source = tmp_path / "empty", SHIPPED_DATA / "MNIST" / "raw"
    monkeypatch.setenv("MNISTLAB_DATA_DIR", str(folder))
    st.cache_resource.clear()
    app = AppTest.from_file(APP, default_timeout=60).run()
    yield app, folder / "MNIST" / "raw", {p.name: p.read_bytes() for p in source.glob("*.gz")}
    st.cache_resource.clear()


def upload(app, files: dict[str, bytes]):
    return app.file_uploader(key="upload-data-mnist").set_value(
        [(name, content, "application/gzip") for name, content in files.items()]).run()


def test_the_panel_says_once_what_is_missing_where_and_the_three_ways_out(empty):
    app, raw, _ = empty
    assert not app.exception and len(app.error) == 1
    (alert,) = texts(app.error).split(" | ")
    assert "MNIST (digits) is not available" in alert and str(raw.absolute()) in alert
    assert all(alert.count(f + ".gz") == 1 for f in RAW_FILES)
    page = texts(app.markdown) + texts(app.error)
    assert all(page.count(f + ".gz") == 1 for f in RAW_FILES)  # named once on the whole page
    assert "upload" in page and "download" in page and "MNISTLAB_DATA_DIR" in page
    assert next(b for b in app.button if b.label == START).disabled


def test_a_wrongly_named_file_among_good_ones_is_refused_and_the_good_ones_kept(empty):
    app, raw, files = empty
    first_two = dict(list(sorted(files.items()))[:2])
    upload(app, {"readme.txt.gz": gzip.compress(b"hi"), **first_two})
    assert not app.exception
    assert sorted(p.name for p in raw.iterdir()) == sorted(first_two)
    assert "readme.txt.gz was not kept: it is not one of the four files" in texts(app.error)
    assert "Kept: " in texts(app.success)
    assert any(b.label.startswith("Download MNIST") for b in app.button)  # the download stays
    upload(app, files)  # the other two: the set loads
    assert not app.exception and not app.error
    assert not next(b for b in app.button if b.label == START).disabled


@pytest.mark.parametrize("content, problem", [
    (gzip.compress(b"\x00\x00\x08\x03 not labels"), "it is not an IDX label file"),
    (b"GIF89a", "it is not a gzip file, or it is cut short"),
    (gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x02\x03\x0c"), "it has labels outside 0–9"),
])
def test_a_right_name_with_bad_content_is_refused_at_once_and_the_rest_is_kept(empty, content, problem):
    app, raw, files = empty
    bad = "t10k-labels-idx1-ubyte.gz"
    upload(app, {**files, bad: content})
    assert not app.exception
    assert f"{bad} was not kept: {problem}" in texts(app.error)
    assert "Saved" not in texts(app.info) + texts(app.success) and "damaged" not in texts(app.error)
    assert sorted(p.name for p in raw.iterdir()) == sorted(set(files) - {bad})
    assert f"{bad} missing" in texts(app.error)  # what is still needed, in the one message
    upload(app, {**files, bad: content})  # the same files again: said again, nothing loops
    assert not app.exception and f"{bad} was not kept" in texts(app.error)
    upload(app, files)  # the right file: the set loads
    assert not app.exception and not app.error


def test_a_well_formed_file_that_is_not_the_published_one_is_refused(empty, tmp_path):
    # what one visitor uploads becomes every visitor's data set: only the published files are kept
    app, raw, files = empty
    synthetic = {p.name: p.read_bytes() for p in write_raw_folder(tmp_path / "synthetic").glob("*.gz")}
    upload(app, {**files, "t10k-labels-idx1-ubyte.gz": synthetic["t10k-labels-idx1-ubyte.gz"]})
    assert not app.exception
    assert "t10k-labels-idx1-ubyte.gz was not kept: it is not the original" in texts(app.error)
    assert "t10k-labels-idx1-ubyte.gz" not in [p.name for p in raw.iterdir()]


def test_a_file_given_as_the_data_folder_is_named_and_no_folder_below_it_is_pointed_at(tmp_path, monkeypatch):
    not_a_folder = tmp_path / "mnist.tar"
    not_a_folder.write_bytes(b"")
    monkeypatch.setenv("MNISTLAB_DATA_DIR", str(not_a_folder))
    st.cache_resource.clear()
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    page = texts(app.error) + texts(app.markdown)
    assert f"{not_a_folder} is a file, not a folder" in page.replace("`", "") and "MNIST/raw" not in page
    assert not app.get("file_uploader")
    st.cache_resource.clear()
