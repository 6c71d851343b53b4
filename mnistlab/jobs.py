"""Work in a background thread: one process-wide queue with one worker, progress snapshots, stop, failures kept."""
from __future__ import annotations

import itertools
import threading
import time
import traceback
from collections import deque
from typing import Any, Callable

from .config import RunConfig
from .data import Dataset
from .runs import Run
from .training import Progress, train

QUEUED, RUNNING, DONE = "queued", "running", "done"

# work(on_progress, should_stop) -> result; on_failure(message, last_snapshot) -> the result of a failed job.
Work = Callable[[Callable[[Any], None], Callable[[], bool]], Any]
OnFailure = Callable[[str, Any], Any]


class Job:
    """One piece of queued work: its state, latest progress snapshot, stop flag, and how it ended."""

    def __init__(self, job_id: int, work: Work, label: str, on_failure: OnFailure | None, queue: "JobQueue",
                 abandon_after: float | None = None):
        self.id = job_id
        self.label = label
        self.work = work
        self.on_failure = on_failure
        self.queue = queue
        self.state = QUEUED
        self.result: Any = None
        self.error: str | None = None  # set when the work raised; result then comes from on_failure
        self.traceback: str | None = None
        self.submitted = time.time()
        self.started: float | None = None
        self.finished: float | None = None
        self.stop_event = threading.Event()
        self.done_event = threading.Event()
        self._lock = threading.Lock()
        self._progress: Any = None
        # A job whose owner stops calling touch() (a closed browser tab) gives its place up after this many seconds.
        self.abandon_after = abandon_after
        self._seen = time.monotonic()

    @property
    def progress(self) -> Any:
        """The latest snapshot the work reported (a training Progress for training jobs), or None."""
        with self._lock:
            return self._progress

    def report(self, snapshot: Any) -> None:
        """Called from the worker thread with each progress snapshot."""
        with self._lock:
            self._progress = snapshot

    def stop(self) -> None:
        """Ask the work to end at its next check; a job still waiting is cancelled at once."""
        self.stop_event.set()
        self.queue.cancel(self)

    @property
    def stopped(self) -> bool:
        return self.stop_event.is_set()

    def touch(self) -> None:
        """Say that someone still waits for this job (see abandon_after)."""
        self._seen = time.monotonic()

    @property
    def abandoned(self) -> bool:
        return self.abandon_after is not None and time.monotonic() - self._seen > self.abandon_after

    def should_stop(self) -> bool:
        """What the work polls: stopped by its owner, or abandoned by it."""
        return self.stop_event.is_set() or self.abandoned

    @property
    def cancelled(self) -> bool:
        """Stopped before it started: nothing was done and result is None."""
        return self.state == DONE and self.started is None

    @property
    def failed(self) -> bool:
        return self.error is not None

    @property
    def position(self) -> int | None:
        """0 while running, n ≥ 1 while waiting behind n - 1 jobs and the running one, None when done."""
        return self.queue.position(self)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job is done; False on timeout."""
        return self.done_event.wait(timeout)

    def __repr__(self) -> str:
        return f"Job({self.id}, {self.label!r}, {self.state})"


class JobQueue:
    """First in, first out, one job at a time: training on a 2-core CPU is faster serialised than shared."""

    def __init__(self):
        self._lock = threading.Lock()
        self._waiting: deque[Job] = deque()
        self._running: Job | None = None
        self._ids = itertools.count(1)
        self._worker: threading.Thread | None = None

    def submit(self, work: Work, label: str, on_failure: OnFailure | None = None,
               abandon_after: float | None = None) -> Job:
        """Queue work(on_progress, should_stop); returns its Job at once."""
        with self._lock:
            job = Job(next(self._ids), work, label, on_failure, self, abandon_after)
            self._waiting.append(job)
            if self._worker is None:
                self._worker = threading.Thread(target=self._serve, name="mnistlab-jobs", daemon=True)
                self._worker.start()
        return job

    def position(self, job: Job) -> int | None:
        with self._lock:
            if job is self._running:
                return 0
            try:
                return self._waiting.index(job) + 1
            except ValueError:
                return None

    def cancel(self, job: Job) -> None:
        """Take a waiting job out of the queue and mark it done; a running or finished job is left alone."""
        with self._lock:
            if job not in self._waiting:
                return
            self._waiting.remove(job)
        self._finish(job)

    @property
    def busy(self) -> int:
        """How many jobs are running or waiting."""
        with self._lock:
            return len(self._waiting) + (self._running is not None)

    def _serve(self) -> None:
        while True:
            with self._lock:
                if not self._waiting:  # the worker ends, and with it its OpenMP threads; submit() starts another
                    self._worker = None
                    return
                job = self._waiting.popleft()
                if job.should_stop():  # abandoned while it waited: nobody would read its result
                    self._finish(job)
                    continue
                self._running = job
                job.state, job.started = RUNNING, time.time()
            try:
                job.result = job.work(job.report, job.should_stop)
            except Exception as error:  # the worker outlives any job: the failure is the job's result
                job.error = f"{type(error).__name__}: {error}"
                job.traceback = traceback.format_exc()
                if job.on_failure is not None:
                    try:
                        job.result = job.on_failure(job.error, job.progress)
                    except Exception as second:
                        job.error += f" (and recording the failure raised {type(second).__name__}: {second})"
            with self._lock:
                self._running = None
            self._finish(job)

    @staticmethod
    def _finish(job: Job) -> None:
        job.finished = time.time()
        job.state = DONE
        job.done_event.set()


_default_queue: JobQueue | None = None
_default_lock = threading.Lock()


def default_queue() -> JobQueue:
    """The process-wide queue that every session shares, created on first use."""
    global _default_queue
    with _default_lock:
        if _default_queue is None:
            _default_queue = JobQueue()
        return _default_queue


def submit(work: Work, label: str, on_failure: OnFailure | None = None, queue: JobQueue | None = None,
           abandon_after: float | None = None) -> Job:
    """Queue work on the process-wide queue (or the given one)."""
    return (queue or default_queue()).submit(work, label, on_failure, abandon_after)


def submit_training(config: RunConfig, data: Dataset, label: str, queue: JobQueue | None = None,
                    progress_interval: float | None = None, abandon_after: float | None = None) -> Job:
    """Queue train(config, data); the job's progress is a training Progress and its result a Run."""
    options = {} if progress_interval is None else {"progress_interval": progress_interval}

    def work(on_progress, should_stop) -> Run:
        return train(config, data, on_progress, should_stop, **options)

    return submit(work, label, lambda message, progress: failed_run(config, message, progress), queue, abandon_after)


def failed_run(config: RunConfig, message: str, progress: Progress | None) -> Run:
    """The run of a training that raised: the epochs it finished and what went wrong."""
    history = [] if progress is None else list(progress.history)
    elapsed = 0.0 if progress is None else progress.elapsed
    return Run(config, history, "failed", f"Training failed: {message}", seconds=elapsed)
