"""How a run or a lesson ended, in words kept as keys of mnistlab/strings with their values (i18n.Phrase).

A file stores the key and its values, and the English sentence beside them for people and older versions; a file
saved before keys (its English sentence alone) is read back into the same key and values.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from . import i18n
from .i18n import Phrase, phrase

PLAIN = "message.plain"  # a message that is no key: shown as it reads, in every language
MOST_NESTED = 4  # phrases within a message's phrase, as deep as a file may hold them (a divergence holds two levels)


@dataclass(frozen=True)
class Written:
    """A number to write in the reader's language (mnistlab.i18n): style 'short' (0.001, 0,2, 10⁻⁴) or 'power'
    (1.2 × 10⁸)."""
    value: float
    style: str = "short"

    def in_language(self, lang: str) -> str:
        return (i18n.power if self.style == "power" else i18n.short)(self.value, lang)


def stopped_during(epoch: int) -> Phrase:
    """A run stopped by its user during epoch (1-based)."""
    return phrase("run.stopped_in", epoch=epoch)


def divergence_message(value: float, epoch: int, step: int, lr: float) -> Phrase:
    """What happened, the loss in words ('grew to 1.2 × 10⁸', 'became NaN'), and a learning rate that trains.
    epoch and step are 0-based, said 1-based."""
    if math.isnan(value):
        what = phrase("run.became_nan")
    elif math.isinf(value):
        what = phrase("run.became_infinite")
    else:
        what = phrase("run.grew_to", value=Written(value, "power"))
    # Every preset trains with the course's Adam rate, 1e-3: point there, not one notch down from a rate that failed.
    advice = phrase("run.try_course") if lr > 1e-3 else phrase("run.try", lr=Written(lr / 10))
    return phrase("run.diverged", what=what, epoch=epoch + 1, step=step + 1, lr=Written(lr), advice=advice)


def failed(reason: str) -> Phrase:
    """A run whose training raised: reason is the error, as Python wrote it."""
    return phrase("run.failed", reason=reason)


def lesson_stopped(done: int, runs: int) -> Phrase:
    """A lesson stopped by its user after `done` of its `runs` runs completed."""
    return phrase("lesson.stopped", done=done, runs=runs)


def plain(words: str) -> Phrase | None:
    """Words that are no key, shown as they read; None for none."""
    return phrase(PLAIN, text=words) if words else None


def to_file(message: Phrase | str | None) -> dict:
    """The message's fields in a saved file: its English sentence and its key with its values."""
    if isinstance(message, str):  # words given as a sentence, not a key
        message = from_english(message)
    if message is None:
        return {"message": ""}
    return {"message": str(message), "message_key": _stored(message)}


def from_file(values: dict) -> Phrase | None:
    """The message of a saved run or lesson: its key and values where the file has them (and this version knows them),
    else its English sentence read back. A message that is not text is the caller's to refuse."""
    stored, sentence = values.get("message_key"), values.get("message", "")
    sentence = sentence if isinstance(sentence, str) else ""
    if stored is None:
        return from_english(sentence)
    try:
        message = _restored(stored)
    except (KeyError, TypeError, ValueError):  # a key this version does not know: its English sentence, as it reads
        return plain(sentence)
    return message if isinstance(message, Phrase) else plain(sentence)


def said(message: Phrase | str | None, lang: str = "en") -> str:
    """The message in lang; '' for none."""
    if isinstance(message, str):  # words given as a sentence, not a key
        message = from_english(message)
    return "" if message is None else message.in_language(lang)


def value_in(message: Phrase | str | None, key: str, name: str):
    """The value `name` of the message when it is `key`'s, else None (a sentence is read as from_english reads it)."""
    if isinstance(message, str):
        message = from_english(message)
    return message.values.get(name) if message is not None and message.key == key else None


def _stored(value):
    if isinstance(value, Phrase):
        return {"key": value.key, "values": {name: _stored(v) for name, v in value.values.items()}}
    if isinstance(value, Written):
        return {"number": value.value, "style": value.style}
    return value


def _restored(value, depth: int = 0):
    """The Phrase (or value) _stored gave; KeyError, TypeError or ValueError for anything else (a file can hold any)."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, dict) and set(value) == {"number", "style"} and value["style"] in ("short", "power"):
        if not (isinstance(value["number"], (int, float)) and math.isfinite(value["number"])):
            raise ValueError("a message's number must be finite")
        return Written(float(value["number"]), value["style"])
    if not (isinstance(value, dict) and set(value) == {"key", "values"} and value["key"] in i18n.LANGUAGES["en"]
            and isinstance(value["values"], dict) and depth < MOST_NESTED):
        raise ValueError("a message must be a known key with its values")
    return phrase(value["key"], **{str(name): _restored(v, depth + 1) for name, v in value["values"].items()})


# The English sentences that files saved before keys hold.
_STOPPED = re.compile(r"Stopped by the user during epoch (\d+)\.")
_DIVERGED = re.compile(r"The training loss (.+) at epoch (\d+) \(step (\d+)\): the run diverged\. The learning rate "
                       r"(\S+) is too high for this model: try (\S+?)(, the course's rate, which trains it)?\.")
_GREW = re.compile(r"grew to (\d+(?:\.\d+)?) × 10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)")
_FAILED = "Training failed: "
_LESSON_STOPPED = re.compile(r"Stopped by the user after (\d+) of (\d+) runs\.")
_NORMAL = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")


def from_english(sentence: str) -> Phrase | None:
    """An English sentence of an older file as the key and values that write it; one not recognised, as it reads."""
    if stopped := _STOPPED.fullmatch(sentence):
        return stopped_during(int(stopped.group(1)))
    if stopped := _LESSON_STOPPED.fullmatch(sentence):
        return lesson_stopped(int(stopped.group(1)), int(stopped.group(2)))
    if sentence.startswith(_FAILED):
        return failed(sentence[len(_FAILED):])
    if diverged := _DIVERGED.fullmatch(sentence):
        what, epoch, step, lr, rate, course = diverged.groups()
        try:
            lr, rate = float(lr), float(rate)
        except ValueError:
            return plain(sentence)
        if grew := _GREW.fullmatch(what):
            what = phrase("run.grew_to", value=Written(float(grew.group(1)) * 10.0 ** int(grew.group(2).translate(
                _NORMAL)), "power"))
        else:
            what = phrase("run.became_nan" if "NaN" in what else "run.became_infinite")
        advice = phrase("run.try_course") if course else phrase("run.try", lr=Written(rate))
        return phrase("run.diverged", what=what, epoch=int(epoch), step=int(step), lr=Written(lr), advice=advice)
    return plain(sentence)
