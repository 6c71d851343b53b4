"""Work in a background thread: one process-wide queue with one worker, fair across owners (sessions), progress
snapshots, positions and estimated start times, stop, failures kept."""
from __future__ import annotations

import heapq
import itertools
import math
import numbers
import threading
import time
import traceback
from collections import OrderedDict, deque
from typing import Any, Callable, Hashable

from .config import RunConfig
from .data import DataError, Dataset, split_sizes
from .messages import failed
from .runs import Run
from .training import Progress, train

QUEUED, RUNNING, DONE = "queued", "running", "done"

# work(on_progress, should_stop) -> result; on_failure(message, last_snapshot) -> the result of a failed job.
Work = Callable[[Callable[[Any], None], Callable[[], bool]], Any]
OnFailure = Callable[[str, Any], Any]
# estimate() -> the seconds a job's work should take, or None when nothing measured yet says.
Estimate = Callable[[], "float | None"]
# Owners remembered for the round-robin: the least recently served are forgotten first (they would come first anyway).
REMEMBERED_OWNERS = 4096


class Job:
    """One piece of queued work: its state, latest progress snapshot, stop flag, and how it ended."""

    def __init__(self, job_id: int, work: Work, label: str, on_failure: OnFailure | None, queue: "JobQueue",
                 abandon_after: float | None = None, owner: Hashable | None = None,
                 estimate: float | Estimate | None = None, lecturer: bool = False):
        self.id = job_id
        self.lecturer = lecturer  # the lecturer's job starts before every other waiting job
        self.label = label
        self.owner = owner  # the session that queued it: the queue takes turns between owners
        self._estimate = estimate
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
        """0 while running, n ≥ 1 while n - 1 waiting jobs will start before it (in the queue's turn order, as things
        stand now: another session's first job, queued later, may still pass a session's second), None when done."""
        return self.queue.position(self)

    @property
    def expected_seconds(self) -> float | None:
        """How long the work should take in all, from its estimate; None when unknown."""
        value = self._estimate() if callable(self._estimate) else self._estimate
        return None if value is None else max(float(value), 0.0)

    @property
    def remaining_seconds(self) -> float | None:
        """How long the work should still take: its own eta while it reports one, else its estimate less the time it
        has run; None when unknown."""
        eta = getattr(self.progress, "eta", None)
        if self.state == RUNNING and isinstance(eta, numbers.Real) and math.isfinite(eta):
            return max(float(eta), 0.0)
        expected = self.expected_seconds
        if expected is None:
            return None
        ran = time.time() - self.started if self.started is not None else 0.0
        return max(expected - ran, 0.0)

    @property
    def starts_in(self) -> float | None:
        """Estimated seconds until it starts: the running job's remaining time plus the estimates of the jobs that
        start before it. 0 once running, None when done or when any of those is unknown."""
        return self.queue.starts_in(self)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job is done; False on timeout."""
        return self.done_event.wait(timeout)

    def __repr__(self) -> str:
        return f"Job({self.id}, {self.label!r}, {self.state})"


class JobQueue:
    """One job at a time (training on a 2-core CPU is faster serialised than shared), taken in turns between owners.

    The worker starts, next, the first waiting job of the owner served least recently (an owner never served first;
    ties by submission). So a session's second job waits behind every other session's first, and first in, first out
    within one owner. Jobs without an owner count as owners of their own.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._waiting: dict[Hashable, deque[Job]] = {}  # owner -> its waiting jobs, oldest first
        self._lecturer: deque[Job] = deque()  # the lecturer's waiting jobs, oldest first: they start before the others
        self._served: OrderedDict[Hashable, int] = OrderedDict()  # owner -> turn of its latest start, oldest first
        self._turns = itertools.count(1)
        self._order: list[Job] | None = None  # the waiting jobs in the order they will start; None: to recompute
        self._places: dict[int, int] = {}  # job id -> index in _order
        self._running: Job | None = None
        self._ids = itertools.count(1)
        self._worker: threading.Thread | None = None
        self.pace = Pace()  # seconds per training step, measured on the runs this queue serves

    def submit(self, work: Work, label: str, on_failure: OnFailure | None = None, abandon_after: float | None = None,
               *, owner: Hashable | None = None, estimate: float | Estimate | None = None,
               lecturer: bool = False) -> Job:
        """Queue work(on_progress, should_stop) for owner; returns its Job at once. estimate: the seconds the work
        should take (or a function giving them, None when unknown), for the start times of the jobs behind it.
        lecturer: the job starts before every waiting non-lecturer job (first in, first out among the lecturer's)."""
        with self._lock:
            job = Job(next(self._ids), work, label, on_failure, self, abandon_after, owner, estimate, lecturer)
            if lecturer:
                self._lecturer.append(job)
            else:
                self._waiting.setdefault(self._turn_key(job), deque()).append(job)
            self._order = None
            if self._worker is None:
                self._worker = threading.Thread(target=self._serve, name="mnistlab-jobs", daemon=True)
                self._worker.start()
        return job

    @staticmethod
    def _turn_key(job: Job) -> Hashable:
        return ("job", job.id) if job.owner is None else ("owner", job.owner)

    def order(self) -> list[Job]:
        """The waiting jobs in the order they will start, as things stand now."""
        with self._lock:
            return list(self._order_locked())

    def _order_locked(self) -> list[Job]:
        if self._order is None:  # replay the worker's choices on the waiting jobs, giving turns it has not yet given
            turn = next(self._turns)  # above every turn given so far (a gap in the count is harmless)
            heap = [(self._served.get(key, 0), jobs[0].id, key) for key, jobs in self._waiting.items()]
            heapq.heapify(heap)
            taken, order = dict.fromkeys(self._waiting, 0), list(self._lecturer)
            while heap:
                _, _, key = heapq.heappop(heap)
                jobs = self._waiting[key]
                order.append(jobs[taken[key]])
                taken[key] += 1
                if taken[key] < len(jobs):
                    turn += 1
                    heapq.heappush(heap, (turn, jobs[taken[key]].id, key))
            self._order, self._places = order, {job.id: index for index, job in enumerate(order)}
        return self._order

    def position(self, job: Job) -> int | None:
        with self._lock:
            if job is self._running:
                return 0
            self._order_locked()
            index = self._places.get(job.id)
            return None if index is None else index + 1

    def starts_in(self, job: Job) -> float | None:
        """See Job.starts_in."""
        with self._lock:
            if job is self._running:
                return 0.0
            order, running = self._order_locked(), self._running
            index = self._places.get(job.id)
            if index is None:
                return None
            ahead = order[:index]
        # Estimates are read outside the lock: they may take other locks (the pace's) and do arithmetic.
        parts = [running.remaining_seconds] if running is not None else []
        parts += [other.expected_seconds for other in ahead]
        return None if any(part is None for part in parts) else sum(parts)

    def owned(self, owner: Hashable) -> int:
        """How many of owner's jobs are running or waiting: what a cap on runs per session counts."""
        with self._lock:
            waiting = len(self._waiting.get(("owner", owner), ())) + sum(job.owner == owner for job in self._lecturer)
            return waiting + (self._running is not None and self._running.owner == owner)

    def cancel(self, job: Job) -> None:
        """Take a waiting job out of the queue and mark it done; a running or finished job is left alone."""
        with self._lock:
            key = self._turn_key(job)
            jobs = self._lecturer if job.lecturer else self._waiting.get(key)
            if jobs is None or job not in jobs:
                return
            jobs.remove(job)
            if not jobs and not job.lecturer:
                del self._waiting[key]
            self._order = None
        self._finish(job)

    @property
    def busy(self) -> int:
        """How many jobs are running or waiting."""
        with self._lock:
            return sum(map(len, self._waiting.values())) + len(self._lecturer) + (self._running is not None)

    def _take_next_locked(self) -> Job:
        """Remove and return the job that starts next: the lecturer's oldest, else the first of the owner served least
        recently."""
        if self._lecturer:
            self._order = None
            return self._lecturer.popleft()
        key = min(self._waiting, key=lambda owner: (self._served.get(owner, 0), self._waiting[owner][0].id))
        jobs = self._waiting[key]
        job = jobs.popleft()
        if not jobs:
            del self._waiting[key]
        self._order = None
        return job

    def _serve(self) -> None:
        while True:
            with self._lock:
                if not self._waiting and not self._lecturer:  # the worker ends, and with it its OpenMP threads;
                    # submit() starts another
                    self._worker = None
                    return
                job = self._take_next_locked()
                if job.should_stop():  # abandoned while it waited: nobody would read its result
                    self._finish(job)
                    continue
                key = self._turn_key(job)
                self._served[key] = next(self._turns)
                self._served.move_to_end(key)
                if len(self._served) > REMEMBERED_OWNERS:
                    self._served.popitem(last=False)
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


