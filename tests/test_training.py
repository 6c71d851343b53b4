import dataclasses
import math
import statistics
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import torch
from torch.nn import functional as F

from mnistlab.config import ConfigError, RunConfig, preset
from mnistlab.fingerprint import bit_comparable, this_machine
from mnistlab.lesson.files import load_lesson
from mnistlab.data import split_indices
from mnistlab.models import build_model
from mnistlab import training
from mnistlab.data import course_shuffle
from mnistlab.models import SeededDropout
from mnistlab.training import cgroup_cpu_quota, cpu_settings, thread_count, train, usable_cores

SMALL = dict(epochs=2, batch_size=32, hidden=(32, 32))


def without_times(history):
    return [{k: v for k, v in row.items() if k != "seconds"} for row in history]


def same_state(first: torch.nn.Module, second: torch.nn.Module) -> bool:
    """Every weight and buffer equal, bit for bit."""
    return all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), second.state_dict().values()))


def test_a_run_learns_the_synthetic_digits(tiny_data):
    run = train(preset("baseline", **SMALL), tiny_data)
    assert run.status == "completed" and [row["epoch"] for row in run.history] == [1.0, 2.0]
    assert run.history[-1]["train_loss"] < run.history[0]["train_loss"]
    assert run.test_accuracy >= 90
    assert sum(map(sum, run.evaluation.confusion)) == 200


@pytest.mark.parametrize("variant", ["baseline", "dropout", "batchnorm"])
def test_same_seed_gives_identical_history_and_weights(tiny_data, variant):
    first, second = (train(preset(variant, seed=5, **SMALL), tiny_data) for _ in range(2))
    assert without_times(first.history) == without_times(second.history)
    assert same_state(first.model, second.model)
    other = train(preset(variant, seed=6, **SMALL), tiny_data)
    assert without_times(other.history) != without_times(first.history)


