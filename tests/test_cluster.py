"""A real Dask cluster on 127.0.0.1: a `dask scheduler` and two `dask worker` processes; the app's runs go there through
MNISTLAB_SCHEDULER, report their progress live, hear Stop, keep a failure as a failed run, and equal local runs."""
import dataclasses
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from distributed import Client

from conftest import write_raw_folder
from mnistlab import engine, jobs
from mnistlab.config import RunConfig
from mnistlab.data import load_dataset
from mnistlab.training import train

REPOSITORY = Path(__file__).resolve().parent.parent
WAIT = 120  # seconds: a hang fails the test instead of blocking the suite


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def cluster(tmp_path, monkeypatch):
    """A scheduler and two one-thread workers whose data folder holds a small synthetic MNIST; the process's queue
    and engine talk to them (as the app does with MNISTLAB_SCHEDULER set); everything is stopped after."""
    write_raw_folder(tmp_path, n_train=3000, n_test=200)
    address = f"tcp://127.0.0.1:{free_port()}"
    env = {**os.environ, "MNISTLAB_DATA_DIR": str(tmp_path), "PYTHONPATH": str(REPOSITORY)}
    dask = [sys.executable, "-m", "dask"]
    quiet = {"env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    processes = [subprocess.Popen([*dask, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                                   "--no-dashboard", "--dashboard-address", "127.0.0.1:0"], **quiet)]
    try:
        processes += [subprocess.Popen([*dask, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                                        "--dashboard-address", "127.0.0.1:0", "--host", "127.0.0.1",
                                        "--name", f"worker-{n}", "--death-timeout", "60"],
                                       cwd=tmp_path, **quiet)
                      for n in range(2)]
        with Client(address, timeout="60 s") as probe:
            probe.wait_for_workers(2, timeout=WAIT)
        monkeypatch.setenv(engine.SCHEDULER_SETTING, address)
        monkeypatch.setattr(engine, "_default", None)
        monkeypatch.setattr(jobs, "_default_queue", jobs.JobQueue())  # its engine: the one above
        yield load_dataset("mnist", tmp_path, download=False)
        if engine._default is not None:
            engine._default.close()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


def same_run(one, other) -> bool:
    """The same history (but its times) and the same weights, bit for bit."""
    untimed = [[{k: v for k, v in row.items() if k != "seconds"} for row in run.history] for run in (one, other)]
    weights = zip(one.model.state_dict().values(), other.model.state_dict().values())
    return untimed[0] == untimed[1] and all(torch.equal(a, b) for a, b in weights)


@pytest.mark.slow
def test_runs_on_a_real_cluster_report_live_stop_keep_failures_and_equal_local_runs(cluster):
    data = cluster
    queue = jobs.default_queue()
    assert not queue.engine.embedded and queue.workers() == 2
    short = RunConfig(epochs=1, batch_size=32, seed=3)
    long = RunConfig(epochs=100, batch_size=32, seed=4)
    twins = [jobs.submit_training(short, data, "twin"), jobs.submit_training(long, data, "long", progress_interval=0.1)]
    elsewhere = dataclasses.replace(data, name="fashion-mnist")  # no worker has it: a failure, kept as a failed run
    missing = jobs.submit_training(RunConfig(epochs=1, dataset="fashion-mnist"), elsewhere, "missing")

    running = twins[1]
    steps = set()
    deadline = time.monotonic() + WAIT
    while len(steps) < 3 and time.monotonic() < deadline:  # the snapshots move while it trains
        running.wait(0.05)
        if running.progress is not None:
            steps.add(running.progress.step)
    assert len(steps) >= 3 and running.state == jobs.RUNNING
    running.stop()
    assert running.wait(WAIT) and running.result.status == "stopped" and running.result.history

    assert twins[0].wait(WAIT) and missing.wait(WAIT)
    assert same_run(twins[0].result, train(short, data))  # the same bits as here, on the same CPU
    failed = missing.result
    assert missing.failed and failed.status == "failed" and str(failed.message).startswith("Training failed: DataError")