class Pace:
    """Seconds per training step of each shape (what sets a step's cost): the mean of its last few completed runs, or
    until one completes, the pace of the run of that shape under way (its steps only, not its validation).

    Measured on this machine while it serves, so an estimate says what this server does now, not a benchmark's
    figure; a shape never run yet has no estimate.
    """

    SAMPLES, SHAPES = 5, 256

    def __init__(self):
        self._lock = threading.Lock()
        self._samples: OrderedDict[Hashable, deque[float]] = OrderedDict()
        self._live: OrderedDict[Hashable, float] = OrderedDict()

    def record(self, shape: Hashable, seconds: float, steps: int) -> None:
        """A completed run of that shape took seconds for steps steps."""
        if steps <= 0 or not math.isfinite(seconds) or seconds < 0:
            return
        with self._lock:
            samples = self._samples.setdefault(shape, deque(maxlen=self.SAMPLES))
            samples.append(seconds / steps)
            self._samples.move_to_end(shape)
            if len(self._samples) > self.SHAPES:
                self._samples.popitem(last=False)
            self._live.pop(shape, None)

    def observe(self, shape: Hashable, seconds_per_step: float) -> None:
        """A run of that shape under way goes at this pace so far."""
        if not math.isfinite(seconds_per_step) or seconds_per_step <= 0:
            return
        with self._lock:
            self._live[shape] = seconds_per_step
            self._live.move_to_end(shape)
            if len(self._live) > self.SHAPES:
                self._live.popitem(last=False)

    def seconds(self, shape: Hashable, steps: int) -> float | None:
        """The estimated seconds of steps steps of that shape, None when no run of that shape has gone yet."""
        with self._lock:
            samples = self._samples.get(shape)
            per_step = sum(samples) / len(samples) if samples else self._live.get(shape)
            return None if per_step is None else steps * per_step


