"""The app's words in English and French: one table per language (mnistlab/strings/), looked up by key.

The library's figures and verdicts take a `lang` argument; the app's glue passes the session's language. The CLI stays
English. Nothing here is process-wide: each call names its language, so one session's choice never changes another's.
"""
from __future__ import annotations

import datetime
import decimal
import math
import string
from dataclasses import dataclass, field

import babel
from babel import dates, numbers, units

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


@dataclass(frozen=True)
class Size:
    """A byte count to write in the reader's language when the message is said ('12 MB', '12 Mo')."""
    n_bytes: float

    def in_language(self, lang: str) -> str:
        return size(self.n_bytes, lang)


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


# ---- numbers, durations, sizes, dates and plurals as each language writes them (Babel: CLDR's rules) ----------

MINUS = "\u2212"  # a true minus sign: CLDR's en and fr write the hyphen-minus
SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
UNKNOWN = "–"  # what a missing or NaN value reads as


def _locale(lang: str) -> babel.Locale:
    return babel.Locale.parse(lang if lang in LANGUAGES else DEFAULT)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _pattern(base: str, digits: int) -> str:
    """A CLDR pattern ('#,##0.###', '#,##0\u00a0%') with exactly `digits` decimals."""
    head, _, tail = base.partition("0")  # '#,##' and '.###' or '\u00a0%': keep the grouping and what follows
    return head + "0" + ("." + "0" * digits if digits else "") + tail.lstrip("0#.,")


def _with_minus(written: str) -> str:
    return written.replace("-", MINUS)


def number(value: float | None, lang: str, digits: int = 2) -> str:
    """A number as `lang` writes it, with `digits` decimals: 1,234.50 in English, 1 234,50 in French (a narrow
    no-break space), a true minus sign; '–' for None or NaN."""
    if _missing(value):
        return UNKNOWN
    locale = _locale(lang)
    return _with_minus(numbers.format_decimal(_exact(value), _pattern(locale.decimal_formats[None].pattern, digits),
                                              locale=locale))


def _exact(value: float) -> decimal.Decimal | int:
    """The float's exact binary value: Babel rounds str(value), so 97.455 (97.45499… in binary) would read 97.46
    where Python and the CLI write 97.45."""
    return decimal.Decimal(value) if isinstance(value, float) else value


def short(value: float, lang: str) -> str:
    """A setting's value as short as it goes (0.001, 0,2, 64): a power of ten below a thousandth (1 × 10⁻⁵)."""
    if value and abs(value) < 1e-3:  # 10⁻⁵, 3 × 10⁻⁵
        mantissa, exponent = f"{value:e}".split("e")
        mantissa = float(mantissa)
        return _tens(exponent) if mantissa == 1 else f"{short(mantissa, lang)} × {_tens(exponent)}"
    return _with_minus(numbers.format_decimal(value, locale=_locale(lang), decimal_quantization=False))


def signed(value: float | None, lang: str, digits: int = 2) -> str:
    """A difference with its sign: +0.40, −0,08 (a true minus sign)."""
    if _missing(value):
        return UNKNOWN
    written = number(value, lang, digits)
    return written if written.startswith(MINUS) else "+" + written


def plus_minus(mean: float | None, spread: float | None, lang: str, digits: int = 2) -> str:
    """A mean and its spread: 97.26 ± 0.12; the mean alone without a spread; '—' (an empty cell) without a mean."""
    if _missing(mean):
        return "—"
    return number(mean, lang, digits) + ("" if _missing(spread) else f" ± {number(spread, lang, digits)}")


def percent(value: float | None, lang: str, digits: int = 2) -> str:
    """A percentage (0 to 100) as `lang` writes it: 97.26% in English, 97,26 % in French; '–' when missing."""
    if _missing(value):
        return UNKNOWN
    locale = _locale(lang)
    pattern = _pattern(locale.percent_formats[None].pattern, digits)
    return _with_minus(numbers.format_percent(_exact(value) / 100, pattern, locale=locale))


