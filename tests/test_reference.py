"""The engine against its reference, the course's own loop: with the course's Adam it computes the same bits."""
import pytest
import torch

from mnistlab import training
from mnistlab.course import course_loop
from mnistlab.config import RunConfig
from mnistlab.data import data_dir, load_dataset

THREADS = 1  # the engine's and the course loop's: the thread count changes the rounding


def course_adam(model, config, device) -> torch.optim.Adam:
    """torch.optim.Adam as the course builds it: torch's default implementation, not the fused kernel."""
    return torch.optim.Adam(model.parameters(), lr=config.lr)


def engine_with_the_courses_adam(config: RunConfig, data, monkeypatch) -> training.Run:
    monkeypatch.setattr(training, "optimizer_for", course_adam)
    monkeypatch.setattr(training, "thread_count", lambda: THREADS)  # the course loop's, below
    return training.train(config, data)


def assert_same_run(run: training.Run, course: dict) -> None:
    """The course's trained weights and test accuracy, bit for bit."""
    ours, theirs = run.model.state_dict(), course["model"].state_dict()
    assert [v.shape for v in ours.values()] == [v.shape for v in theirs.values()]
    assert all(torch.equal(a, b) for a, b in zip(ours.values(), theirs.values()))
    assert run.test_accuracy == course["accuracy"]


@pytest.mark.parametrize("seed", [0, 3])
def test_with_the_courses_adam_the_engine_trains_the_courses_weights(tiny_root, seed, monkeypatch):
    # Same split, initial weights, batches, forward, loss, backward and thread count as the course's loop: only
    # Adam's kernel differs, and with the course's Adam nothing does.
    data = load_dataset("mnist", tiny_root, download=False)  # also decompresses the files for torchvision
    course = course_loop(tiny_root, seed, epochs=2, download=False, threads=THREADS)
    config = RunConfig(seed=seed, epochs=2, device="cpu")
    monkeypatch.setattr(training, "thread_count", lambda: THREADS)
    fused = training.train(config, data)
    assert not torch.equal(fused.model.out.weight, course["model"].fc3.weight)  # the fused kernel rounds differently
    assert_same_run(engine_with_the_courses_adam(config, data, monkeypatch), course)


@pytest.mark.slow
def test_on_real_mnist_the_engine_with_the_courses_adam_is_the_course_loop(mnist, monkeypatch):
    course = course_loop(data_dir(), 0, epochs=1, download=False, threads=THREADS)
    assert_same_run(engine_with_the_courses_adam(RunConfig(seed=0, epochs=1, device="cpu"), mnist, monkeypatch), course)