def test_seed_holds_while_another_run_trains_in_parallel(tiny_data):
    config = preset("dropout", seed=3, **SMALL)
    alone = train(config, tiny_data)
    results = {}
    noise = preset("dropout", seed=9, epochs=6)
    threads = [threading.Thread(target=lambda: results.setdefault("noise", train(noise, tiny_data))),
               threading.Thread(target=lambda: results.setdefault("run", train(config, tiny_data)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert without_times(results["run"].history) == without_times(alone.history)


def test_weight_decay_matches_a_reference_adam_with_l2(tiny_data):
    # Full-batch steps: the gradient does not depend on the shuffle, so a hand-written Adam can follow.
    config = preset("l2", weight_decay=0.05, lr=0.01, epochs=3, batch_size=600, hidden=(16,))
    run = train(config, tiny_data)
    generator = torch.Generator().manual_seed(config.seed)
    train_idx, _ = split_indices(600, config.val_fraction, generator)
    model = build_model(config, generator)
    x, y = tiny_data.train_x[train_idx], tiny_data.train_y[train_idx]
    params = list(model.parameters())
    m, v = [torch.zeros_like(p) for p in params], [torch.zeros_like(p) for p in params]
    for t in range(1, 4):
        grads = torch.autograd.grad(F.cross_entropy(model(x), y), params)
        with torch.no_grad():
            for p, g, m_i, v_i in zip(params, grads, m, v):
                g = g + config.weight_decay * p  # L2 as Adam's weight_decay adds it: to the gradient
                m_i.mul_(0.9).add_(0.1 * g)
                v_i.mul_(0.999).add_(0.001 * g * g)
                p -= config.lr * (m_i / (1 - 0.9 ** t)) / ((v_i / (1 - 0.999 ** t)).sqrt() + 1e-8)
    for ours, reference in zip(run.model.parameters(), params):
        assert torch.allclose(ours, reference, atol=1e-5)
    no_decay = train(config.replace(weight_decay=0.0), tiny_data)
    assert not torch.allclose(next(no_decay.model.parameters()), params[0], atol=1e-5)


def test_a_too_high_learning_rate_is_reported_as_diverged(tiny_data):
    run = train(preset("baseline", lr=10.0, epochs=3, batch_size=16), tiny_data)
    assert run.status == "diverged"
    assert "learning rate 10 is too high" in run.message and "try 1" in run.message
    assert all(torch.isfinite(p).all() for p in run.model.parameters())
    assert run.history and all(math.isfinite(row["train_loss"]) for row in run.history)
    assert run.history[-1]["epoch"] < 3


def test_a_non_finite_loss_stops_within_that_batch(tiny_data):
    poisoned = dataclasses.replace(tiny_data, train_x=tiny_data.train_x.clone())
    poisoned.train_x[:, 0] = float("nan")  # every batch is poisoned: the very first one must stop the run
    calls = []
    run = train(preset("baseline", epochs=2, batch_size=16), poisoned, should_stop=lambda: calls.append(1) and False)
    assert run.status == "diverged" and "NaN" in run.message and len(calls) == 1
    assert run.history == []
    assert all(torch.isfinite(p).all() for p in run.model.parameters())


def test_weights_a_bad_step_made_non_finite_are_replaced_by_finite_ones(tiny_data, monkeypatch):
    class PoisoningAdam(torch.optim.Adam):
        steps = 0

        def step(self, closure=None):
            super().step(closure)
            self.steps += 1
            if self.steps == 40:  # a step in the second epoch
                with torch.no_grad():
                    self.param_groups[0]["params"][0].fill_(float("inf"))

    monkeypatch.setattr(training, "optimizer_for", lambda model, config, device: PoisoningAdam(model.parameters()))
    run = train(preset("baseline", epochs=3, batch_size=16), tiny_data)
    assert run.status == "diverged" and 1 < run.history[-1]["epoch"] < 2
    assert all(torch.isfinite(p).all() for p in run.model.parameters())


def test_a_batchnorm_run_that_would_end_an_epoch_on_one_row_is_refused_at_once_with_a_size_that_works(tiny_data):
    # 480 training images: batches of 479 leave one row, which BatchNorm cannot normalise in training.
    with pytest.raises(ConfigError, match="480 training images in batches of 479 leave one over .* e.g. 480"):
        train(preset("batchnorm", batch_size=479), tiny_data)
    assert train(preset("batchnorm", batch_size=480, epochs=1), tiny_data).status == "completed"
    assert train(preset("baseline", batch_size=479, epochs=1), tiny_data).status == "completed"  # only BatchNorm


def test_batchnorm_on_a_single_training_image_is_refused_at_once(tiny_data):
    # 600 images, 599 kept for validation: no batch size gives BatchNorm two rows (the search for one never ended)
    refusal = {}

    def start():
        try:
            train(preset("batchnorm", val_fraction=599 / 600), tiny_data)
        except ConfigError as error:
            refusal["message"] = str(error)

    attempt = threading.Thread(target=start, daemon=True)
    attempt.start()
    attempt.join(60)
    assert refusal.get("message") == ("BatchNorm cannot train on a single training image: choose a smaller "
                                      "validation fraction")


def test_stop_takes_effect_within_one_batch_and_keeps_the_partial_epoch(tiny_data):
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) > 20  # 20 steps done, the 21st is refused

    run = train(preset("baseline", epochs=3, batch_size=16), tiny_data, should_stop=should_stop)
    assert run.status == "stopped" and len(calls) == 21
    # 480 training images / 16 = 30 steps an epoch: 20 steps are 2/3 of the first epoch.
    assert [row["epoch"] for row in run.history] == [round(20 * 16 / 480, 4)]
    assert run.evaluation is not None


def test_progress_events_are_bounded_and_report_the_run(tiny_data):
    events = []
    train(preset("baseline", epochs=2, batch_size=16), tiny_data, on_progress=events.append, progress_interval=3600)
    assert len(events) == 2  # only the two end-of-epoch events at this rate
    last = events[-1]
    assert (last.epoch, last.epochs, last.step, last.steps) == (1, 2, 60, 60) and len(last.history) == 2
    every = []
    train(preset("baseline", epochs=1, batch_size=16), tiny_data, on_progress=every.append, progress_interval=0)
    assert [e.step for e in every[:-1]] == list(range(1, 31)) and every[5].eta > 0


def test_validation_and_test_run_in_eval_mode_unless_the_slip_asks(tiny_data):
    config = preset("dropout", dropout=0.5, **SMALL)
    corrected, slipped = train(config, tiny_data), train(config.replace(slips=("no-eval",)), tiny_data)
    # The first epoch trains identically (same seed, same masks); only its validation differs, dropout left on.
    assert corrected.history[0]["train_loss"] == slipped.history[0]["train_loss"]
    assert corrected.history[0]["val_loss"] != slipped.history[0]["val_loss"]
    assert (corrected.evaluation.accuracy != slipped.evaluation.accuracy
            or corrected.evaluation.loss != slipped.evaluation.loss)


def test_loss_graph_slip_computes_the_same_numbers(tiny_data):
    corrected = train(preset("baseline", **SMALL), tiny_data)
    slipped = train(preset("baseline", slips=("loss-graph",), **SMALL), tiny_data)
    for a, b in zip(corrected.history, slipped.history):
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-5)
        assert a["val_loss"] == b["val_loss"]


@pytest.mark.slow
def test_baseline_reaches_96_percent_on_real_mnist_in_two_epochs(mnist):
    run = train(preset("baseline", epochs=2), mnist)
    assert run.status == "completed"
    assert run.test_accuracy >= 96
    assert run.history[-1]["val_loss"] < run.history[0]["val_loss"]


def course_style_loop(config: RunConfig, data) -> torch.nn.Module:
    """The course's loop written out plainly, on the run's generators: what train() must compute, bit for bit."""
    generator = torch.Generator().manual_seed(config.seed)
    train_idx, _ = split_indices(len(data.train_y), config.val_fraction, generator)
    model = build_model(config, generator)
    for module in model.modules():
        if isinstance(module, SeededDropout):
            module.generator = torch.Generator().manual_seed(config.seed + 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay, fused=True)
    with cpu_settings(thread_count()):  # the thread count rounds: the same as train()'s
        for _ in range(config.epochs):
            order = train_idx[course_shuffle(len(train_idx), generator)]
            for batch in order.split(config.batch_size):
                preds = model(data.train_x[batch])
                loss = F.cross_entropy(preds, data.train_y[batch])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
    return model


@pytest.mark.parametrize("variant", ["baseline", "l2", "dropout", "batchnorm"])
def test_train_computes_the_plain_course_loop_bit_for_bit(tiny_data, variant):
    config = preset(variant, seed=2, **SMALL)
    assert same_state(train(config, tiny_data).model, course_style_loop(config, tiny_data))


def test_cpu_settings_hold_inside_and_are_restored_after():
    threads = torch.get_num_threads()
    subnormal = torch.tensor([1e-39])
    with cpu_settings(2):
        assert torch.get_num_threads() == 2
        flushed = subnormal.mul(1.0).item()
    assert torch.get_num_threads() == threads
    assert subnormal.mul(1.0).item() != 0.0  # flushing is off again outside
    if torch.set_flush_denormal(False):  # the CPU can flush (x86): inside, subnormals were zero
        assert flushed == 0.0


@pytest.mark.parametrize("files, cores", [
    ({"cpu.max": "max 100000\n"}, None),
    ({"cpu.max": "100000 100000\n"}, 1.0),
    ({"cpu.max": "150000 100000\n"}, 1.5),
    ({"cpu.max": "400000 100000\n"}, 4.0),
    ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
    ({"cpu/cpu.cfs_quota_us": "50000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 0.5),
    ({"cpu,cpuacct/cpu.cfs_quota_us": "200000\n", "cpu,cpuacct/cpu.cfs_period_us": "100000\n"}, 2.0),
    ({"cpu.max": "garbage\n"}, None),
    ({}, None),
], ids=["v2-none", "v2-1", "v2-1.5", "v2-4", "v1-none", "v1-0.5", "v1-cpuacct-2", "unreadable", "no-cgroup"])
def test_the_cgroup_quota_is_read_in_cores_from_v2_or_v1_files(tmp_path, files, cores):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert cgroup_cpu_quota(tmp_path) == cores


@pytest.mark.parametrize("quota, affinity, usable", [
    (None, 16, 16), ("100000 100000", 16, 1), ("150000 100000", 16, 1), ("50000 100000", 16, 1),
    ("250000 100000", 16, 2), ("800000 100000", 2, 2)])
def test_usable_cores_are_the_affinity_capped_by_the_quota_rounded_down(tmp_path, monkeypatch, quota, affinity,
                                                                         usable):
    if quota is not None:
        (tmp_path / "cpu.max").write_text(quota + "\n")
    monkeypatch.setattr(training.os, "sched_getaffinity", lambda pid: set(range(affinity)), raising=False)
    assert usable_cores(tmp_path) == usable


@pytest.mark.parametrize("cores, threads", [(1, 1), (2, 1), (3, 1), (4, 2), (64, 2)])
def test_the_thread_count_comes_from_the_cores_alone(cores, threads):
    assert thread_count(cores) == threads


def test_a_run_takes_the_thread_count_of_the_machine_and_gives_it_back(tiny_data, monkeypatch):
    seen = []
    monkeypatch.setattr(training, "usable_cores", lambda: 8)
    monkeypatch.setattr(training, "optimizer_for",
                        lambda model, config, device: seen.append(torch.get_num_threads()) or torch.optim.Adam(
                            model.parameters()))
    before = torch.get_num_threads()
    train(preset("baseline", epochs=1, batch_size=100), tiny_data)
    assert seen == [2] and torch.get_num_threads() == before


def test_a_run_ending_leaves_the_thread_count_of_a_run_still_in_progress():
    before = torch.get_num_threads()
    first, second = cpu_settings(2), cpu_settings(2)
    first.__enter__()
    second.__enter__()
    second.__exit__(None, None, None)
    assert torch.get_num_threads() == 2  # the first run is still training
    first.__exit__(None, None, None)
    assert torch.get_num_threads() == before


def test_a_seed_gives_the_same_run_while_another_process_keeps_a_core_busy(tiny_data):
    config = preset("dropout", seed=7, **SMALL)
    alone = train(config, tiny_data)
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        loaded = train(config, tiny_data)
    finally:
        busy.kill()
        busy.wait()
    assert without_times(loaded.history) == without_times(alone.history) and same_state(alone.model, loaded.model)


# The saved lessons were trained on 2 cores, so on one thread: the thread count and the CPU's kernels set the rounding.
LESSON_THREADS = 1


def seed_spread(values: list[float]) -> tuple[float, float]:
    """Where a run of another seed lands: the range of the lesson's seeds widened by their standard deviation."""
    widen = statistics.stdev(values)
    return min(values) - widen, max(values) + widen


@pytest.mark.slow
def test_the_saved_lessons_baseline_seed_0_run_is_retrained_exactly(mnist, monkeypatch):
    # What a lecturer sees: the saved lesson's figures, then the same run trained live. Exact (to the last bit) where
    # the lesson's fingerprint is this machine's; elsewhere (another CPU, ISA, torch, thread count, or none recorded)
    # rounding differs and grows over five epochs to the size of a change of seed, so the retrain is checked against
    # the lesson's seed spread, and its first epoch against the saved run to 1e-4 (two seeds differ there by > 3e-3).
    lesson = load_lesson(Path(__file__).parent.parent / "runs" / "lessons" / "mnist-5-seeds-5-epochs.json")
    saved = next(run for run in lesson.runs
                 if (run.variant, run.arm, run.seed, run.config.epochs) == ("baseline", "corrected", 0, 5))
    threads = (saved.trained_on or {}).get("threads") or LESSON_THREADS
    monkeypatch.setattr(training, "thread_count", lambda: threads)
    live = train(saved.config.replace(device="cpu"), mnist)
    assert live.status == "completed" and len(live.history) == len(saved.history)
    if bit_comparable(live.trained_on, saved.trained_on):
        # the keys the lesson was saved with: figures recorded since (mnistlab.inside) are not in it until retrained
        assert [{k: row[k] for k in saved_row} for row, saved_row in zip(without_times(live.history),
                                                                           without_times(saved.history))] == \
            without_times(saved.history)
        assert live.test_accuracy == saved.test_accuracy
        return
    seeds = [run for run in lesson.runs if (run.variant, run.arm) == ("baseline", "corrected")]
    low, high = seed_spread([run.test_accuracy for run in seeds])
    assert low <= live.test_accuracy <= high, (live.test_accuracy, low, high)
    for epoch, row in enumerate(live.history):
        low, high = seed_spread([run.history[epoch]["val_accuracy"] for run in seeds])
        assert low <= row["val_accuracy"] <= high, (epoch, row["val_accuracy"], low, high)
    assert live.history[0]["train_loss"] == pytest.approx(saved.history[0]["train_loss"], rel=1e-4)


def test_a_run_records_where_it_trained_and_a_retrain_elsewhere_is_not_called_bit_identical(tiny_data):
    run = train(preset("baseline", **SMALL), tiny_data)
    here = this_machine()
    assert run.trained_on == {**here, "threads": thread_count()}
    assert bit_comparable(run.trained_on, dict(run.trained_on))
    assert not bit_comparable(run.trained_on, {**run.trained_on, "isa": "AVX2" if here["isa"] != "AVX2" else "DEFAULT"})
    assert not bit_comparable(run.trained_on, {**run.trained_on, "threads": run.trained_on["threads"] + 1})
    assert not bit_comparable(run.trained_on, None)  # saved before fingerprints: unknown
    assert not bit_comparable(run.trained_on, {**run.trained_on, "cpu": "unknown"})


def test_an_epochs_end_reports_the_time_left_and_only_the_last_says_none(tiny_data):
    events = []
    train(preset("baseline", epochs=2, batch_size=100), tiny_data, on_progress=events.append, progress_interval=1e9)
    ends = [event for event in events if event.history and len(event.history) == event.epoch + 1]
    assert [event.eta > 0 for event in ends] == [True, False]
