"""What no engine has: turns between owners (sessions), the lecturer first, places and estimates. The work itself runs
on Dask (mnistlab.engine): K runs at once on the embedded cluster, or on a real one; a job's outcome is a
concurrent.futures Future that the engine's future settles."""
from __future__ import annotations

import heapq
import itertools
import threading
import time
import traceback
from collections import OrderedDict, deque
from typing import Any, Callable, Hashable

from .config import RunConfig
from .data import Dataset
from .engine import DataRef, Engine, TrainingTask, default_engine
from .job import DONE, QUEUED, RUNNING, Job  # noqa: F401  (the states, for the pages)
from .messages import failed
from .pace import Pace, step_shape, training_steps  # noqa: F401  (estimates, for the pages and bench)
from .runs import Run


# work(on_progress, should_stop) -> result; on_failure(message, last_snapshot) -> the result of a failed job.
Work = Callable[[Callable[[Any], None], Callable[[], bool]], Any]
OnFailure = Callable[[str, Any], Any]
# estimate() -> the seconds a job's work should take, or None when nothing measured yet says.
Estimate = Callable[[], "float | None"]
# Owners remembered for the round-robin: the least recently served are forgotten first (they would come first anyway).
REMEMBERED_OWNERS = 4096


class JobQueue:
    """Jobs handed to the engine's K workers, as many at once as it has free, taken in turns between owners.

    Next goes the lecturer's oldest waiting job, else the first waiting job of the owner served least recently (an
    owner never served first; ties by submission). So a session's second job waits behind every other session's
    first, and first in, first out within one owner. Jobs without an owner count as owners of their own.
    """

    def __init__(self, engine: Engine | None = None):
        self._engine = engine
        self._lock = threading.Lock()
        self._lecturer: deque[Job] = deque()
        self._waiting: dict[Hashable, deque[Job]] = {}  # owner -> its waiting jobs, oldest first
        self._served: OrderedDict[Hashable, int] = OrderedDict()  # owner -> turn of its latest start, oldest first
        self._turns, self._ids = itertools.count(1), itertools.count(1)
        self._running: list[Job] = []
        self.pace = Pace()  # seconds per training step, measured on the runs this queue serves

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = default_engine()
        return self._engine

    def workers(self) -> int:
        """How many runs the engine trains at once."""
        return max(self.engine.slots(), 1)

    def submit(self, work: Work, label: str, on_failure: OnFailure | None = None, abandon_after: float | None = None,
               *, owner: Hashable | None = None, estimate: float | Estimate | None = None,
               lecturer: bool = False) -> Job:
        """Queue work(on_progress, should_stop) for owner; returns its Job at once. estimate: the seconds the work
        should take (or a function giving them), for the start times of the jobs behind it. A lecturer's job goes
        before every other's, to the next free worker."""
        with self._lock:
            job = Job(next(self._ids), work, label, on_failure, self, abandon_after, owner, estimate, lecturer)
            waiting = self._lecturer if lecturer else self._waiting.setdefault(self._turn_key(job), deque())
            waiting.append(job)
        self._dispatch()
        return job

    @staticmethod
    def _turn_key(job: Job) -> Hashable:
        return ("job", job.id) if job.owner is None else ("owner", job.owner)

    def order(self) -> list[Job]:
        """The waiting jobs in the order they will start, as things stand now."""
        with self._lock:
            return self._order_locked()

    def _order_locked(self) -> list[Job]:
        turn = next(self._turns)  # replay the turns to come, above every turn given so far
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
        return order

    def position(self, job: Job) -> int | None:
        with self._lock:
            if job in self._running:
                return 0
            order = self._order_locked()
        return order.index(job) + 1 if job in order else None

    def starts_in(self, job: Job) -> float | None:
        """Seconds until a worker takes job: each of the K workers free once its run ends (its time left), then each
        job ahead goes to the first one free for its estimate. 0 once running, None when done or anything is unknown."""
        with self._lock:
            if job in self._running:
                return 0.0
            order, running = self._order_locked(), list(self._running)
        if job not in order:
            return None
        return self._simulate(running, [other.expected_seconds for other in order[:order.index(job)]])

    def finish_in(self, seconds: list[float]) -> float | None:
        """When work of these durations, queued now behind every job, would all be done (K workers)."""
        with self._lock:
            order, running = self._order_locked(), list(self._running)
        return self._simulate(running, [other.expected_seconds for other in order], list(seconds))

    def idle_makespan(self, seconds: list[float]) -> float:
        """How long work of these durations takes on K idle workers, each taking the next when it frees."""
        return self._simulate([], [], list(seconds))

    def _simulate(self, running: list[Job], ahead: list, then: list | None = None) -> float | None:
        """K workers, free once their runs end (their time left); each job ahead, then each of `then`, goes to the
        first one free. When the last of `ahead` has gone: the next start; with `then`: when the last ends."""
        free = [job.remaining_seconds for job in running]
        if any(part is None for part in free + ahead):
            return None
        workers = self.workers()
        free = sorted(free + [0.0] * max(workers - len(free), 0))[:workers]
        heapq.heapify(free)
        for seconds in ahead + (then or []):
            heapq.heapreplace(free, free[0] + seconds)
        return free[0] if then is None else max(free)

    def owned(self, owner: Hashable) -> int:
        """How many of owner's jobs are running or waiting: what a cap on runs per session counts."""
        with self._lock:
            waiting = len(self._waiting.get(("owner", owner), ())) + sum(j.owner == owner for j in self._lecturer)
            return waiting + sum(job.owner == owner for job in self._running)

    def cancel(self, job: Job) -> bool:
        """Take a waiting job out of the queue and cancel its future; False for a running or finished job."""
        with self._lock:
            waiting = self._lecturer if job.lecturer else self._waiting.get(self._turn_key(job))
            if waiting is None or job not in waiting:
                return False
            waiting.remove(job)
            if not waiting and not job.lecturer:
                del self._waiting[self._turn_key(job)]
        return _cancel(job)

    @property
    def busy(self) -> int:
        """How many jobs are running or waiting."""
        with self._lock:
            return len(self._lecturer) + sum(map(len, self._waiting.values())) + len(self._running)

    def _take_next_locked(self) -> Job:
        if self._lecturer:
            return self._lecturer.popleft()
        key = min(self._waiting, key=lambda owner: (self._served.get(owner, 0), self._waiting[owner][0].id))
        jobs = self._waiting[key]
        job = jobs.popleft()
        if not jobs:
            del self._waiting[key]
        self._served[key] = next(self._turns)
        self._served.move_to_end(key)
        if len(self._served) > REMEMBERED_OWNERS:
            self._served.popitem(last=False)
        return job

    def _dispatch(self) -> None:
        """Hand waiting jobs to the engine while it has free workers."""
        slots, starting, dropped = self.workers(), [], []
        with self._lock:
            while len(self._running) < slots and (self._lecturer or self._waiting):
                job = self._take_next_locked()
                if job.should_stop() or not job.future.set_running_or_notify_cancel():
                    dropped.append(job)  # abandoned while it waited: nobody would read its result
                    continue
                job.started = time.time()
                self._running.append(job)
                starting.append(job)
        for job in dropped:
            _cancel(job)
        for job in starting:
            job.task = self.engine.start(job.work, job.report, job.should_stop,
                                         lambda task, result, error, job=job: self._settle(job, result, error))

    def _settle(self, job: Job, result: Any, error: BaseException | None) -> None:
        """The job's work ended: its future takes the result, or on_failure's record of the error; the freed worker
        takes the next job."""
        if error is not None:
            job.error = f"{type(error).__name__}: {error}"
            job.traceback = "".join(traceback.format_exception(error))
            if job.on_failure is not None:
                try:
                    result = job.on_failure(job.error, job.progress)
                except Exception as second:
                    job.error += f" (and recording the failure raised {type(second).__name__}: {second})"
        with self._lock:
            self._running.remove(job)
        job.finished = time.time()
        if error is not None and job.on_failure is None:
            job.future.set_exception(error)
        else:
            job.future.set_result(result)
        self._dispatch()


