import copy
import dataclasses
import math
import os
import threading

import pytest
import torch
from torch.nn import functional as F

from mnistlab.config import ConfigError, RunConfig, preset
from mnistlab.data import split_indices
from mnistlab.models import build_model
from mnistlab import training
from mnistlab.training import FusedAdam, ThreadPicker, cpu_settings, thread_choices, threads_keep_bits, train

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
    step = FusedAdam.step

    def poisoning_step(self, gradients):
        step(self, gradients)
        if self.steps == 40:  # a step in the second epoch
            with torch.no_grad():
                self.parameters[0].fill_(float("inf"))

    monkeypatch.setattr(FusedAdam, "step", poisoning_step)
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


@pytest.mark.parametrize("weight_decay, batchnorm", [(0.0, False), (0.01, True)])
def test_the_engine_optimizer_is_torch_fused_adam_bit_for_bit(weight_decay, batchnorm):
    # The engine's Adam must be torch's, exactly: same maths, only less bookkeeping.
    reference = build_model(RunConfig(hidden=(32, 32), batchnorm=batchnorm), torch.Generator().manual_seed(0))
    ours = copy.deepcopy(reference)
    torch_adam = torch.optim.Adam(reference.parameters(), lr=1e-2, weight_decay=weight_decay, fused=True)
    fused_adam = FusedAdam(ours.parameters(), lr=1e-2, weight_decay=weight_decay)
    generator = torch.Generator().manual_seed(1)
    for _ in range(50):
        x, y = torch.rand(16, 784, generator=generator), torch.randint(0, 10, (16,), generator=generator)
        torch_adam.zero_grad()
        F.cross_entropy(reference(x), y).backward()
        torch_adam.step()
        fused_adam.step(torch.autograd.grad(F.cross_entropy(ours(x), y), list(ours.parameters())))
    assert same_state(reference, ours)


def test_cpu_settings_hold_inside_and_are_restored_after():
    threads = torch.get_num_threads()
    subnormal = torch.tensor([1e-39])
    with cpu_settings():
        assert torch.get_num_threads() == 1
        flushed = subnormal.mul(1.0).item()
    assert torch.get_num_threads() == threads
    assert subnormal.mul(1.0).item() != 0.0  # flushing is off again outside
    if torch.set_flush_denormal(False):  # the CPU can flush (x86): inside, subnormals were zero
        assert flushed == 0.0


def on_one_thread_and_on_two(config, data, monkeypatch) -> list:
    """The run of config trained with the thread count pinned to 1, then to 2."""
    runs = []
    for threads in (1, 2):
        monkeypatch.setattr(training, "thread_choices", lambda config, device: (threads,))
        runs.append(train(config, data))
    return runs


@pytest.mark.parametrize("variant", ["baseline", "dropout"])
@pytest.mark.slow
def test_a_run_is_the_same_bit_for_bit_on_one_thread_and_on_two(tiny_data, variant, monkeypatch):
    # The course's sizes, so that MKL splits its products between threads; L2 on, so every term of Adam counts.
    one, two = on_one_thread_and_on_two(preset(variant, epochs=2, weight_decay=1e-3, seed=4), tiny_data, monkeypatch)
    assert without_times(one.history) == without_times(two.history)
    assert one.evaluation == two.evaluation
    assert same_state(one.model, two.model)


def test_batchnorm_statistics_depend_on_the_thread_count_so_batchnorm_runs_keep_one_thread():
    x = torch.rand(64, 256, generator=torch.Generator().manual_seed(0))
    outputs = []
    with cpu_settings():
        for threads in (1, 2):
            torch.set_num_threads(threads)
            outputs.append(torch.nn.BatchNorm1d(256)(x))
    assert not torch.equal(*outputs)  # if a torch release makes this equal, BatchNorm runs may take two threads
    assert thread_choices(preset("batchnorm"), torch.device("cpu")) == (1,)


def test_mkl_strict_mode_is_on_so_runs_may_use_a_second_thread():
    if not torch.backends.mkl.is_available():
        pytest.skip("torch without MKL: runs keep one thread")
    assert threads_keep_bits(64)
    two_cores = len(os.sched_getaffinity(0)) >= 2
    assert thread_choices(preset("baseline"), torch.device("cpu")) == ((1, 2) if two_cores else (1,))


def test_runs_keep_one_thread_where_the_thread_count_would_change_bits(monkeypatch):
    monkeypatch.setattr(training, "threads_keep_bits", lambda batch_size: False)
    assert thread_choices(preset("baseline"), torch.device("cpu")) == (1,)
    assert thread_choices(preset("baseline"), torch.device("meta")) == (1,)  # not a CPU: the host does little


def test_the_thread_picker_keeps_the_faster_count_and_leaves_one_that_turns_slow():
    with cpu_settings():
        picker, clock, tries = ThreadPicker((1, 2)), [0.0], {1: 0, 2: 0}

        def steps(count: int, seconds: dict) -> None:
            for _ in range(count):
                clock[0] += seconds[picker.threads]
                picker.tick(clock[0])
                tries[picker.threads] += picker.trial and picker.last is None  # this tick began a try

        assert picker.threads == 1 == torch.get_num_threads()  # one thread until a second has proved faster
        idle = {1: 1.0e-3, 2: 0.7e-3}
        steps(ThreadPicker.WINDOW + 1, idle)
        assert picker.threads == 2 == torch.get_num_threads()
        steps(ThreadPicker.WINDOW * ThreadPicker.RETRY_EVERY * 2, idle)
        assert picker.threads == 2 and tries[1] >= 1  # one thread was tried again, and lost
        paused = {1: 50e-3, 2: 50e-3}  # the app's page rerun holds the GIL: every count stalls
        steps(ThreadPicker.STALLED_STEPS - 1, paused)
        assert picker.threads == 2  # a short stall is no reason to leave
        steps(1, paused)
        assert picker.threads == 1
        steps(ThreadPicker.WINDOW * (ThreadPicker.RETRY_SOON + 1), idle)
        assert picker.threads == 2  # back soon: it was not the thread count
        loaded = {1: 1.0e-3, 2: 50e-3}  # another process took the second core
        steps(ThreadPicker.STALLED_STEPS + 1, loaded)  # + 1: a window's first step has no start to time from
        assert picker.threads == 1
        tries[2] = 0
        steps(ThreadPicker.WINDOW * ThreadPicker.RETRY_EVERY * 15, loaded)
        assert picker.threads == 1 and 2 <= tries[2] <= 5  # tried again, each try two steps long, less and less often
        steps(ThreadPicker.WINDOW * ThreadPicker.RETRY_EVERY * 9, idle)  # the load went: the next retry wins
        assert picker.threads == 2


@pytest.mark.slow
def test_real_mnist_gives_the_same_run_on_one_thread_and_on_two(mnist, monkeypatch):
    # Real sizes everywhere: 750 steps of 64, validation in chunks of 4096 rows, the 10 000 test images.
    one, two = on_one_thread_and_on_two(preset("dropout", epochs=1), mnist, monkeypatch)
    assert without_times(one.history) == without_times(two.history)
    assert one.evaluation == two.evaluation
