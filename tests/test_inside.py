"""The figures recorded inside a run: present and sane, free of side effects on the run; the overfitting rule."""
import copy
import json

import pytest
import torch

from mnistlab import inside, inside_plots
from mnistlab.config import preset
from mnistlab.inside import overfitting_epoch, overfitting_sentence
from mnistlab.models import MLP
from mnistlab.runs import Run, load_run, save_run
from mnistlab.training import train

SMALL = dict(epochs=2, batch_size=32, hidden=(32, 32))


@pytest.fixture(scope="module")
def runs(tiny_data):
    return {name: train(preset(name, **SMALL, **changes), tiny_data) for name, changes in
            (("baseline", {}), ("l2", {"weight_decay": 1e-3}), ("dropout", {"dropout": 0.5}), ("batchnorm", {}))}


def test_every_epoch_records_weight_norms_dead_units_and_both_modes_accuracy(runs):
    for run in runs.values():
        for row in run.history:
            assert len(row["weight_norms"]) == 3 and all(norm > 0 for norm in row["weight_norms"])
            assert len(row["dead_units"]) == 2 and all(0 <= share <= 100 for share in row["dead_units"])
            assert 0 <= row["val_accuracy_eval_probe"] <= 100 and 0 <= row["val_accuracy_train_probe"] <= 100
            assert all(0 < loss < 10 for _, loss in row["step_losses"])


def test_the_loss_is_recorded_every_25_steps_as_it_falls_and_reaches_the_live_chart(tiny_data):
    # 480 training rows in batches of 8: 60 steps an epoch, a point at steps 25, 50, then 75 and 100 (epoch 2)
    events = []
    run = train(preset("baseline", **{**SMALL, "batch_size": 8}), tiny_data, on_progress=events.append,
                progress_interval=0.0)
    points = [point for row in run.history for point in row["step_losses"]]
    assert [x for x, _ in points] == [round(s / 60, 4) for s in (25, 50, 75, 100)]
    assert points[-1][1] < points[0][1]
    assert max(len(event.step_losses) for event in events) == 2  # the epoch under way's, as the live chart draws it
    assert inside.step_curve(run.history[:1], events[-2].step_losses) == points


def test_l2_keeps_the_weights_smaller_than_the_baseline(runs):
    for layer, (baseline, l2) in enumerate(zip(runs["baseline"].history[-1]["weight_norms"],
                                               runs["l2"].history[-1]["weight_norms"])):
        assert l2 < baseline, f"layer {layer + 1}"


def test_dropout_is_less_accurate_in_train_mode_than_in_eval_mode(runs):
    last = runs["dropout"].history[-1]
    assert last["val_accuracy_train_probe"] < last["val_accuracy_eval_probe"]
    baseline = runs["baseline"].history[-1]  # no dropout, no BatchNorm: the modes are the same network
    assert baseline["val_accuracy_train_probe"] == baseline["val_accuracy_eval_probe"]


def test_batchnorm_statistics_are_recorded_with_batchnorm_only(runs):
    for name, run in runs.items():
        for row in run.history:
            assert ("bn_running_mean" in row) == ("bn_running_var" in row) == (name == "batchnorm")
    means, variances = runs["batchnorm"].history[-1]["bn_running_mean"], runs["batchnorm"].history[-1]["bn_running_var"]
    assert len(means) == len(variances) == 2 and all(v > 0 for v in variances)
    norms = runs["batchnorm"].model.norms
    assert means[0] == pytest.approx(float(norms[0].running_mean.mean()))


def test_dead_units_count_the_units_that_never_fire_on_the_probe():
    model = MLP(hidden=(4,))
    with torch.no_grad():
        model.hidden[0].weight.zero_()
        model.hidden[0].bias.copy_(torch.tensor([1.0, -1.0, 0.0, 2.0]))  # units 2 and 3 never above 0
    figures = inside.epoch_figures(model, torch.rand(10, 784), torch.zeros(10, dtype=torch.long), 4)
    assert figures["dead_units"] == [50.0]


@pytest.mark.parametrize("variant", ["dropout", "batchnorm"])
def test_the_recordings_change_nothing_in_the_run(tiny_data, variant, monkeypatch):
    # The train-mode pass draws dropout masks and moves BatchNorm's statistics: both must be put back.
    config = preset(variant, **SMALL)
    recorded = train(config, tiny_data)
    monkeypatch.setattr("mnistlab.training.epoch_figures", lambda *args: {})
    plain = train(config, tiny_data)
    keys = set(plain.history[0])
    assert [{k: v for k, v in row.items() if k in keys - {"seconds"}} for row in recorded.history] == \
           [{k: v for k, v in row.items() if k != "seconds"} for row in plain.history]
    assert all(torch.equal(a, b) for a, b in zip(recorded.model.state_dict().values(),
                                                 plain.model.state_dict().values()))