def _cancel(job: Job) -> bool:
    """Cancel a job that never started; its waiters are told (concurrent.futures counts a cancelled future as done
    only once notified)."""
    job.finished = time.time()
    cancelled = job.future.cancel()
    job.future.set_running_or_notify_cancel()
    return cancelled


_default_queue = JobQueue()  # made at import: its engine (the costly part) is made at its first job


def default_queue() -> JobQueue:
    """The process-wide queue that every session shares."""
    return _default_queue


def submit(work: Work, label: str, on_failure: OnFailure | None = None, queue: JobQueue | None = None,
           abandon_after: float | None = None, *, owner: Hashable | None = None,
           estimate: float | Estimate | None = None, lecturer: bool = False) -> Job:
    """Queue work on the process-wide queue (or the given one), for owner (a session's key)."""
    return (queue or default_queue()).submit(work, label, on_failure, abandon_after, owner=owner, estimate=estimate,
                                             lecturer=lecturer)


def submit_training(config: RunConfig, data: Dataset, label: str, queue: JobQueue | None = None,
                    progress_interval: float | None = None, abandon_after: float | None = None, *,
                    owner: Hashable | None = None, lecturer: bool = False) -> Job:
    """Queue train(config, data); the job's progress is a training Progress and its result a Run (a failed one when
    training raised). Its estimate: its steps at the pace the queue measured on runs of the same shape (see Pace)."""
    queue = queue or default_queue()
    shape, steps = step_shape(config), training_steps(config, data)

    def estimate() -> float | None:
        return None if steps is None else queue.pace.seconds(shape, steps)

    def on_failure(message: str, progress) -> Run:
        return failed_run(config, message, progress)

    paced = {}  # the run's pace in its last snapshot before its last step (s a step, validations so far included)

    def observe(progress) -> None:
        if progress.step:
            queue.pace.observe(shape, progress.elapsed / progress.step)
            if progress.step < progress.steps:
                paced["per_step"] = progress.elapsed / progress.step

    def record_pace(_) -> None:
        """A completed run's time on its worker, handed over to handed back (what the starts behind it wait for:
        its training, and the engine's own seconds around it), and the part of it after its steps at their pace; a
        stopped run's says nothing of a whole run's."""
        if steps and isinstance(job.result, Run) and job.result.status == "completed" and job.started:
            held = job.finished - job.started
            tail = held - paced["per_step"] * steps if "per_step" in paced else None
            queue.pace.record(shape, held, steps, tail)

    job = queue.submit(TrainingTask(config, data and DataRef.of(data), progress_interval), label, on_failure,
                       abandon_after, owner=owner, estimate=estimate, lecturer=lecturer)
    job.on_snapshot, job.tail = observe, lambda: queue.pace.tail(shape)
    job.future.add_done_callback(record_pace)
    return job


def failed_run(config: RunConfig, message: str, progress) -> Run:
    """The run of a training that raised: the epochs it finished and what went wrong."""
    history = [] if progress is None else list(progress.history)
    elapsed = 0.0 if progress is None else progress.elapsed
    return Run(config, history, "failed", failed(message), seconds=elapsed)