def step_shape(config: RunConfig) -> tuple:
    """What sets the cost of one training step (and its share of the per-epoch validation): not lr, seed, epochs."""
    return config.dataset, config.hidden, config.batch_size, config.batchnorm, config.dropout > 0, config.device, \
        config.slips


def training_steps(config: RunConfig, data: Dataset | None) -> int | None:
    """The optimizer steps a whole run takes, as train() counts them; None without data."""
    if data is None:
        return None
    try:
        n_train, _ = split_sizes(len(data.train_y), config.val_fraction)
    except DataError:  # a split train() refuses: it fails at once, nothing to estimate
        return None
    return config.epochs * math.ceil(n_train / config.batch_size)


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
           abandon_after: float | None = None, *, owner: Hashable | None = None,
           estimate: float | Estimate | None = None, lecturer: bool = False) -> Job:
    """Queue work on the process-wide queue (or the given one), for owner (a session's key); a lecturer's goes first."""
    return (queue or default_queue()).submit(work, label, on_failure, abandon_after, owner=owner, estimate=estimate,
                                             lecturer=lecturer)


def submit_training(config: RunConfig, data: Dataset, label: str, queue: JobQueue | None = None,
                    progress_interval: float | None = None, abandon_after: float | None = None, *,
                    owner: Hashable | None = None, lecturer: bool = False) -> Job:
    """Queue train(config, data); the job's progress is a training Progress and its result a Run. Its estimate: its
    steps at the pace the queue measured on runs of the same shape (see Pace)."""
    queue = queue or default_queue()
    options = {} if progress_interval is None else {"progress_interval": progress_interval}
    shape, steps = step_shape(config), training_steps(config, data)

    def work(on_progress, should_stop) -> Run:
        def report(progress: Progress) -> None:
            if progress.step:
                queue.pace.observe(shape, progress.elapsed / progress.step)
            on_progress(progress)

        start = time.perf_counter()
        run = train(config, data, report, should_stop, **options)
        if run.status == "completed" and steps is not None:  # a stopped run's time would not say a whole run's
            queue.pace.record(shape, time.perf_counter() - start, steps)
        return run

    def estimate() -> float | None:
        return None if steps is None else queue.pace.seconds(shape, steps)

    return queue.submit(work, label, lambda message, progress: failed_run(config, message, progress), abandon_after,
                        owner=owner, estimate=estimate, lecturer=lecturer)


def failed_run(config: RunConfig, message: str, progress: Progress | None) -> Run:
    """The run of a training that raised: the epochs it finished and what went wrong."""
    history = [] if progress is None else list(progress.history)
    elapsed = 0.0 if progress is None else progress.elapsed
    return Run(config, history, "failed", failed(message), seconds=elapsed)
