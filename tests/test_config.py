import pytest

from mnistlab.config import MAX_WEIGHTS, PRESETS, ConfigError, RunConfig, preset
from mnistlab.models import build_model


def test_presets_hold_the_course_settings():
    base = preset("baseline")
    assert (base.lr, base.batch_size, base.epochs, base.hidden, base.val_fraction) == (1e-3, 64, 5, (256, 256), 0.2)
    assert (base.weight_decay, base.dropout, base.batchnorm) == (0.0, 0.0, False)
    assert preset("l2").weight_decay == 1e-5
    assert preset("dropout").dropout == 0.2
    assert preset("batchnorm").batchnorm is True
    assert set(PRESETS) == {"baseline", "l2", "dropout", "batchnorm"}


def test_presets_combine_with_changes():
    config = preset("dropout", batchnorm=True, weight_decay=1e-4, epochs=2)
    assert (config.dropout, config.batchnorm, config.weight_decay, config.epochs) == (0.2, True, 1e-4, 2)


@pytest.mark.parametrize("changes, words", [
    ({"epochs": 0}, "epochs must be an integer from 1 to 100"),
    ({"epochs": "3"}, "epochs must be an integer from 1 to 100 (got '3')"),  # a file's string, shown as one
    ({"dropout": 1.0}, "dropout must be in [0, 1)"),
    ({"lr": 0.0}, "learning rate must be in (0, 10]"),
    ({"weight_decay": -1.0}, "weight_decay must be in [0, 1]"),
    ({"batch_size": 0}, "batch size must be an integer"),
    ({"val_fraction": 1.0}, "validation fraction must be in (0, 1)"),
    ({"hidden": ()}, "hidden sizes must be 1 to 32 integers from 1 to 4096 (got [])"),
    ({"hidden": (10,) * 500}, "hidden sizes must be 1 to 32 integers from 1 to 4096 (got 500 layers)"),
    ({"dataset": "cifar"}, "dataset must be one of mnist, fashion-mnist"),
    ({"slips": ("typo",)}, "slips must be among"),
    ({"slips": ("shared-bn",)}, "needs BatchNorm on"),
    ({"batchnorm": True, "batch_size": 1}, "BatchNorm normalises over a batch, so it needs batches of 2 rows"),
    ({"hidden": (4096, 4096, 4096)}, "hidden layers of 4096, 4096, 4096 make 36.8 million weights, and a run trains "
                                     "up to 25 million (memory)"),
])
def test_bad_settings_say_the_allowed_range(changes, words):
    with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        RunConfig(**changes)


def test_unknown_variant_names_the_choices():
    with pytest.raises(ConfigError, match="baseline, l2, dropout, batchnorm"):
        preset("l3")


def test_config_is_frozen_and_round_trips():
    config = preset("batchnorm", hidden=[128, 64], slips=["no-eval"])
    with pytest.raises(AttributeError):
        config.lr = 1.0
    assert config.hidden == (128, 64)
    assert RunConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ConfigError, match="unknown settings: colour"):
        RunConfig.from_dict({**config.to_dict(), "colour": "red"})


def test_weights_count_the_linear_layers_and_the_limit_admits_two_4096_layers():
    assert RunConfig().weights == 784 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10 == 269_322
    small = RunConfig(hidden=(64, 32))
    assert sum(p.numel() for p in build_model(small).parameters()) == small.weights
    assert RunConfig(hidden=(4096, 4096)).weights < MAX_WEIGHTS