def test_a_run_with_the_figures_saves_and_opens_them(runs, tmp_path):
    loaded = load_run(save_run(runs["batchnorm"], tmp_path / "run"))
    assert loaded.history == json.loads(json.dumps(runs["batchnorm"].history))


def test_a_run_saved_before_the_figures_still_opens(tmp_path):
    old = {"epoch": 1.0, "train_loss": 0.5, "train_accuracy": 85.0, "val_loss": 0.4, "val_accuracy": 88.0,
           "seconds": 1.0}
    folder = save_run(Run(preset("baseline"), [old], "completed"), tmp_path / "old")
    assert load_run(folder).history == [old] and not inside.has_figures([old])


@pytest.mark.parametrize("key, value", [("weight_norms", [1.0, "x"]), ("dead_units", 3.0),
                                        ("step_losses", [[0.1, 2.0, 3.0]]), ("val_accuracy_train_probe", "97")])
def test_a_figure_that_is_not_numbers_is_refused(tmp_path, key, value):
    row = {"epoch": 1.0, "train_loss": 0.5, "train_accuracy": 85.0, "val_loss": 0.4, "val_accuracy": 88.0, key: value}
    folder = save_run(Run(preset("baseline"), [row], "completed"), tmp_path / "bad")
    with pytest.raises(ValueError, match="history row"):
        load_run(folder)


def history(*losses):
    return [{"epoch": float(i + 1), "train_loss": train, "val_loss": val} for i, (train, val) in enumerate(losses)]


def test_overfitting_starts_at_the_first_epoch_past_the_best_that_rose_beyond_the_margin():
    assert overfitting_epoch(history((0.5, 0.4), (0.3, 0.30), (0.2, 0.305), (0.1, 0.33))) == 4.0
    assert overfitting_epoch(history((0.5, 0.4), (0.3, 0.30), (0.2, 0.31))) == 3.0


def test_a_rise_of_exactly_the_margin_is_not_overfitting():
    assert overfitting_epoch(history((0.5, 0.4), (0.3, 0.25), (0.2, 0.25 * 1.02))) is None
    assert overfitting_epoch(history((0.5, 0.4), (0.3, 0.25), (0.2, 0.25 * 1.021))) == 3.0


def test_no_overfitting_when_training_loss_rose_too_or_the_best_is_last():
    assert overfitting_epoch(history((0.5, 0.4), (0.3, 0.3), (0.3, 0.4))) is None  # training loss did not fall
    assert overfitting_epoch(history((0.5, 0.4), (0.3, 0.3), (0.2, 0.2))) is None
    assert overfitting_epoch(history((0.5, 0.4))) is None and overfitting_epoch([]) is None
    assert overfitting_epoch(history((0.5, float("nan")))) is None


def test_the_overfitting_sentence_gives_the_epochs_in_both_languages():
    rows = history((0.5, 0.4), (0.3, 0.30), (0.2, 0.36))
    assert "epoch 3" in overfitting_sentence(rows, "en") and "epoch 2" in overfitting_sentence(rows, "en")
    assert "époque 3" in overfitting_sentence(rows, "fr") and "0,3000" in overfitting_sentence(rows, "fr")
    assert "lowest at the last epoch, 2 " in overfitting_sentence(history((0.5, 0.4), (0.3, 0.3)), "en")
    assert "stayed within 2% of it" in overfitting_sentence(history((0.5, 0.4), (0.3, 0.3), (0.2, 0.301)), "en")


def test_every_figure_draws_a_run_whose_weights_are_not_finite(runs):
    # an uploaded run may hold anything its config allows: the page draws what it can rather than fail
    broken = copy.deepcopy(runs["batchnorm"])
    with torch.no_grad():
        broken.model.hidden[0].weight[0, :10] = float("nan")
        broken.model.out.weight.fill_(float("inf"))
    shown = {"broken": broken, "baseline": runs["baseline"]}
    for figure in (inside_plots.weight_norms_figure, inside_plots.dead_units_figure, inside_plots.batchnorm_figure,
                   inside_plots.modes_figure, inside_plots.histograms_figure):
        assert figure(shown, "fr").data
    assert inside_plots.templates_figure(broken).data


