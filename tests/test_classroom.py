"""The class's rules in the library: the lecturer key, class mode's caps, the lecturer first in the queue, the board
(anonymous, bounded, withdrawable, cleared by the lecturer only), sweeps and the board's figure."""
import gc
import threading
import tracemalloc

import pytest

from mnistlab import board_plots, classroom, jobs
from mnistlab.board import BOARD_POINTS, LOG_SETTINGS, SETTINGS, Board, best_value
from mnistlab.classroom import ClassCaps, Classroom, NotLecturer
from mnistlab.config import ConfigError, RunConfig
from mnistlab.sweep import SweepPlan

KEY = {"MNISTLAB_LECTURER_KEY": "correct horse"}
WAIT = 120


@pytest.fixture
def waits(monkeypatch) -> list:
    """The delays a wrong key cost, recorded instead of slept."""
    slept = []
    monkeypatch.setattr(classroom, "pause", slept.append)
    return slept


@pytest.fixture
def keyed(monkeypatch):
    monkeypatch.setenv(classroom.LECTURER_KEY, KEY["MNISTLAB_LECTURER_KEY"])


def test_the_lecturer_key_admits_its_session_only_and_a_wrong_one_waits(keyed, waits):
    room = Classroom()
    assert not room.admit("student", "correct hors") and waits == [classroom.WRONG_KEY_DELAY]
    assert not room.is_lecturer("student")
    assert room.admit("lecturer", "  correct horse ") and len(waits) == 1  # spaces around a pasted key are not the key
    assert room.is_lecturer("lecturer") and not room.is_lecturer("student")
    assert room.goes_first("lecturer") and not room.goes_first("student")


def test_a_wrong_key_reads_the_same_whether_a_key_is_set_or_not(waits, monkeypatch):
    monkeypatch.delenv(classroom.LECTURER_KEY, raising=False)
    unset = Classroom().admit("visitor", "guess")
    monkeypatch.setenv(classroom.LECTURER_KEY, "something")
    assert (unset, Classroom().admit("visitor", "guess")) == (False, False)
    assert waits == [classroom.WRONG_KEY_DELAY] * 2


def test_without_a_key_the_one_user_is_the_lecturer_and_no_one_goes_first(monkeypatch):
    monkeypatch.delenv(classroom.LECTURER_KEY, raising=False)
    room = Classroom()
    assert room.is_lecturer("anyone") and not room.goes_first("anyone")
    with pytest.raises(NotLecturer, match="class mode needs a lecturer key"):
        room.switch("anyone", True)
    assert not room.on


def test_a_changed_key_ends_the_lecturers_role(keyed, monkeypatch, waits):
    room = Classroom()
    assert room.admit("lecturer", "correct horse")
    monkeypatch.setenv(classroom.LECTURER_KEY, "a new key")
    assert not room.is_lecturer("lecturer")


def test_only_the_lecturer_switches_class_mode_picks_the_setting_and_clears_the_board(keyed, waits):
    room = Classroom()
    room.admit("lecturer", "correct horse")
    room.switch("lecturer", True)
    room.board.add(RunConfig(), 97.0, "student")
    for change in (lambda: room.switch("student", False), lambda: room.clear("student"),
                   lambda: room.pick("student", "dropout")):
        with pytest.raises(NotLecturer, match="only the lecturer's session"):
            change()
    assert room.on and len(room.board) == 1 and room.setting == "lr"
    room.pick("lecturer", "dropout")
    room.clear("lecturer")
    room.switch("lecturer", False)
    assert not room.on and len(room.board) == 0 and room.setting == "dropout"


def test_class_caps_hold_students_at_their_boundaries_not_the_lecturer(keyed, waits):
    room = Classroom(ClassCaps(max_epochs=10, max_runs_at_once=1))
    room.admit("lecturer", "correct horse")
    assert room.refuse_run(RunConfig(epochs=11), 0, "student") is None  # class mode off: no class caps
    room.switch("lecturer", True)
    assert room.refuse_run(RunConfig(epochs=10), 0, "student") is None
    assert "at most 10 epochs per run (asked: 11)" in room.refuse_run(RunConfig(epochs=11), 0, "student")
    assert "1 run running or waiting" in room.refuse_run(RunConfig(epochs=1), 1, "student")
    assert "au plus 10 époques" in room.refuse_run(RunConfig(epochs=11), 0, "student", "fr")
    assert "lessons and sweeps are the lecturer's" in room.refuse_many("student")
    assert room.refuse_run(RunConfig(epochs=50), 3, "lecturer") is None and room.refuse_many("lecturer") is None


def test_the_lecturers_job_starts_when_the_worker_frees_whatever_the_students_queue(queue):
    release, order = threading.Event(), []
    blocker = queue.submit(lambda report, stop: release.wait(WAIT), "running", owner="student 0")

    def work(name):
        return lambda report, stop: order.append(name)

    while blocker.state != jobs.RUNNING:
        blocker.wait(0.01)
    students = [queue.submit(work(f"student {i}"), "run", owner=f"student {i}") for i in range(1, 31)]
    lecturer = [queue.submit(work(f"lecturer {i}"), "demo", owner="lecturer", lecturer=True) for i in range(2)]
    assert lecturer[0].position == 1 and lecturer[1].position == 2 and students[0].position == 3
    assert queue.owned("lecturer") == 2
    release.set()
    assert all(job.wait(WAIT) for job in students + lecturer)
    assert order[:2] == ["lecturer 0", "lecturer 1"]  # first in, first out among the lecturer's
    assert order[2:] == [f"student {i}" for i in range(1, 31)]


