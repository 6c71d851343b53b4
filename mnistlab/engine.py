"""Where runs execute: Dask distributed, an in-process cluster of K threads by default, a scheduler when named.

The server's process holds one read-only data set; the embedded cluster's workers are threads of that process and
train on it as it is. A real cluster's workers (MNISTLAB_SCHEDULER=tcp://host:8786) each load it once from their own
MNISTLAB_DATA_DIR. Either way a task reports progress and hears Stop through the scheduler (a Variable and an Event
per task), so both take the same path.
"""
from __future__ import annotations

import atexit
import logging
import os
import pickle
import threading
import time
import uuid
import weakref
from dataclasses import dataclass
from typing import Any, Callable

from .config import RunConfig
from .cpu import usable_cores
from .data import Dataset, load_dataset
from .runs import Run
from .training import train

SCHEDULER_SETTING = "MNISTLAB_SCHEDULER"
READ_EVERY = 0.25  # seconds between the client's reads of a running task's progress: the pages redraw every 0.5 s
# Dask's scheduler and workers always serve HTTP (health, metrics); the embedded ones on this machine only.
LOCAL_HTTP = "127.0.0.1:0"
# The embedded cluster shares the server's cores and GIL with its pages: no sampling profiler and a rarer system
# monitor, both kept for dashboards nobody opens on it (BENCHMARKS.md, "Workers").
EMBEDDED_CLUSTER = {"distributed.worker.profile.enabled": False, "distributed.admin.system-monitor.interval": "10s"}
SLOTS_FOR = 1.0  # seconds a real cluster's count of worker threads is reused (every waiting run's estimate asks it)
STOP_POLL = 0.2  # seconds between a task's checks of its Stop event: Stop is heard within a step plus this


def worker_count(cores: int | None = None) -> int:
    """The runs an embedded cluster trains at once: one per usable core (affinity and cgroup quota), none left to a
    laptop's browser (one-thread runs share a core with it without stalling: BENCHMARKS.md, "Workers"); each run on
    one intra-op thread, so that its bits never depend on how many others run beside it."""
    return max(1, usable_cores() if cores is None else cores)


@dataclass(frozen=True)
class DataRef:
    """A data set as a task names it: the server's own copy when the task runs in its process, else the worker's
    copy loaded from the worker's data folder (once per worker), checked to hold as many rows."""

    name: str
    rows: tuple[int, int]  # train, test
    local_id: tuple[int, int] | None = None  # (process, object id) of the server's copy

    @classmethod
    def of(cls, data: Dataset) -> "DataRef":
        key = (os.getpid(), id(data))
        _shared[key] = data
        return cls(data.name, (len(data.train_y), len(data.test_y)), key)

    def resolve(self) -> Dataset:
        data = _shared.get(self.local_id) if self.local_id is not None else None
        if data is not None:
            return data
        with _loaded_lock:
            data = _loaded.get(self.name)
            if data is None:
                data = _loaded[self.name] = load_dataset(self.name, download=False)
        if (len(data.train_y), len(data.test_y)) != self.rows:
            raise RuntimeError(f"this worker's {self.name} has {len(data.train_y)} + {len(data.test_y)} images, the "
                               f"server's {self.rows[0]} + {self.rows[1]}: give every worker the server's data folder")
        return data


_shared: "weakref.WeakValueDictionary[tuple[int, int], Dataset]" = weakref.WeakValueDictionary()
_loaded: dict[str, Dataset] = {}  # a worker process's own copies, by data set name
_loaded_lock = threading.Lock()
_local_work: dict[str, Callable] = {}  # work handed by reference to the embedded cluster (it shares this process)
# The engine's own client, for the embedded cluster's tasks to report through: a worker's client of its own would poll
# the scheduler every 2 s and outlive the cluster's close (tracebacks at every process's exit).
_local_clients: dict[str, Any] = {}


class Channel:
    """A task's line to the client: its latest progress snapshot (a Variable) and its Stop (an Event)."""

    def __init__(self, name: str, client=None):
        # imported at the first run, not with the app: an idle server would hold its memory for nothing
        from distributed import Event, Variable

        self.name = name
        self._snapshot = Variable(f"{name}-progress", client=client)
        self._stop = Event(f"{name}-stop", client=client)
        self._checked, self._stopped = 0.0, False

    def report(self, snapshot: Any) -> None:
        """Worker side: publish the latest snapshot."""
        self._snapshot.set(pickle.dumps(snapshot))

    def should_stop(self) -> bool:
        """Worker side: whether Stop was asked, looked up at most every STOP_POLL seconds."""
        now = time.monotonic()
        if not self._stopped and now - self._checked >= STOP_POLL:
            self._checked, self._stopped = now, self._stop.is_set()
        return self._stopped

    def open(self) -> None:
        """Client side, before the task starts: no snapshot yet, no Stop."""
        self._snapshot.set(pickle.dumps(None))

    def latest(self) -> Any:
        """Client side: the latest snapshot, None before the first."""
        return pickle.loads(self._snapshot.get(timeout=5))

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        """Client side, once the task has ended: forget its snapshot and Stop on the scheduler."""
        self._snapshot.delete()
        self._stop.clear()


def perform(work: Callable | str, channel: str) -> Any:
    """What a worker runs: work(on_progress, should_stop), talking to the client through the channel."""
    work = _local_work.pop(work) if isinstance(work, str) else work
    line = Channel(channel, _local_clients.pop(channel, None))
    return work(line.report, line.should_stop)


