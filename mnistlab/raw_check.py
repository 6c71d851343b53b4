"""One uploaded raw file checked on its own, before it is kept: its name, its gzip, its IDX header and content.

The four files of a set are loaded together by data.load_dataset; a visitor uploads them one by one (or a few at a
time), so each is checked as far as it can be alone, and a bad one is refused at once with what to do, while the good
ones are kept.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import math
import zlib

from .data import IMAGE_SIDE, LARGEST_RAW_FILE, PUBLISHED_FILES, RAW_FILES
from .idx import parse_idx
from .i18n import text

SET_NAMES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}


def expected_names() -> list[str]:
    """The four .gz names an upload may have."""
    return [stem + ".gz" for stem in RAW_FILES]


def check_raw_file(name: str, filename: str, content: bytes, lang: str = "en") -> str | None:
    """Why this uploaded file cannot be data set `name`'s file `filename`, in words a browser user can act on;
    None when it can. `content` is the .gz as uploaded."""
    dataset = SET_NAMES[name]
    if filename not in expected_names():
        return text(lang, "upload.wrong_name", expected=", ".join(expected_names()))
    stem = filename.removesuffix(".gz")
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(content)) as archive:
            raw = archive.read(LARGEST_RAW_FILE + 1)
    except (OSError, EOFError, zlib.error):  # BadGzipFile is an OSError
        return text(lang, "upload.not_gzip")
    if len(raw) > LARGEST_RAW_FILE:
        return text(lang, "upload.too_large", dataset=dataset)
    published = PUBLISHED_FILES.get(hashlib.sha256(raw).hexdigest())
    if published is not None and published != (name, stem):
        other_set, other_file = published
        return text(lang, "upload.other_file", other_dataset=SET_NAMES[other_set], other_file=other_file + ".gz",
                    dataset=dataset, file=filename)
    images = "images" in stem
    dims = 3 if images else 1
    kind = text(lang, "upload.kind_image" if images else "upload.kind_label")
    try:
        shape = tuple(parse_idx(raw, dims).shape)
    except ValueError:
        return text(lang, "upload.not_idx", kind=kind)
    if not math.prod(shape):
        return text(lang, "upload.not_idx", kind=kind)
    if images and shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        return text(lang, "upload.wrong_images", shape="×".join(map(str, shape[1:])), dataset=dataset)
    if not images and max(raw[8:]) > 9:  # after the 8-byte header of a label file
        return text(lang, "upload.bad_labels", dataset=dataset)
    if published is None:  # well formed but not the published file: it would be every visitor's data set
        return text(lang, "upload.not_original", dataset=dataset, file=filename)
    return None
