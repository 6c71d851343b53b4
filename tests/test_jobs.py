"""The job queue on Dask's embedded cluster: turns between owners, the lecturer first, K runs at once, positions and
start estimates, stop while waiting or running, a failure that keeps its history."""
import subprocess
import sys
import threading

import pytest
import torch

from mnistlab import engine, jobs
from mnistlab.config import RunConfig
from mnistlab.training import Progress

WAIT = 60  # seconds: a hang fails the test instead of blocking the suite


def gated(order: list, name: str, gate: threading.Event):
    """Work that records when it starts, then waits for the gate (or a stop) before returning its name."""
    def work(on_progress, should_stop):
        order.append(name)
        while not gate.wait(0.01) and not should_stop():
            pass
        return name
    return work


def test_jobs_run_one_at_a_time_in_order_and_report_their_positions(queue):
    order, gate = [], threading.Event()
    first, second, third = (queue.submit(gated(order, name, gate), name) for name in ("a", "b", "c"))
    while order != ["a"]:
        first.wait(0.01)
    assert [first.position, second.position, third.position] == [0, 1, 2]
    assert (first.state, second.state, third.state) == (jobs.RUNNING, jobs.QUEUED, jobs.QUEUED)
    assert not second.wait(0.2) and order == ["a"]  # the others wait: one worker
    gate.set()
    assert third.wait(WAIT)
    assert order == ["a", "b", "c"]
    assert [job.result for job in (first, second, third)] == ["a", "b", "c"]
    assert [job.position for job in (first, second, third)] == [None, None, None]
    assert queue.busy == 0


def test_stopping_a_waiting_job_cancels_it_and_moves_the_queue_up(queue):
    order, gate = [], threading.Event()
    first, second, third = (queue.submit(gated(order, name, gate), name) for name in ("a", "b", "c"))
    second.stop()
    assert second.state == jobs.DONE and second.cancelled and second.result is None
    assert third.position in (1, 2)  # 1 once the worker has taken the first job
    gate.set()
    assert third.wait(WAIT)
    assert order == ["a", "c"]
    assert not first.cancelled and first.result == "a"


def test_stopping_a_running_job_ends_it_and_keeps_what_it_returned(queue):
    order, gate = [], threading.Event()
    job = queue.submit(gated(order, "partial", gate), "long")
    while job.state != jobs.RUNNING:
        job.wait(0.01)
    job.stop()
    assert job.wait(WAIT)
    assert job.stopped and not job.cancelled and job.result == "partial" and job.error is None


def test_a_job_nobody_touches_gives_its_place_up_and_a_touched_one_runs(queue):
    order, gate = [], threading.Event()
    queue.submit(gated(order, "a", gate), "a")
    orphan = queue.submit(gated(order, "orphan", gate), "orphan", abandon_after=0.01)
    watched = queue.submit(gated(order, "watched", gate), "watched", abandon_after=3600)
    while not orphan.abandoned:
        watched.touch()
        orphan.wait(0.01)
    gate.set()
    assert watched.wait(WAIT)
    assert order == ["a", "watched"] and orphan.cancelled and watched.result == "watched"


def test_an_abandoned_running_job_is_told_to_stop(queue):
    order, gate = [], threading.Event()
    job = queue.submit(gated(order, "partial", gate), "long", abandon_after=0.05)
    while job.state == jobs.QUEUED:  # its owner still waits while it is queued, however slowly the worker starts
        job.touch()
    assert job.wait(WAIT)  # the gate never opens: only abandonment ends it
    assert order == ["partial"] and job.result == "partial" and not job.stopped


def test_a_failing_training_job_becomes_a_failed_run_with_its_history_and_the_worker_goes_on(queue, monkeypatch):
    row = {"epoch": 1.0, "train_loss": 0.5, "train_accuracy": 80.0, "val_loss": 0.6, "val_accuracy": 78.0,
           "seconds": 1.0}

    def broken_train(config, data, on_progress, should_stop, **options):
        on_progress(Progress(1, 3, 10, 30, 0.4, 2.0, 4.0, (row,)))
        raise RuntimeError("out of memory")

    monkeypatch.setattr(engine, "train", broken_train)
    config = RunConfig(epochs=3)
    failed = jobs.submit_training(config, None, "broken", queue=queue)
    after = queue.submit(lambda on_progress, should_stop: "still serving", "next")
    assert after.wait(WAIT)
    assert failed.failed and "out of memory" in failed.error
    run = failed.result
    assert run.status == "failed" and "out of memory" in str(run.message)
    assert run.history == [row] and run.config == config and run.evaluation is None
    assert after.result == "still serving"


