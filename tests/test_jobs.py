"""The job queue: order and positions, stop while waiting or running, a failure that keeps its history."""
import subprocess
import sys
import threading

import pytest

from mnistlab import jobs
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


@pytest.fixture
def queue():
    return jobs.JobQueue()


def test_jobs_run_one_at_a_time_in_order_and_report_their_positions(queue):
    order, gate = [], threading.Event()
    first, second, third = (queue.submit(gated(order, name, gate), name) for name in ("a", "b", "c"))
    while first.state != jobs.RUNNING:
        first.wait(0.01)
    assert [first.position, second.position, third.position] == [0, 1, 2]
    assert (second.state, third.state) == (jobs.QUEUED, jobs.QUEUED)
    assert order == ["a"]  # the others wait: one worker
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
    assert job.wait(WAIT)  # the gate never opens: only abandonment ends it
    assert order == ["partial"] and job.result == "partial" and not job.stopped


def test_a_failing_training_job_becomes_a_failed_run_with_its_history_and_the_worker_goes_on(queue, monkeypatch):
    row = {"epoch": 1.0, "train_loss": 0.5, "train_accuracy": 80.0, "val_loss": 0.6, "val_accuracy": 78.0,
           "seconds": 1.0}

    def broken_train(config, data, on_progress, should_stop, **options):
        on_progress(Progress(1, 3, 10, 30, 0.4, 2.0, 4.0, (row,)))
        raise RuntimeError("out of memory")

    monkeypatch.setattr(jobs, "train", broken_train)
    config = RunConfig(epochs=3)
    failed = jobs.submit_training(config, None, "broken", queue=queue)
    after = queue.submit(lambda on_progress, should_stop: "still serving", "next")
    assert after.wait(WAIT)
    assert failed.failed and "out of memory" in failed.error
    run = failed.result
    assert run.status == "failed" and "out of memory" in run.message
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


def test_the_worker_ends_when_the_queue_is_empty_and_a_new_job_starts_another(queue):
    # A worker kept alive would keep its OpenMP threads, which slow every later run's second thread 1.6x.
    first = queue.submit(lambda on_progress, should_stop: threading.current_thread(), "first")
    assert first.wait(WAIT)
    first.result.join(WAIT)
    assert not first.result.is_alive()
    second = queue.submit(lambda on_progress, should_stop: threading.current_thread(), "second")
    assert second.wait(WAIT)
    assert second.result is not first.result


def test_the_default_queue_is_one_per_process():
    assert jobs.default_queue() is jobs.default_queue()


@pytest.mark.slow
def test_the_library_never_imports_streamlit():
    code = "import sys, mnistlab, mnistlab.jobs, mnistlab.plots; print('streamlit' in sys.modules)"
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert child.stdout.strip() == "False"