def test_a_run_of_32_hidden_layers_draws_every_layer(tiny_data):
    # RunConfig allows 32 hidden layers: 33 plots side by side, where Plotly refuses the usual gaps
    deep = {"deep": train(preset("baseline", epochs=1, batch_size=100, hidden=(8,) * 32), tiny_data)}
    assert len(inside_plots.weight_norms_figure(deep).layout.annotations) == 33  # one title per layer
    assert len(inside_plots.histograms_figure(deep).layout.annotations) == 33


def seeds(*curves):
    """Histories of several seeds: each curve a list of (train, val) losses per epoch."""
    return [history(*curve) for curve in curves]


def test_overfitting_over_seeds_counts_a_mean_rise_only_beyond_twice_its_standard_error():
    # last epoch's val losses 0.29 and 0.31 (+ d) over 2 seeds: standard error 0.01; the mean's best is 0.28 at epoch 2
    risen = seeds([(0.5, 0.4), (0.3, 0.28), (0.1, 0.29 + 0.0001)], [(0.5, 0.4), (0.3, 0.28), (0.1, 0.31 + 0.0001)])
    assert "rises from epoch 2 to 3" in inside.overfitting_over_seeds(risen) and "starts to overfit" in \
        inside.overfitting_over_seeds(risen)
    within = seeds([(0.5, 0.4), (0.3, 0.28), (0.1, 0.29 - 0.0001)], [(0.5, 0.4), (0.3, 0.28), (0.1, 0.31 - 0.0001)])
    assert "within twice its standard error (0.0100): no clear overfitting yet" in inside.overfitting_over_seeds(within)
    falling = seeds([(0.5, 0.4), (0.3, 0.3)], [(0.5, 0.4), (0.3, 0.2)])
    assert "still falling at the last epoch (2)" in inside.overfitting_over_seeds(falling)
    assert "cannot be told from chance" in inside.overfitting_over_seeds(seeds([(0.5, 0.4), (0.3, 0.5)]))


def test_the_course_criterion_the_gap_is_counted_over_the_seeds_in_both_languages():
    mixed = seeds([(0.1, 0.3)], [(0.2, 0.25)], [(0.3, 0.2)])
    assert "Training loss ends below validation loss in 2 of 3 seeds (gap \u22120.1000 to 0.2000)" in \
        inside.overfitting_over_seeds(mixed)
    assert "pour 2 graines sur 3 (écart de \u22120,1000 à 0,2000)" in inside.overfitting_over_seeds(mixed, "fr")


def test_the_saved_lessons_baseline_agrees_with_the_course_on_the_gap_and_is_still_falling_over_its_seeds():
    """Seed 0 alone 'started to overfit at epoch 5', seed 1 alone showed 'no sign': over the 5 seeds the mean is still
    falling, and the course's 'léger overfitting' (training loss below validation loss) holds in every seed."""
    from mnistlab.lesson.files import load_lesson, saved_lessons
    from mnistlab.lesson.summary import val_loss_spread
    (default,) = [load_lesson(p) for p in saved_lessons() if "slips" not in p.name]
    baseline = [r for r in default.runs if r.variant == "baseline"]
    said = inside.overfitting_over_seeds([r.history for r in baseline])
    assert "Over 5 seeds, the mean validation loss is still falling at the last epoch (5)" in said
    assert "in 5 of 5 seeds" in said and "slight overfitting" in said
    spread = val_loss_spread(baseline, 5.0)  # the seeds' validation losses at epoch 5: standard deviation 0.0047
    noisy = inside.overfitting_sentence(baseline[0].history, "en", spread)  # a rise of 0.0082 < 2 × 0.0047
    assert "started to overfit at epoch 5" in noisy and "That rise (0.0082) is noise-sized" in noisy
    assert "spreads by 0.0047 (standard deviation) over the 5 seeds of the saved lesson" in noisy
    beyond = inside.overfitting_sentence(baseline[0].history, "en", (0.0040, 5))  # 2 × 0.0040 < 0.0082
    assert "noise-sized" not in beyond and "One run's rise can come from its seed alone" in beyond


def test_one_runs_overfitting_says_it_may_be_its_seed_and_gives_the_courses_gap():
    rows = history((0.5, 0.4), (0.3, 0.30), (0.2, 0.36))
    said = overfitting_sentence(rows, "en")
    assert "One run's rise can come from its seed alone" in said
    assert "Its training loss ends 0.1600 below its validation loss: what the course calls slight overfitting" in said
    assert "finit 0,1600 sous sa perte de validation" in overfitting_sentence(rows, "fr")
    assert "not even the course's slight overfitting" in overfitting_sentence(history((0.5, 0.4)), "en")
