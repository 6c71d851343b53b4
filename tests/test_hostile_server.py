"""The hostile corpus against the real server (`streamlit run app.py`, visitors over its websocket as a browser's
frontend speaks): each file gets its message on the page, the server's memory does not rise with what the file would
inflate to, and the server goes on answering other visitors."""
import sys
from pathlib import Path

import pytest

import hostile_files as hostile
from conftest import write_raw_folder

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from app_client import AppSession, running_server  # noqa: E402

pytestmark = pytest.mark.slow
RUN_UPLOAD, LESSON_UPLOAD = "Open a saved run (.zip downloaded from this app)", "…or open a lesson file (.json)"
RISE_AT_MOST_MB = 100  # the bomb inflates to 512 MB: reading it whole fails this
INFLATED = 512 * 1024 * 1024


def status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for process {pid}")


def peak_from_now(pid: int) -> float:
    """Reset the server's peak resident memory (VmHWM) to now; its RSS now, in MB."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        pytest.skip("this kernel does not let the test reset the server's peak RSS (/proc/<pid>/clear_refs)")
    return status_mb(pid, "VmRSS")


def test_a_bomb_a_crafted_run_and_an_endless_lesson_through_the_real_server(tmp_path):
    write_raw_folder(tmp_path / "data")
    config = hostile.RunConfig(hidden=(16,), epochs=1)
    bomb = hostile.run_zip_with(hostile.run_dict(config=config.to_dict()),
                                hostile.deflated_record_bomb(config, INFLATED))
    with running_server(str(tmp_path / "data"), tmp_path / "server.log") as server:
        visitor = AppSession(server.url)
        visitor.run()
        visitor.run(page="results")
        before = peak_from_now(server.process.pid)
        page = visitor.upload(RUN_UPLOAD, "bomb.zip", bomb)
        assert "This file cannot be opened" in page.text() and "compressed record" in page.text()
        assert status_mb(server.process.pid, "VmHWM") - before < RISE_AT_MOST_MB

        crafted = hostile.crafted_run_zips()["int beyond float range in history"]
        assert "beyond what a page can compute with" in visitor.upload(RUN_UPLOAD, "crafted.zip", crafted).text()

        visitor.run(page="lesson")
        page = visitor.upload(LESSON_UPLOAD, "twenty.json", hostile.lesson_with_runs_per_variant(20))
        assert "that its plan does not train" in page.text()

        other = AppSession(server.url)  # the server still serves a newcomer
        assert "Train" in other.run().text() or other.run().widgets
        problems = server.log_problems()
    assert not problems, problems
