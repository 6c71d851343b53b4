"""The server owner's settings: defaults with nothing set, each variable read, a bad value named, caps at their edge."""
import pytest

from mnistlab.config import RunConfig
from mnistlab.lesson.plan import LessonPlan
from mnistlab.server_settings import ServerSettings, SettingsError, from_environment, run_cost


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
        "This server lets each browser have 1 run running")
    assert ServerSettings().refuse_run(RunConfig(epochs=100), active_runs=500) is None



def test_a_runs_cost_is_its_work_in_course_epochs_and_is_capped():
    assert run_cost(RunConfig()) == pytest.approx(5.0)
    assert run_cost(RunConfig(hidden=(4096, 4096, 1024), epochs=1)) == pytest.approx(89.9, abs=0.1)
    assert run_cost(RunConfig(batch_size=1)) > 7 * run_cost(RunConfig())  # a step's own work counts
    settings = ServerSettings(max_run_cost=100)
    assert settings.refuse_run(RunConfig(epochs=20), 0) is None
    assert "cost 449 course epochs" in settings.refuse_run(RunConfig(hidden=(4096, 4096, 1024)), 0)
    assert from_environment({"MNISTLAB_MAX_RUN_COST": "50"}).max_run_cost == 50
    assert from_environment({}).max_run_cost == 200  # a default cap: Community Cloud's worker is one small CPU


def test_a_lesson_counts_as_its_runs():
    plan = LessonPlan(seeds=5)
    configs = [plan.config(*task) for task in plan.tasks()]
    settings = ServerSettings(max_runs_per_session=10)
    assert "asks for 20 more, with 0 already under way" in settings.refuse_work(configs, 0, keeps_weights=False)
    assert settings.refuse_work(configs[:10], 0, keeps_weights=False) is None
    assert "asks for 10 more, with 1 already" in settings.refuse_work(configs[:10], 1, keeps_weights=False)


def test_a_browsers_memory_is_capped_by_the_size_of_its_runs():
    settings = ServerSettings(max_browser_mb=300)
    assert from_environment({}).max_browser_mb == 150
    big = RunConfig(hidden=(4096, 4096, 1024), epochs=1)  # 97 MB of weights
    assert settings.refuse_run(big, 0, held_bytes=200_000_000) is None
    refused = settings.refuse_run(big, 0, held_bytes=210_000_000)
    assert "Your runs hold 210 MB" in refused and "300 MB per browser" in refused
    with pytest.raises(SettingsError, match="MNISTLAB_MAX_KEPT_MB must be a whole number from 10 to 1000000, or "
                                            "unset for 350"):
        from_environment({"MNISTLAB_MAX_KEPT_MB": "1"})
