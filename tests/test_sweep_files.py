"""A sweep as one file: a real sweep's runs saved and reopened to the same board, a stopped one said so, its name, and
what a reopened file holds of the server's memory."""
import copy
import dataclasses
import json
import tracemalloc

import pytest

from mnistlab.board import points_of
from mnistlab.config import RunConfig
from mnistlab.sweep import SweepPlan
from mnistlab.sweep_files import Sweep, file_name, held_bytes, sweep_from_bytes, sweep_to_bytes
from mnistlab.training import train

PLAN = SweepPlan("weight_decay", 1e-6, 1e-1, 2, 2, RunConfig(hidden=(16,), epochs=1))


@pytest.fixture(scope="module")
def trained(tiny_data):
    """The plan's four runs, trained for real on the synthetic data set."""
    return [train(config, tiny_data) for config in PLAN.configs()]


def test_a_finished_sweep_reopens_to_the_same_points_plan_and_fingerprint(trained):
    sweep = Sweep.of(PLAN, list(reversed(trained)))  # in the order they ended, not the plan's
    reopened = sweep_from_bytes(sweep_to_bytes(sweep), "sweep.json")
    assert reopened.plan == PLAN and reopened.status == "completed"
    assert reopened.points() == points_of(trained) and len(reopened.points()) == 4
    assert [run.config for run in reopened.runs] == PLAN.configs()
    assert reopened.runs[0].history == trained[0].history  # the curves come back too
    assert reopened.trained_on == trained[0].trained_on and reopened.trained_on["cpu"]
    assert reopened.created == max(run.created for run in trained)


def test_a_stopped_sweep_keeps_what_it_trained_and_says_it_stopped(trained):
    stopped = copy.copy(trained[2])
    stopped.status = "stopped"
    sweep = Sweep.of(PLAN, [trained[0], trained[1], stopped])
    reopened = sweep_from_bytes(sweep_to_bytes(sweep))
    assert reopened.status == "stopped" and len(reopened.runs) == 3
    assert len(reopened.points()) == 2  # a stopped run is not a point, as on the live board
    assert "-stopped-" in file_name(reopened)


def test_a_run_outside_the_plan_is_left_out_of_the_sweep(trained):
    other = copy.copy(trained[0])
    other.config = dataclasses.replace(other.config, weight_decay=0.5)
    assert len(Sweep.of(PLAN, [trained[0], other]).runs) == 1


def test_the_file_name_says_what_the_sweep_holds():
    sweep = Sweep(PLAN, [], "2026-11-29T08:12:45")
    assert file_name(sweep) == "sweep-weight_decay-1e-06-0.1-2-values-2-seeds-stopped-20261129-0812.json"
    assert file_name(Sweep(PLAN, [], "../../etc")).startswith("sweep-weight_decay")  # no date, nothing else


def test_a_reopened_sweep_holds_no_more_memory_than_it_is_counted_for(trained):
    """The largest sweep (8 values × 5 seeds), each run with a real run's history: what parsing its file keeps is
    within what the browser's cap counts for it."""
    plan = dataclasses.replace(PLAN, values=8, seeds=5)
    runs = []
    for config in plan.configs():
        run = copy.copy(trained[0])
        run.config, run.history = config, json.loads(json.dumps(trained[0].history))
        runs.append(run)
    data = sweep_to_bytes(Sweep.of(plan, runs))
    tracemalloc.start()
    try:
        reopened = sweep_from_bytes(data)
        kept, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(reopened.runs) == 40 and kept <= held_bytes(len(data))
