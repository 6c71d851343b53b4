"""The server owner's settings: defaults with nothing set, each variable read, a bad value named, caps at their edge."""
import pytest

from mnistlab.config import RunConfig
from mnistlab.server_settings import ServerSettings, SettingsError, from_environment


def test_nothing_set_means_no_caps_and_lesson_saving_off():
    assert from_environment({}) == ServerSettings(max_epochs=None, max_runs_per_session=None, allow_lesson_save=False)
    assert from_environment({"MNISTLAB_MAX_EPOCHS": " ", "MNISTLAB_ALLOW_LESSON_SAVE": ""}) == ServerSettings()


def test_each_variable_is_read():
    settings = from_environment({"MNISTLAB_MAX_EPOCHS": "5", "MNISTLAB_MAX_RUNS_PER_SESSION": " 2 ",
                                 "MNISTLAB_ALLOW_LESSON_SAVE": "True"})  # "True": a TOML secret written true, quoted
    assert settings == ServerSettings(max_epochs=5, max_runs_per_session=2, allow_lesson_save=True)
    assert from_environment({"MNISTLAB_ALLOW_LESSON_SAVE": "0"}).allow_lesson_save is False


def test_the_process_environment_is_the_default(monkeypatch):
    monkeypatch.setenv("MNISTLAB_MAX_RUNS_PER_SESSION", "3")
    assert from_environment().max_runs_per_session == 3


@pytest.mark.parametrize("name, value, words", [
    ("MNISTLAB_MAX_EPOCHS", "five", "MNISTLAB_MAX_EPOCHS must be a whole number from 1 to 100, or unset for no cap "
                                    "(got 'five')"),
    ("MNISTLAB_MAX_EPOCHS", "0", "from 1 to 100"),
    ("MNISTLAB_MAX_EPOCHS", "101", "from 1 to 100"),
    ("MNISTLAB_MAX_EPOCHS", "2.5", "(got '2.5')"),
    ("MNISTLAB_MAX_RUNS_PER_SESSION", "-1", "MNISTLAB_MAX_RUNS_PER_SESSION must be a whole number from 1 to 1000"),
    ("MNISTLAB_ALLOW_LESSON_SAVE", "maybe", "MNISTLAB_ALLOW_LESSON_SAVE must be 1 (on) or 0 (off)"),
])
def test_a_bad_value_is_refused_with_a_message_naming_the_variable(name, value, words):
    with pytest.raises(SettingsError) as refused:
        from_environment({name: value})
    assert words in str(refused.value)


def test_the_caps_at_their_edges():
    settings = ServerSettings(max_epochs=5, max_runs_per_session=2)
    assert settings.refuse_run(RunConfig(epochs=5), active_runs=1) is None
    assert "at most 5 epochs per run (asked: 6)" in settings.refuse_run(RunConfig(epochs=6), active_runs=0)
    assert "2 runs running or waiting" in settings.refuse_run(RunConfig(epochs=5), active_runs=2)
    assert ServerSettings(max_runs_per_session=1).refuse_run(RunConfig(), 1).startswith(
        "This server lets each session have 1 run running")
    assert ServerSettings().refuse_run(RunConfig(epochs=100), active_runs=500) is None

