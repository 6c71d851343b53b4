"""How a run or a lesson ended is kept as a key with its values: said in either language, saved and read back, and the
English sentences of files saved before keys still open and are said in French."""
import json

import pytest

from mnistlab import messages
from mnistlab.config import RunConfig
from mnistlab.lesson.files import lesson_from_bytes, lesson_to_bytes
from mnistlab.lesson.plan import Lesson, LessonPlan
from mnistlab.messages import divergence_message, said
from mnistlab.runs import Run, run_from_zip, run_to_zip

HISTORY = [{"epoch": 1.0, "train_loss": 0.5, "train_accuracy": 90.0, "val_loss": 0.4, "val_accuracy": 91.0}]
DIVERGED_FR = ("La perte d'entraînement a atteint 9,6 × 10⁷ à l'époque 1 (pas 2) : l'entraînement a divergé. Le taux "
               "d'apprentissage 10 est trop élevé pour ce modèle : essayez 1e-3, le taux du cours, qui l'entraîne.")


def test_a_divergence_is_said_in_english_and_in_french():
    message = divergence_message(9.6e7, 0, 1, 10.0)
    assert str(message) == said(message, "en") == (
        "The training loss grew to 9.6 × 10⁷ at epoch 1 (step 2): the run diverged. The learning rate 10 is too high "
        "for this model: try 1e-3, the course's rate, which trains it.")
    assert said(message, "fr") == DIVERGED_FR
    assert "essayez 10⁻⁴" in said(divergence_message(float("nan"), 2, 7, 1e-3), "fr")
    assert "est devenue NaN" in said(divergence_message(float("nan"), 2, 7, 1e-3), "fr")


@pytest.mark.parametrize("message", [divergence_message(9.6e7, 0, 1, 10.0), divergence_message(float("inf"), 3, 9, 0.5),
                                     messages.stopped_during(3), messages.failed("RuntimeError: out of memory"), None])
def test_a_saved_run_keeps_its_message_key_and_values(message):
    run = Run(RunConfig(lr=10.0), HISTORY, "stopped" if message else "completed", message, seconds=1.0)
    stored = json.loads(json.dumps(run.to_dict()))  # what a file holds: plain JSON
    loaded = run_from_zip(run_to_zip(run))
    assert loaded.message == message and stored["message"] == (str(message) if message else "")
    assert said(loaded.message, "fr") == said(message, "fr")


@pytest.mark.parametrize("sentence, french", [
    ("The training loss grew to 9.6 × 10⁷ at epoch 1 (step 2): the run diverged. The learning rate 10 is too high for "
     "this model: try 1e-3, the course's rate, which trains it.", DIVERGED_FR),
    ("The training loss became NaN (not a number) at epoch 3 (step 8): the run diverged. The learning rate 0.01 is "
     "too high for this model: try 0.001.",
     "La perte d'entraînement est devenue NaN (pas un nombre) à l'époque 3 (pas 8) : l'entraînement a divergé. Le taux "
     "d'apprentissage 0,01 est trop élevé pour ce modèle : essayez 0,001."),
    ("Stopped by the user during epoch 3.", "Arrêté par l'utilisateur pendant l'époque 3."),
    ("Training failed: RuntimeError: boom", "L'entraînement a échoué : RuntimeError: boom"),
    ("something else {epoch}", "something else {epoch}"),  # a sentence it does not know reads as it is
])
def test_an_older_runs_english_sentence_opens_and_is_said_in_french(sentence, french):
    values = Run(RunConfig(), HISTORY, "stopped", None, seconds=1.0).to_dict()
    values.pop("message_key", None)
    values["message"] = sentence  # a file saved before keys
    loaded = Run.from_dict(values)
    assert said(loaded.message, "fr") == french and said(loaded.message, "en") == sentence


def nested(depth: int) -> dict:
    return {"key": "run.failed", "values": {"reason": nested(depth - 1) if depth else "deep"}}


@pytest.mark.parametrize("stored", [{"key": "run.from_a_newer_version", "values": {}},
                                    {"key": "run.stopped_in", "values": {"epoch": [1, 2]}}, "not an object",
                                    {"key": "run.grew_to", "values": {"value": {"number": float("nan"),
                                                                                "style": "power"}}},
                                    nested(900)])
def test_a_message_key_this_version_cannot_say_shows_its_english_sentence(stored):
    values = Run(RunConfig(), HISTORY, "stopped", messages.stopped_during(2), seconds=1.0).to_dict()
    values["message_key"] = stored
    assert said(Run.from_dict(values).message, "fr") == "Stopped by the user during epoch 2."


def test_a_message_that_is_not_text_is_refused_as_the_file_says():
    values = Run(RunConfig(), HISTORY, "completed", seconds=1.0).to_dict()
    values["message"] = 3
    with pytest.raises(ValueError, match="message, device and created must be text"):
        Run.from_dict(values)


def test_a_stopped_lessons_message_survives_its_file_and_older_files_still_open():
    lesson = Lesson(LessonPlan(seeds=1, epochs=1), "mnist", [], "stopped", messages.lesson_stopped(2, 8))
    assert said(lesson_from_bytes(lesson_to_bytes(lesson)).message, "fr") == (
        "Arrêtée par l'utilisateur après 2 entraînements sur 8.")
    older = json.loads(lesson_to_bytes(lesson))
    older.pop("message_key")
    assert lesson_from_bytes(json.dumps(older).encode()).message == messages.lesson_stopped(2, 8)