def power(value: float, lang: str) -> str:
    """A large or tiny number as a reader says it: 2.1 × 10⁸ (2,1 × 10⁸ in French); NaN and infinite in words."""
    if not math.isfinite(value):
        return "NaN" if math.isnan(value) else text(lang, "plots.infinite")
    mantissa, exponent = f"{value:.1e}".split("e")  # rounded before it is split: 9.96e3 is 1.0e+04
    return f"{number(float(mantissa), lang, 1)} × {_tens(exponent)}"


def _tens(exponent: str) -> str:
    return f"10{str(int(exponent)).translate(SUPERSCRIPTS)}"


def plural(lang: str, key: str, amount: float, **values) -> str:
    """The string `key`.one or `key`.other as CLDR's rules for `lang` pick it for amount (French: 0 and 1.5 are
    'one'; English: 1 only), with its {values}."""
    form = "one" if _locale(lang).plural_form(abs(amount)) == "one" else "other"
    return text(lang, f"{key}.{form}", **values)


def count(n: int, noun: str, lang: str) -> str:
    """'1 epoch', '0 époque', '5 seeds': noun is a key of count.<noun>.one / .other."""
    return plural(lang, f"count.{noun}", n, n=number(n, lang, 0))


def ordinal(n: int, lang: str) -> str:
    """1st, 2nd, 3rd, 11th in English; 1er, 2e in French (CLDR's ordinal rules pick the suffix)."""
    return text(lang, f"ordinal.{_locale(lang).ordinal_form(n)}", n=n)


def duration(seconds: float | None, lang: str, width: str = "short") -> str:
    """An estimate as a reader says it, rounded as one: '40 s', '3 min' (width 'long': '40 seconds', '3 minutes');
    '–' when unknown. Under 90 s it counts seconds (by tens from a minute), then minutes, then hours."""
    if _missing(seconds):
        return UNKNOWN
    if seconds < 90:
        step = 10 if seconds >= 60 else 5 if seconds >= 10 else 1
        amount, unit = max(1, round(seconds / step) * step), "duration-second"
    elif seconds < 90 * 60:
        amount, unit = round(seconds / 60), "duration-minute"
    else:
        amount, unit = round(seconds / 3600, 1), "duration-hour"
    return _with_minus(units.format_unit(amount, unit, length=width, locale=_locale(lang)))


def seconds(value: float | None, lang: str, digits: int = 0) -> str:
    """A measured time in seconds as the language writes it: '12.3 s'."""
    if _missing(value):
        return UNKNOWN
    return units.format_unit(value, "duration-second", length="short", locale=_locale(lang),
                             format=_pattern("#,##0.###", digits)).replace("-", MINUS)


def size(n_bytes: float | None, lang: str) -> str:
    """A byte count in B, kB, MB or GB as the language writes them (o, ko, Mo, Go in French): '31 MB', '0.4 MB'."""
    if _missing(n_bytes):
        return UNKNOWN
    for unit, scale in (("digital-gigabyte", 1e9), ("digital-megabyte", 1e6), ("digital-kilobyte", 1e3)):
        if abs(n_bytes) >= scale:
            break
    else:
        unit, scale = "digital-byte", 1
    amount = n_bytes / scale
    return units.format_unit(amount, unit, length="short", locale=_locale(lang),
                             format=_pattern("#,##0.###", 0 if abs(amount) >= 10 or scale == 1 else 1))


def date(moment: str | datetime.datetime | None, lang: str) -> str:
    """A date and time as the language writes them: 'December 7, 2026, 2:05 PM', '7 décembre 2026, 14:05'. A saved
    ISO string is read first; one that is not a date is shown as it is."""
    if moment is None:
        return UNKNOWN
    if isinstance(moment, str):
        try:
            moment = datetime.datetime.fromisoformat(moment)
        except ValueError:
            return moment
    locale = _locale(lang)
    day = dates.format_date(moment, "long", locale=locale)
    clock = dates.format_time(moment, "short", locale=locale)
    return locale.datetime_formats["medium"].format(clock, day).replace("'", "")