class Task:
    """Work on a worker: its Dask future and its channel; the engine reads its progress while it runs."""

    def __init__(self, name: str, channel: Channel, on_snapshot: Callable[[Any], None],
                 should_stop: Callable[[], bool]):
        self.name, self.channel, self.on_snapshot, self.should_stop = name, channel, on_snapshot, should_stop
        self.future, self.stop_sent = None, False

    def read(self) -> None:
        """Pass the latest snapshot on, and Stop to the worker when should_stop() says so."""
        snapshot = self.channel.latest()
        if snapshot is not None:
            self.on_snapshot(snapshot)
        if self.should_stop() and not self.stop_sent:
            self.stop()

    def stop(self) -> None:
        self.stop_sent = True
        self.channel.stop()


class Engine:
    """A Dask client, and the embedded cluster it talks to unless a scheduler's address is given."""

    def __init__(self, address: str | None = None, workers: int | None = None):
        import dask
        from distributed import Client, LocalCluster  # see Channel

        self.address, self.cluster = address, None
        if address:
            self.client = Client(address, set_as_default=False, timeout="10 s")
        else:
            self.workers = workers or worker_count()
            with dask.config.set(EMBEDDED_CLUSTER):
                self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=False,
                                            dashboard_address=LOCAL_HTTP, worker_dashboard_address=LOCAL_HTTP,
                                            silence_logs=40)
            self.client = Client(self.cluster, set_as_default=False)
        self._lock = threading.Lock()
        self._slots_read = (-SLOTS_FOR - 1.0, 0)  # (when, how many) a real cluster's workers were last counted
        self._tasks: set[Task] = set()
        self._reader: threading.Thread | None = None

    @property
    def embedded(self) -> bool:
        return self.cluster is not None

    def slots(self) -> int:
        """How many tasks the workers run at once now (a real cluster's workers come and go; 0 once it is gone)."""
        if self.embedded:
            return self.workers
        now = time.monotonic()
        if now - self._slots_read[0] > SLOTS_FOR:
            try:
                self._slots_read = (now, sum(self.client.nthreads().values()))
            except Exception:  # the scheduler is unreachable: nothing more is started until it answers
                self._slots_read = (now, 0)
        return self._slots_read[1]

    def start(self, work: Callable, on_snapshot: Callable[[Any], None], should_stop: Callable[[], bool],
              on_end: Callable[[Task, Any, BaseException | None], None]) -> Task:
        """Run work(on_progress, should_stop) on a free worker; on_end(task, result, error) once it has ended.

        In the embedded cluster any callable goes by reference; a real cluster's workers get it pickled (a
        `portable` one is pickled for both)."""
        name = f"mnistlab-{uuid.uuid4().hex}"
        task = Task(name, Channel(name, self.client), on_snapshot, should_stop)
        task.channel.open()
        if self.embedded:
            _local_clients[name] = self.client
        if self.embedded and not getattr(work, "portable", False):
            _local_work[name] = work
            work = name
        with self._lock:
            self._tasks.add(task)
            if self._reader is None:
                self._reader = threading.Thread(target=self._read, name="mnistlab-progress", daemon=True)
                self._reader.start()
        try:
            task.future = self.client.submit(perform, work, name, key=name, pure=False)
        except Exception as error:  # the work cannot be sent (a lost scheduler): the task ends with that error
            self._end(task, on_end, error)
        else:
            task.future.add_done_callback(lambda future: self._end(task, on_end))
        return task

    def _end(self, task: Task, on_end, error: BaseException | None = None) -> None:
        """The task's future ended (in Dask's callback thread): its last snapshot, its result or error, on_end."""
        with self._lock:
            self._tasks.discard(task)
        _local_clients.pop(task.name, None)  # a task that never ran leaves its entries behind
        _local_work.pop(task.name, None)
        try:
            task.read()
        except Exception:  # the last snapshot is a nicety: the outcome below counts
            pass
        result = None
        try:
            if error is None:
                result = task.future.result()
        except BaseException as raised:  # a failing run is an outcome, not the engine's end
            error = raised
        for cleanup in (task.channel.close, getattr(task.future, "release", lambda: None)):
            try:
                cleanup()
            except Exception:
                pass
        on_end(task, result, error)

    def _read(self) -> None:
        """While tasks run: read their progress every READ_EVERY seconds and pass Stop on."""
        while True:
            with self._lock:
                tasks = list(self._tasks)
                if not tasks:
                    self._reader = None
                    return
            for task in tasks:
                try:
                    task.read()
                except Exception:  # the scheduler is going away: the task's future says how it ends
                    continue
            time.sleep(READ_EVERY)

    def close(self) -> None:
        # Quiet while closing: the first embedded cluster closed gives Dask back its INFO logging, and a second one's
        # close would then print each comm it ends after every test and script.
        loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
                   if name == "distributed" or name.startswith("distributed.")]
        levels = [logger.level for logger in loggers]
        for logger in loggers:
            logger.setLevel(logging.CRITICAL)
        try:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()
        finally:
            for logger, level in zip(loggers, levels):
                logger.setLevel(level)


_default: Engine | None = None
_default_lock = threading.Lock()


def default_engine() -> Engine:
    """The process's engine, made on first use: MNISTLAB_SCHEDULER's cluster, else the embedded one."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Engine(os.environ.get(SCHEDULER_SETTING) or None)
            atexit.register(_default.close)  # before the interpreter's own teardown, which Dask's threads outlive
        return _default


@dataclass(frozen=True)
class TrainingTask:
    """train(config, data) as a task any worker can run: small to send, its data named by reference."""

    config: RunConfig
    data: DataRef | None
    progress_interval: float | None = None
    portable = True  # pickled even for the embedded cluster: the same path as to a real one

    def __call__(self, on_progress, should_stop) -> Run:
        options = {} if self.progress_interval is None else {"progress_interval": self.progress_interval}
        return train(self.config, self.data and self.data.resolve(), on_progress, should_stop, **options)