def test_a_generic_job_that_fails_keeps_its_message_and_no_result(queue):
    def explode(on_progress, should_stop):
        on_progress({"done": 1})
        raise ValueError("bad input")

    job = queue.submit(explode, "generic")
    assert job.wait(WAIT)
    assert job.error == "ValueError: bad input" and job.result is None and job.progress == {"done": 1}


def test_a_training_job_reports_progress_and_returns_its_run(queue, tiny_data):
    job = jobs.submit_training(RunConfig(epochs=2, batch_size=32), tiny_data, "tiny", queue=queue, progress_interval=0)
    assert job.wait(WAIT)
    run = job.result
    assert run.status == "completed" and len(run.history) == 2
    assert isinstance(job.progress, Progress) and job.progress.history == tuple(run.history)


def test_two_workers_run_two_jobs_at_once_and_the_third_starts_when_one_ends(two):
    order, gates = [], {}
    make = stepwise(order, gates)
    first, second, third = (two.submit(make(name), name, owner=name) for name in ("a", "b", "c"))
    started(first), started(second)
    assert (first.position, second.position, third.position) == (0, 0, 1) and third.state == jobs.QUEUED
    gates["b"].set()
    assert second.wait(WAIT)
    while "c" not in order:
        third.wait(0.01)
    assert order == ["a", "b", "c"] and second.result == "b" and first.state == jobs.RUNNING
    gates["a"].set(), gates["c"].set()
    assert third.wait(WAIT) and first.wait(WAIT) and two.busy == 0


def test_a_lecturers_job_goes_before_every_waiting_job_to_the_next_free_worker_first_in_first_out(queue):
    order, gates = [], {}
    make = stepwise(order, gates)
    blocker = queue.submit(make("blocker"), "blocker", owner="a")
    started(blocker)
    student = queue.submit(make("student"), "student", owner="b")
    demo = queue.submit(make("demo"), "demo", owner="lecturer", lecturer=True)
    demo2 = queue.submit(make("demo2"), "demo2", owner="lecturer", lecturer=True)
    assert [job.label for job in queue.order()] == ["demo", "demo2", "student"]
    assert (demo.position, demo2.position, student.position) == (1, 2, 3) and queue.owned("lecturer") == 2
    for gate in gates.values():
        gate.set()
    assert student.wait(WAIT)
    assert order == ["blocker", "demo", "demo2", "student"]


def started(job: jobs.Job) -> None:
    """Wait until the worker has started job."""
    for _ in range(WAIT * 100):
        if job.state != jobs.QUEUED:
            return
        job.wait(0.01)
    raise AssertionError(f"{job} never started")


def stepwise(order: list, gates: dict):
    """Work whose name is recorded when it starts, and which ends when its own gate opens."""
    def make(name: str):
        gates[name] = threading.Event()
        return gated(order, name, gates[name])
    return make


def test_owners_take_turns_so_a_second_run_waits_behind_every_first_and_one_owner_is_first_in_first_out(queue):
    order, gates = [], {}
    make = stepwise(order, gates)
    blocker = queue.submit(make("blocker"), "blocker", owner="teacher")
    started(blocker)
    submitted = {}
    for name, owner in [("a1", "a"), ("a2", "a"), ("a3", "a"), ("a4", "a"), ("b1", "b"), ("b2", "b"), ("c1", "c"),
                        ("b3", "b"), ("c2", "c")]:
        submitted[name] = queue.submit(make(name), name, owner=owner)
    expected = ["a1", "b1", "c1", "a2", "b2", "c2", "a3", "b3", "a4"]
    assert [job.label for job in queue.order()] == expected
    assert [submitted[name].position for name in expected] == list(range(1, 10))
    assert queue.owned("a") == 4 and queue.owned("teacher") == 1 and queue.owned("nobody") == 0
    for gate in gates.values():  # the worker still starts them one at a time, in its turn order
        gate.set()
    assert submitted["a4"].wait(WAIT)
    assert order == ["blocker"] + expected
    assert queue.busy == 0


