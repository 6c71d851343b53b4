"""The class on a real server, over its websocket (tools/class_targets.py plays it): the lecturer's run goes first,
every student's point reaches the board, and no request a student can make changes what the lecturer controls."""
import sys
from pathlib import Path

import pytest

from conftest import write_raw_folder

sys.path.insert(0, str(Path(__file__).parent.parent / "tools"))

import class_targets  # noqa: E402
from app_client import running_server  # noqa: E402

STUDENTS = 3


@pytest.mark.slow
def test_a_class_over_the_websocket(tmp_path):
    write_raw_folder(tmp_path, n_train=3000, n_test=500)  # 1-epoch runs on a small set keep the test lean
    with running_server(str(tmp_path), tmp_path / "server.log", {"MNISTLAB_LECTURER_KEY": class_targets.KEY}) as server:
        outcome = class_targets.play(server.url, STUDENTS, epochs=1, limit=300)
        problems = server.log_problems()
    assert outcome.wrong_key_refused and outcome.class_on
    assert outcome.lecturer_place in (0, 1)  # next to start (or started), behind none of the queued students' runs
    assert outcome.overtaking == 0
    assert outcome.points_seen == STUDENTS  # every student's run on the projector's board
    assert outcome.refused and all(outcome.refused.values()), outcome.refused
    assert not problems