def test_a_waiting_lecturer_job_can_be_cancelled(queue):
    release = threading.Event()
    blocker = queue.submit(lambda report, stop: release.wait(WAIT), "running", owner="student")
    while blocker.state != jobs.RUNNING:
        blocker.wait(0.01)
    demo = queue.submit(lambda report, stop: None, "demo", owner="lecturer", lecturer=True)
    demo.stop()
    assert demo.cancelled and queue.owned("lecturer") == 0
    release.set()
    assert blocker.wait(WAIT)


def test_the_board_is_anonymous_and_a_student_withdraws_only_their_own_points():
    board = Board()
    mine = board.add(RunConfig(lr=3e-3), 97.5, "token-a", "3. lr 0.003")
    theirs = board.add(RunConfig(dropout=0.2), 97.9, "token-b", "1. dropout 0.2")
    point = board.points()[0]
    assert set(vars(point)) == {"id", "values", "accuracy"}  # no name, label or session on what is drawn
    assert point.value("lr") == 3e-3
    assert board.mine("token-a") == {mine: "3. lr 0.003"}
    assert not board.withdraw(theirs, "token-a") and len(board) == 2
    assert board.withdraw(mine, "token-a") and [p.id for p in board.points()] == [theirs]


def test_the_board_holds_its_size_at_most_the_oldest_leaving_first():
    board, config, other = Board(size=500), RunConfig(), RunConfig(lr=1e-2)
    tracemalloc.start()
    for i in range(2000):  # its tables' sizes settle once points have come and gone
        board.add(config, 90.0, f"student {i}")
    gc.collect()
    settled, _ = tracemalloc.get_traced_memory()
    for i in range(2000, 6000):
        board.add(other, 91.0, f"student {i}")
    gc.collect()
    later, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(board) == 500 and board.points()[0].accuracy == 91.0 and board.points()[0].value("lr") == 1e-2
    assert later <= settled * 1.5  # 4000 more points (kept, ~1 MB) went through: what is held did not grow
    assert BOARD_POINTS >= 500


def test_the_best_value_is_the_highest_mean_over_its_runs():
    board = Board()
    for lr, accuracy in ((1e-3, 97.0), (1e-3, 98.0), (1e-2, 98.4), (1e-2, 96.0), (1e-1, 11.0)):
        board.add(RunConfig(lr=lr), accuracy, "someone")
    best = best_value(board.points(), "lr")
    assert (best.value, best.mean, best.runs) == (1e-3, 97.5, 2)


def test_students_runs_in_class_mode_reach_the_board_once_completed(keyed, waits, tiny_data):
    room, queue = Classroom(), jobs.JobQueue()
    room.admit("lecturer", "correct horse")
    room.switch("lecturer", True)
    config = RunConfig(epochs=1, batch_size=256)
    students = [queue_run(queue, room, config.replace(seed=i), tiny_data, f"student {i}") for i in range(3)]
    lecturers = queue_run(queue, room, config, tiny_data, "lecturer")
    stopped = queue_run(queue, room, config, tiny_data, "student stopped")
    stopped.stop()
    for job in students:
        assert job.wait(WAIT)
    assert lecturers.wait(WAIT)
    assert room.collect() == 3 and len(room.board) == 3  # not the lecturer's demo, nor a stopped run
    assert {p.accuracy for p in room.board.points()} == {job.result.test_accuracy for job in students}


def queue_run(queue, room, config, data, token):
    job = jobs.submit_training(config, data, "run", queue=queue, owner=token, lecturer=room.goes_first(token))
    room.watch(job, token, "run")
    return job


def test_a_sweep_spreads_its_values_and_refuses_a_bad_range():
    plan = SweepPlan("weight_decay", 1e-6, 1e-1, values=6, seeds=2)
    assert plan.points() == [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1]
    configs = plan.configs()
    assert len(configs) == 12 and {c.seed for c in configs} == {0, 1}
    assert {c.weight_decay for c in configs} == set(plan.points()) and all(c.lr == 1e-3 for c in configs)
    assert SweepPlan("hidden", 16, 1024, values=4).points() == [16.0, 64.0, 256.0, 1024.0]
    assert [c.batchnorm for c in SweepPlan("batchnorm", 0, 1, seeds=1).configs()] == [False, True]
    with pytest.raises(ConfigError, match=r"the range must go from 1e-05 to 1.0, low first \(got 0.1 to 0.001\)"):
        SweepPlan("lr", 0.1, 0.001)
    with pytest.raises(ConfigError, match="1 to 8 values"):
        SweepPlan("dropout", 0.0, 0.5, values=20)


@pytest.mark.parametrize("setting", SETTINGS)
def test_the_board_figure_draws_500_points_with_the_presets_marked(setting):
    board = Board()
    for i in range(500):
        board.add(RunConfig(lr=10 ** (-4 + 3 * (i % 7) / 6), weight_decay=(i % 4) * 1e-4, dropout=(i % 5) / 10,
                            batchnorm=bool(i % 2), hidden=(2 ** (4 + i % 6),) * 2, epochs=1 + i % 10),
                  80 + (i % 17), f"student {i}")
    figure = board_plots.board_figure(board.points(), setting, "fr", mine=frozenset({1, 2}))
    drawn = {trace.name: len(trace.x) for trace in figure.data}
    assert drawn["entraînements"] == 500 and drawn["mes entraînements"] == 2  # drawn over the room's
    assert figure.layout.xaxis.type == ("log" if setting in LOG_SETTINGS else None)
    marks = " ".join(a.text for a in figure.layout.annotations)
    assert "Dropout" in marks and "BatchNorm" in marks  # the presets where they sit on this axis
    assert figure.layout.font.size >= 18 and all(a.font.size >= 18 for a in figure.layout.annotations)
    line = board_plots.best_line(board.points(), setting, "fr")
    assert line.startswith("Meilleur à ce stade") and "\u00a0%" in line