def test_a_class_of_30_pressing_start_4_times_each_gets_every_first_run_before_any_second(queue):
    order, gate = [], threading.Event()
    blocker = queue.submit(gated(order, "blocker", gate), "blocker", owner="teacher")
    started(blocker)
    last = None
    for student in range(30):  # each student queues 4 runs in a burst, one student after another
        for run in range(4):
            last = queue.submit(gated(order, (student, run), gate), f"{student}.{run}", owner=student)
    assert [job.position for job in queue.order()] == list(range(1, 121))
    gate.set()
    assert last.wait(WAIT)
    starts = order[1:]
    assert [run for _, run in starts] == [run for run in range(4) for _ in range(30)]  # round by round
    assert all([student for student, _ in starts[30 * r: 30 * (r + 1)]] == list(range(30)) for r in range(4))


def test_a_newcomers_first_run_passes_the_second_runs_already_waiting(queue):
    order, gates = [], {}
    make = stepwise(order, gates)
    a1 = queue.submit(make("a1"), "a1", owner="a")
    started(a1)
    a2 = queue.submit(make("a2"), "a2", owner="a")
    b1 = queue.submit(make("b1"), "b1", owner="b")
    b2 = queue.submit(make("b2"), "b2", owner="b")
    assert [job.label for job in queue.order()] == ["b1", "a2", "b2"]
    late = queue.submit(make("c1"), "c1", owner="c")
    assert [b1.position, late.position, a2.position, b2.position] == [1, 2, 3, 4]
    gates["a1"].set()
    started(b1)
    assert (b1.position, late.position, a2.position, b2.position) == (0, 1, 2, 3)
    for gate in gates.values():
        gate.set()
    assert b2.wait(WAIT)
    assert order == ["a1", "b1", "c1", "a2", "b2"]


def test_an_owner_served_long_ago_goes_before_one_served_just_now(queue):
    order, gates = [], {}
    make = stepwise(order, gates)
    for name, owner in [("a1", "a"), ("b1", "b")]:
        job = queue.submit(make(name), name, owner=owner)
        gates[name].set()
        assert job.wait(WAIT)
    blocker = queue.submit(make("blocker"), "blocker", owner="c")
    started(blocker)
    b2 = queue.submit(make("b2"), "b2", owner="b")  # b was served after a: a's next job goes first
    a2 = queue.submit(make("a2"), "a2", owner="a")
    assert (a2.position, b2.position) == (1, 2)
    for gate in gates.values():
        gate.set()
    assert b2.wait(WAIT) and a2.wait(WAIT)
    assert order[-2:] == ["a2", "b2"]


def test_cancelling_a_waiting_job_moves_the_jobs_behind_it_up_and_its_owners_next_job_keeps_the_turn(queue):
    order, gates = [], {}
    make = stepwise(order, gates)
    blocker = queue.submit(make("blocker"), "blocker", owner="z")
    started(blocker)
    a1, a2 = (queue.submit(make(name), name, owner="a") for name in ("a1", "a2"))
    b1, b2 = (queue.submit(make(name), name, owner="b") for name in ("b1", "b2"))
    assert [a1.position, b1.position, a2.position, b2.position] == [1, 2, 3, 4]
    a1.stop()
    assert a1.cancelled and a1.position is None and a1.starts_in is None
    assert [a2.position, b1.position, b2.position] == [1, 2, 3]  # a was never served: its next job takes its place
    b1.stop()
    assert [a2.position, b2.position] == [1, 2] and queue.owned("b") == 1
    for gate in gates.values():
        gate.set()
    assert b2.wait(WAIT)
    assert order == ["blocker", "a2", "b2"]


def test_jobs_without_an_owner_each_count_as_an_owner_of_their_own(queue):
    order, gates = [], {}
    make = stepwise(order, gates)
    blocker = queue.submit(make("blocker"), "blocker", owner="a")
    started(blocker)
    a2 = queue.submit(make("a2"), "a2", owner="a")
    lone1, lone2 = queue.submit(make("lone1"), "lone1"), queue.submit(make("lone2"), "lone2")
    assert [job.label for job in queue.order()] == ["lone1", "lone2", "a2"]
    for gate in gates.values():
        gate.set()
    assert a2.wait(WAIT) and lone1.wait(WAIT) and lone2.wait(WAIT)


