"""The app's words in English and French: one table per language (mnistlab/strings/), looked up by key.

The library's figures and verdicts take a `lang` argument; the app's glue passes the session's language. The CLI stays
English. Nothing here is process-wide: each call names its language, so one session's choice never changes another's.
"""
from __future__ import annotations

import math
import string

from .strings import en, fr

LANGUAGES = {"en": en.STRINGS, "fr": fr.STRINGS}
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}
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
    return "–" if value is None else f"{number(value, lang, digits)}\u00a0%"
