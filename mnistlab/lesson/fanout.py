"""A lesson on the queue: each of its runs its own job, taking turns with other sessions' runs, K at once; one handle
that reads like a job (state, progress, place, time left, Stop) and whose result is the Lesson."""
from __future__ import annotations

import concurrent.futures
import math
from typing import Callable, Hashable

from .. import jobs
from ..data import Dataset, split_sizes
from ..messages import lesson_stopped
from ..pace import step_shape, training_steps
from ..runs import Run
from ..training import check_last_batch
from .plan import CORRECTED, Lesson, LessonPlan, LessonProgress, LessonRun


class LessonJob:
    """The jobs of a lesson's runs, in the plan's order, read as one."""

    def __init__(self, plan: LessonPlan, data: Dataset, label: str, children: list[jobs.Job]):
        self.plan, self.dataset, self.label, self.children = plan, data.name, label, children
        self.id = children[0].id
        self.tasks = plan.tasks()
        train_images, _ = split_sizes(len(data.train_y), plan.config("baseline", CORRECTED, 0, data.name).val_fraction)
        self.batches_per_epoch = math.ceil(train_images / plan.config("baseline", CORRECTED, 0, data.name).batch_size)
        self.error = None  # each run's failure is kept in its own record
        self._lesson: Lesson | None = None

    @property
    def state(self) -> str:
        states = {child.state for child in self.children}
        return jobs.DONE if states == {jobs.DONE} else jobs.QUEUED if states == {jobs.QUEUED} else jobs.RUNNING

    started = property(lambda self: min((c.started for c in self.children if c.started), default=None))
    stopped = property(lambda self: any(child.stopped for child in self.children))
    failed = property(lambda self: False)
    cancelled = property(lambda self: all(child.cancelled for child in self.children))

    def stop(self) -> None:
        """Stop the runs under way and cancel those waiting."""
        for child in reversed(self.children):  # the waiting ones first, so that none starts meanwhile
            child.stop()

    def touch(self) -> None:
        for child in self.children:
            child.touch()

    def wait(self, timeout: float | None = None) -> bool:
        return not concurrent.futures.wait([child.future for child in self.children], timeout).not_done

    @property
    def position(self) -> int | None:
        places = [child.position for child in self.children if child.position is not None]
        return min(places, default=None)

    @property
    def starts_in(self) -> float | None:
        return 0.0 if self.state == jobs.RUNNING else self.children[0].starts_in

    @property
    def remaining_seconds(self) -> float | None:
        """When its last run should end: each run's time left, or its start and its estimate."""
        ends = []
        for child in self.children:
            if child.state == jobs.DONE:
                continue
            left, start = child.remaining_seconds, child.starts_in  # a waiting run's time left: its estimate
            if left is None or start is None:
                return None
            ends.append(start + left)
        return max(ends, default=0.0)

    def _records(self) -> list[LessonRun]:
        return [LessonRun.of(variant, arm, child.result) for (variant, arm, _), child in zip(self.tasks, self.children)
                if child.state == jobs.DONE and isinstance(child.result, Run)]

    @property
    def progress(self) -> LessonProgress | None:
        """The share done (runs under way by their steps), the earliest run under way, the runs finished."""
        under_way = [(index, child) for index, child in enumerate(self.children) if child.state == jobs.RUNNING]
        if not under_way and self.state != jobs.DONE:
            return None
        done = sum(child.state == jobs.DONE for child in self.children)
        done += sum(c.progress.step / c.progress.steps for _, c in under_way if c.progress is not None)
        index, current = under_way[0] if under_way else (len(self.children) - 1, self.children[-1])
        variant, arm, seed = self.tasks[index]
        return LessonProgress(variant, arm, seed, index, len(self.tasks), done / len(self.children),
                              current.progress, tuple(self._records()))

    @property
    def result(self) -> Lesson | None:
        """The Lesson once every run has ended: each run's own seconds, the lesson's wall seconds (first start to last
        end); stopped when any run was stopped or cancelled."""
        if self.state != jobs.DONE:
            return None
        if self._lesson is None:
            runs = self._records()
            stopped = any(c.cancelled or (isinstance(c.result, Run) and c.result.status == "stopped")
                          for c in self.children)
            message = lesson_stopped(sum(r.status == "completed" for r in runs), len(self.tasks)) if stopped else None
            ran = [c for c in self.children if c.started is not None and c.finished is not None]
            wall = max((c.finished for c in ran), default=0.0) - min((c.started for c in ran), default=0.0)
            device = next((c.result.device for c in self.children if isinstance(c.result, Run)), "cpu")
            self._lesson = Lesson(self.plan, self.dataset, runs, "stopped" if stopped else "completed", message,
                                  device, wall, self.batches_per_epoch)
        return self._lesson


def submit_lesson(plan: LessonPlan, data: Dataset, label: str, queue: jobs.JobQueue | None = None,
                  abandon_after: float | None = None, *, owner: Hashable | None = None,
                  lecturer: bool = False) -> LessonJob:
    """Queue every (variant, arm, seed) of the plan as its own training job of owner; a run that cannot train is
    refused (ConfigError) before any is queued, not after the others' minutes."""
    train_images, _ = split_sizes(len(data.train_y), plan.config("baseline", CORRECTED, 0, data.name).val_fraction)
    for variant, arm, seed in plan.tasks():
        check_last_batch(plan.config(variant, arm, seed, data.name), train_images)
    children = [jobs.submit_training(plan.config(variant, arm, seed, data.name), data,
                                     f"{label} · {variant} {arm} {seed}", queue, abandon_after=abandon_after,
                                     owner=owner, lecturer=lecturer) for variant, arm, seed in plan.tasks()]
    return LessonJob(plan, data, label, children)


def lesson_seconds(plan: LessonPlan, data: Dataset, queue: jobs.JobQueue | None = None) -> float | None:
    """How long the plan takes on this server's K workers, idle, at the pace measured here; None until a run of each
    of its shapes has gone."""
    queue = queue or jobs.default_queue()
    configs = [plan.config(variant, arm, seed, data.name) for variant, arm, seed in plan.tasks()]
    seconds = [queue.pace.seconds(step_shape(config), training_steps(config, data) or 0) for config in configs]
    return None if any(s is None for s in seconds) else queue.idle_makespan(seconds)


def run_lesson_on_queue(plan: LessonPlan, data: Dataset, on_progress: Callable[[LessonProgress], None] | None = None,
                        should_stop: Callable[[], bool] | None = None, queue: jobs.JobQueue | None = None,
                        every: float = 0.25) -> Lesson:
    """submit_lesson and wait: progress and should_stop polled every `every` seconds (Stop ends the runs under way
    and cancels the rest)."""
    job = submit_lesson(plan, data, "lesson", queue)
    while not job.wait(every):
        if on_progress is not None and job.progress is not None:
            on_progress(job.progress)
        if should_stop is not None and not job.stopped and should_stop():
            job.stop()
    if on_progress is not None:
        on_progress(job.progress)
    return job.result