class Snapshot:
    def __init__(self, eta):
        self.eta = eta


def reporting(eta: float, gate: threading.Event):
    """Work that reports a progress snapshot with an eta, then waits for its gate."""
    def work(on_progress, should_stop):
        on_progress(Snapshot(eta))
        while not gate.wait(0.01) and not should_stop():
            pass
        return "done"
    return work


def test_the_start_estimate_adds_the_running_jobs_eta_and_the_estimates_of_the_jobs_ahead(queue):
    gate = threading.Event()
    running = queue.submit(reporting(30.0, gate), "running", owner="a")
    started(running)
    while running.progress is None:
        running.wait(0.01)
    a2 = queue.submit(gated([], "a2", gate), "a2", owner="a", estimate=100.0)
    b1 = queue.submit(gated([], "b1", gate), "b1", owner="b", estimate=lambda: 20.0)
    c1 = queue.submit(gated([], "c1", gate), "c1", owner="c")  # no estimate: unknown
    d1 = queue.submit(gated([], "d1", gate), "d1", owner="d", estimate=5.0)
    assert [job.label for job in queue.order()] == ["b1", "c1", "d1", "a2"]
    assert running.starts_in == 0.0 and running.remaining_seconds == 30.0
    assert b1.starts_in == 30.0
    assert c1.starts_in == 50.0
    assert d1.starts_in is None and a2.starts_in is None  # c1 ahead of them has no estimate
    c1.stop()
    assert d1.starts_in == 50.0 and a2.starts_in == 55.0
    gate.set()
    assert a2.wait(WAIT) and a2.starts_in is None


def test_with_two_workers_a_queued_start_is_when_the_first_worker_frees_after_the_jobs_ahead(two):
    gate = threading.Event()
    long, short = (two.submit(reporting(eta, gate), name, owner=name)
                   for eta, name in ((60.0, "long"), (10.0, "short")))
    while long.progress is None or short.progress is None:
        long.wait(0.01)
    after_short = two.submit(gated([], "c", gate), "c", owner="c", estimate=30.0)
    after_both = two.submit(gated([], "d", gate), "d", owner="d", estimate=5.0)
    assert after_short.starts_in == 10.0  # the short run's worker frees first
    assert after_both.starts_in == 40.0  # then c holds it until 40, the long run's until 60
    assert two.finish_in([20.0, 20.0]) == 80.0  # d 40→45, then 45→65 on that worker and 60→80 on the other
    gate.set()
    assert after_both.wait(WAIT)


def test_a_running_job_without_an_eta_counts_its_estimate_less_the_time_it_has_run(queue):
    gate = threading.Event()
    running = queue.submit(gated([], "running", gate), "running", estimate=3600.0)
    started(running)
    behind = queue.submit(gated([], "behind", gate), "behind")
    assert 3500.0 < behind.starts_in <= 3600.0
    unknown = queue.submit(gated([], "unknown", gate), "unknown")
    assert unknown.starts_in is None  # "behind" has no estimate
    gate.set()
    assert unknown.wait(WAIT)


