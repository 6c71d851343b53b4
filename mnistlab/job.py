"""A job's handle: its outcome as a concurrent.futures Future (settled by the engine's future), its latest
progress, Stop, abandonment and its place and estimates (asked of its queue)."""
from __future__ import annotations

import concurrent.futures
import math
import numbers
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Hashable

if TYPE_CHECKING:
    from .engine import Task
    from .jobs import Estimate, JobQueue, OnFailure, Work

QUEUED, RUNNING, DONE = "queued", "running", "done"


class Job:
    """A handle on queued work: its place while it waits; its engine future, progress and Stop while it runs; its
    outcome in `future` (a concurrent.futures.Future, cancelled when stopped before it started)."""

    def __init__(self, job_id: int, work: Work, label: str, on_failure: OnFailure | None, queue: "JobQueue",
                 abandon_after: float | None = None, owner: Hashable | None = None,
                 estimate: float | Estimate | None = None, lecturer: bool = False):
        self.id, self.label, self.owner, self.lecturer = job_id, label, owner, lecturer
        self.work, self.on_failure, self.queue, self._estimate = work, on_failure, queue, estimate
        self.future: concurrent.futures.Future = concurrent.futures.Future()
        self.task: Task | None = None  # on a worker: its Dask future (task.future) and its line to the worker
        self.error: str | None = None  # set when the work raised; result then comes from on_failure
        self.traceback: str | None = None
        self.submitted, self.started, self.finished = time.time(), None, None
        self.progress: Any = None  # the latest snapshot the work reported (a training Progress for training jobs)
        self.on_snapshot: Callable[[Any], None] | None = None
        # tail() -> the seconds a run of its kind holds its worker after its last step (its last validation, its
        # test, the engine's own time), which an eta from its steps leaves out; None when unknown.
        self.tail: Callable[[], float | None] | None = None
        self.stop_event = threading.Event()
        # A job whose owner stops calling touch() (a closed browser tab) gives its place up after this many seconds.
        self.abandon_after = abandon_after
        self._seen = time.monotonic()

    @property
    def state(self) -> str:
        return DONE if self.future.done() else RUNNING if self.future.running() else QUEUED

    @property
    def result(self) -> Any:
        """What the work returned (or on_failure made of its failure); None while under way, cancelled or failed
        without on_failure."""
        if not self.future.done() or self.future.cancelled() or self.future.exception() is not None:
            return None
        return self.future.result()

    cancelled = property(lambda self: self.future.cancelled(), doc="Stopped before it started: no result.")
    failed = property(lambda self: self.error is not None)
    stopped = property(lambda self: self.stop_event.is_set())

    def report(self, snapshot: Any) -> None:
        self.progress = snapshot
        if self.on_snapshot is not None and snapshot is not None:
            self.on_snapshot(snapshot)

    def stop(self) -> None:
        """Ask the work to end at its next check; a job still waiting is cancelled at once."""
        self.stop_event.set()
        if not self.queue.cancel(self) and self.task is not None and not self.future.done():
            self.task.stop()

    def touch(self) -> None:
        """Say that someone still waits for this job (see abandon_after)."""
        self._seen = time.monotonic()

    @property
    def abandoned(self) -> bool:
        return self.abandon_after is not None and time.monotonic() - self._seen > self.abandon_after

    def should_stop(self) -> bool:
        return self.stop_event.is_set() or self.abandoned

    position = property(lambda self: self.queue.position(self), doc="0 running, n ≥ 1 n-th to start, None done.")
    starts_in = property(lambda self: self.queue.starts_in(self), doc="Seconds until a worker takes it (estimated).")

    @property
    def expected_seconds(self) -> float | None:
        """How long the work should take in all, from its estimate; None when unknown."""
        value = self._estimate() if callable(self._estimate) else self._estimate
        return None if value is None else max(float(value), 0.0)

    @property
    def remaining_seconds(self) -> float | None:
        """How long the work should still take: while it runs, its own eta (its steps to come at its pace so far) plus
        the tail of its kind of run; before, its estimate less the time it has run; None when unknown."""
        eta = getattr(self.progress, "eta", None)
        if self.state == RUNNING and isinstance(eta, numbers.Real) and math.isfinite(eta):
            return max(float(eta), 0.0) + ((self.tail() if self.tail else None) or 0.0)
        expected = self.expected_seconds
        return None if expected is None else max(expected - (time.time() - (self.started or time.time())), 0.0)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job is done; False on timeout."""
        return bool(concurrent.futures.wait([self.future], timeout).done)

    def __repr__(self) -> str:
        return f"Job({self.id}, {self.label!r}, {self.state})"
