"""The app's words in English and French: one table per language (mnistlab/strings/), looked up by key.

The library's figures and verdicts take a `lang` argument; the app's glue passes the session's language. The CLI stays
English. Nothing here is process-wide: each call names its language, so one session's choice never changes another's.
"""
from __future__ import annotations

import math
import string
from dataclasses import dataclass, field

from .strings import en, fr

LANGUAGES = {"en": en.STRINGS, "fr": fr.STRINGS}
DEFAULT = "en"


class _Values(dict):
    """format_map's values: a missing one shows as {name} instead of raising, so a slip in a table never crashes."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def text(lang: str, key: str, **values) -> str:
    """The string `key` in `lang` (English where that language lacks it), with {values} filled in."""
    template = LANGUAGES.get(lang, LANGUAGES[DEFAULT]).get(key) or LANGUAGES[DEFAULT].get(key)
    if template is None:
        raise KeyError(f"no string {key!r} in mnistlab/strings")
    return string.Formatter().vformat(template, (), _Values(values)) if values else template


@dataclass(frozen=True)
class Phrase:
    """Words to say later, in the reader's language: a key of mnistlab/strings and its values (a part of a message)."""
    key: str
    values: dict = field(default_factory=dict)

    def in_language(self, lang: str) -> str:
        return text(lang, self.key, **_said(self.values, lang))

    def __str__(self) -> str:
        return self.in_language(DEFAULT)


def phrase(key: str, **values) -> Phrase:
    return Phrase(key, values)


def _said(values: dict, lang: str) -> dict:
    """The values, those that say themselves in a language (phrases, keyed errors, numbers to write) said in lang."""
    return {name: value.in_language(lang) if hasattr(value, "in_language") else value
            for name, value in values.items()}


class KeyedError(Exception):
    """An error whose message is a key of mnistlab/strings and its values: str() is the English (the CLI's), and
    in_language(lang) the same message in another language. A value that is a Phrase or a KeyedError is said in that
    language too. A plain message (not a key) is kept as given, in English: code not yet converted still works."""

    def __init__(self, key: str, /, **values):
        self.key, self.values = (key if key in LANGUAGES[DEFAULT] else None), values
        super().__init__(key if self.key is None else text(DEFAULT, key, **_said(values, DEFAULT)))

    def in_language(self, lang: str) -> str:
        return str(self) if self.key is None else text(lang, self.key, **_said(self.values, lang))

    def __reduce__(self):  # pickling (a job's error crossing a process) rebuilds it from its key and values
        return _rebuild, (type(self), self.key or str(self), self.values)


def _rebuild(kind: type, key: str, values: dict) -> KeyedError:
    return kind(key, **values)


def language_of(requested: str | None = None, locale: str | None = None) -> str:
    """The language to speak: `requested` (the URL's ?lang=) if known, else the browser's locale's, else English."""
    for candidate in (requested, locale):
        code = (candidate or "").strip().lower().replace("_", "-").split("-")[0]
        if code in LANGUAGES:
            return code
    return DEFAULT


def number(value: float | None, lang: str, digits: int = 2) -> str:
    """A number as `lang` writes it: 97.26 in English, 97,26 in French; '–' for None or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    written = f"{value:,.{digits}f}"
    if lang == "fr":  # thousands with a narrow no-break space, decimals with a comma
        written = written.replace(",", "\u202f").replace(".", ",")
    return written


def percent(value: float | None, lang: str, digits: int = 2) -> str:
    """A percentage as `lang` writes it: 97.26 % / 97,26 % (the sign after a no-break space in both)."""
    written = number(value, lang, digits)
    return written if written == "–" else f"{written}\u00a0%"  # no sign after a missing value