def test_a_training_jobs_estimate_is_unknown_until_a_run_of_its_shape_has_gone_then_its_steps_at_that_pace(
        queue, tiny_data):
    config, gate = RunConfig(epochs=2, batch_size=32), threading.Event()
    blocker = queue.submit(gated([], "blocker", gate), "blocker")  # keeps the training jobs waiting while asked
    started(blocker)
    first = jobs.submit_training(config, tiny_data, "first", queue=queue, owner="a")
    assert first.expected_seconds is None
    gate.set()
    assert first.wait(WAIT) and first.result.status == "completed"
    steps = jobs.training_steps(config, tiny_data)
    assert steps == 2 * -(-(len(tiny_data.train_y) - round(len(tiny_data.train_y) * 0.2)) // 32)
    gate.clear()
    blocker = queue.submit(gated([], "blocker", gate), "blocker")
    started(blocker)
    again = jobs.submit_training(RunConfig(epochs=4, batch_size=32, seed=3, lr=1e-2), tiny_data, "again", queue=queue)
    other_shape = jobs.submit_training(RunConfig(epochs=2, batch_size=16), tiny_data, "other", queue=queue)
    assert other_shape.expected_seconds is None
    per_step = queue.pace.seconds(jobs.step_shape(config), 1)
    assert per_step > 0 and again.expected_seconds == pytest.approx(2 * steps * per_step)
    gate.set()
    assert again.wait(WAIT) and other_shape.wait(WAIT)


def test_until_a_run_of_its_shape_completes_a_training_job_is_estimated_at_the_pace_of_the_one_under_way(
        queue, tiny_data, monkeypatch):
    gate = threading.Event()

    def slow_train(config, data, on_progress, should_stop, **options):
        on_progress(Progress(0, config.epochs, 10, 100, 0.5, 2.0, 18.0, ()))  # 10 steps in 2 s: 0.2 s a step
        while not gate.wait(0.01) and not should_stop():
            pass
        return jobs.failed_run(config, "stopped", None)  # not completed: no whole-run sample

    monkeypatch.setattr(engine, "train", slow_train)
    config = RunConfig(epochs=2, batch_size=32)
    first = jobs.submit_training(config, tiny_data, "first", queue=queue, owner="a")
    second = jobs.submit_training(config, tiny_data, "second", queue=queue, owner="b")
    while first.progress is None:
        first.wait(0.01)
    steps = jobs.training_steps(config, tiny_data)
    assert second.expected_seconds == pytest.approx(0.2 * steps)
    assert second.starts_in == 18.0  # the running job's own eta
    gate.set()
    assert second.wait(WAIT)


def test_the_default_queue_is_one_per_process():
    assert jobs.default_queue() is jobs.default_queue()


@pytest.mark.slow  # a fresh interpreter importing torch: seconds
def test_the_library_never_imports_streamlit():
    code = ("import sys, mnistlab, mnistlab.jobs, mnistlab.plots, mnistlab.server_settings; "
            "print('streamlit' in sys.modules)")
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert child.stdout.strip() == "False"


@pytest.mark.parametrize("cores, workers", [(1, 1), (2, 2), (3, 3), (16, 16)])
def test_the_embedded_cluster_has_one_worker_per_usable_core(cores, workers, monkeypatch):
    assert engine.worker_count(cores) == workers
    monkeypatch.setattr(engine, "usable_cores", lambda: cores)
    assert engine.worker_count() == workers


def test_runs_trained_two_at_once_are_bit_identical_to_their_one_worker_twins(queue, two, tiny_data):
    configs = [RunConfig(epochs=2, batch_size=32, seed=seed, dropout=0.2) for seed in (1, 2)]
    alone = [jobs.submit_training(config, tiny_data, "alone", queue) for config in configs]
    together = [jobs.submit_training(config, tiny_data, "together", two) for config in configs]
    assert all(job.wait(WAIT) for job in alone + together)
    for one, other in zip(alone, together):
        weights = zip(one.result.model.state_dict().values(), other.result.model.state_dict().values())
        assert all(torch.equal(a, b) for a, b in weights)
        assert one.result.test_accuracy == other.result.test_accuracy


def test_the_embedded_cluster_reads_the_servers_own_data_set_not_a_copy(tiny_data):
    assert engine.DataRef.of(tiny_data).resolve() is tiny_data


def test_a_running_runs_time_left_is_its_eta_plus_the_tail_its_kind_of_run_had_after_its_steps(
        queue, tiny_data, monkeypatch):
    gate = threading.Event()

    def slow_train(config, data, on_progress, should_stop, **options):
        on_progress(Progress(0, config.epochs, 10, 100, 0.5, 2.0, 18.0, ()))  # its steps to come: 18 s
        while not gate.wait(0.01) and not should_stop():
            pass
        return jobs.failed_run(config, "stopped", None)

    monkeypatch.setattr(engine, "train", slow_train)
    config = RunConfig(epochs=2, batch_size=32)
    queue.pace.record(jobs.step_shape(config), 30.0, 100, tail=4.0)  # a run of its kind: validation and test, 4 s
    job = jobs.submit_training(config, tiny_data, "running", queue=queue)
    while job.progress is None:
        job.wait(0.01)
    assert job.remaining_seconds == 22.0
    gate.set()
    assert job.wait(WAIT)
