"""A lesson as a file: to and from JSON bytes (size-checked before parsing), saved and loaded atomically, the saved ones
listed, and a name that says what it holds."""
from __future__ import annotations

import json
from pathlib import Path

from .. import upload_checks
from ..runs import read_json_file, write_atomic
from .plan import Lesson, LessonFileError

LESSONS_DIR = Path(__file__).resolve().parent.parent.parent / "runs" / "lessons"
# The largest real lesson (10 seeds × 100 epochs, with the slips: 80 runs) fits below it (BENCHMARKS.md, "Limits").
MAX_LESSON_BYTES = 32_000_000


def lesson_to_bytes(lesson: Lesson) -> bytes:
    """The lesson as JSON, for a file or a download."""
    return json.dumps(lesson.to_dict(), indent=1).encode()


def lesson_from_bytes(data: bytes, name: str = "upload") -> Lesson:
    """Read a lesson from the bytes of a file made by lesson_to_bytes."""
    return read_json_file(data, name, MAX_LESSON_BYTES, LessonFileError, "error.lesson_file", Lesson.from_dict)


def save_lesson(lesson: Lesson, path: str | Path) -> Path:
    """Write the lesson to path atomically (its folder is made if needed); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, lesson_to_bytes(lesson))
    return path


def load_lesson(path: str | Path) -> Lesson:
    """Read a lesson saved by save_lesson."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise LessonFileError("error.file.unreadable", file=path, reason=error.strerror or error) from error
    return lesson_from_bytes(data, path.name)


def saved_lessons(folder: str | Path | None = None) -> list[Path]:
    """The lesson files in a folder (default: the repository's runs/lessons), by name, those without slips first: the
    first is what lecture mode offers."""
    folder = Path(folder or LESSONS_DIR)
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.json"), key=lambda path: ("-slips-" in path.name, path.name))


def file_name(lesson: Lesson) -> str:
    """A file name that says what the lesson holds and when it was made."""
    plan = lesson.plan
    slips = f"-slips-{'+'.join(plan.slips)}" if plan.slips else ""
    made = upload_checks.safe_file_part(lesson.created.replace(":", "").replace("T", "-"))[:15]
    return f"{lesson.dataset}-{plan.seeds}-seeds-{plan.epochs}-epochs{slips}-{made}.json"

