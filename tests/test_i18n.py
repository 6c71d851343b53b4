"""The two languages: the same keys, the same {values}, numbers as each language writes them."""
import ast
import pickle
import string
from pathlib import Path

import pytest

from mnistlab import i18n
from mnistlab.config import ConfigError, RunConfig, describe
from mnistlab.lesson.files import lesson_from_bytes
from mnistlab.lesson.plan import LessonFileError


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_key_is_in_both_languages_with_the_same_values():
    english, french = i18n.LANGUAGES["en"], i18n.LANGUAGES["fr"]
    assert sorted(set(english) - set(french)) == [], "keys missing in French"
    assert sorted(set(french) - set(english)) == [], "keys missing in English"
    assert [key for key in english if fields(english[key]) != fields(french[key])] == []


def test_no_string_is_empty():
    assert [(lang, key) for lang, table in i18n.LANGUAGES.items() for key, value in table.items()
            if not value.strip()] == []


@pytest.mark.parametrize("requested, locale, expected", [
    ("fr", "en-US", "fr"), ("en", "fr-FR", "en"), (None, "fr-FR", "fr"), (None, "fr_CA", "fr"),
    ("de", "de-DE", "en"), (None, None, "en"), ("FR", None, "fr"), ("xx", "fr", "fr")])
def test_the_language_comes_from_the_url_then_the_browser_then_english(requested, locale, expected):
    assert i18n.language_of(requested, locale) == expected


def test_numbers_are_written_as_each_language_writes_them():
    assert i18n.percent(97.2649, "fr") == "97,26\u00a0%"
    assert i18n.percent(97.2649, "en") == "97.26%"
    assert i18n.number(60000, "fr", 0) == "60\u202f000"
    assert i18n.number(None, "fr") == "–"
    assert i18n.percent(float("nan"), "fr") == i18n.percent(None, "en") == "–"


def test_signs_and_powers_use_a_true_minus_and_the_languages_decimal_mark():
    assert i18n.signed(-0.08, "fr") == "\u22120,08" and i18n.signed(0.4, "en") == "+0.40"
    assert i18n.number(-1234.5, "en") == "\u22121,234.50"
    assert i18n.power(2.1e8, "fr") == "2,1 × 10⁸" and i18n.short(1e-5, "en") == "10⁻⁵"
    assert i18n.short(3e-5, "fr") == "3 × 10⁻⁵" and i18n.short(0.2, "fr") == "0,2"


@pytest.mark.parametrize("n, english, french", [
    (0, "0 seeds", "0 graine"), (1, "1 seed", "1 graine"), (2, "2 seeds", "2 graines")])
def test_plurals_follow_cldr_zero_and_one_are_singular_in_french(n, english, french):
    assert i18n.count(n, "seed", "en") == english and i18n.count(n, "seed", "fr") == french


def test_durations_sizes_dates_and_ordinals_as_each_language_writes_them():
    assert i18n.duration(42, "en") == "40 sec" and i18n.duration(500, "fr") == "8\u00a0min"
    assert i18n.duration(None, "fr") == "–"
    assert i18n.size(31.4e6, "fr") == "31\u202fMo" and i18n.size(4e5, "en") == "400 kB"
    assert i18n.date("2026-12-07T14:05:03", "fr") == "7 décembre 2026, 14:05"
    assert i18n.date("2026-12-07T14:05:03", "en") == "December 7, 2026, 2:05\u202fPM"
    assert [i18n.ordinal(n, "en") for n in (1, 2, 3, 11, 21)] == ["1st", "2nd", "3rd", "11th", "21st"]
    assert [i18n.ordinal(n, "fr") for n in (1, 2)] == ["1er", "2e"]


def test_a_key_reads_in_its_language_and_an_unknown_key_is_an_error():
    assert i18n.text("fr", "app.language") == "Langue"
    with pytest.raises(KeyError):
        i18n.text("en", "no.such.key")


def test_a_library_error_reads_english_for_the_cli_and_french_for_the_app():
    with pytest.raises(ConfigError) as refused:
        RunConfig(epochs=0)
    assert str(refused.value) == "epochs must be an integer from 1 to 100 (got 0)"
    assert refused.value.in_language("fr") == "le nombre d'époques doit être un entier de 1 à 100 (reçu 0)"
    copied = pickle.loads(pickle.dumps(refused.value))  # a job's error may cross a process
    assert type(copied) is ConfigError and copied.in_language("fr") == refused.value.in_language("fr")


def test_an_error_inside_an_error_is_said_in_the_same_language():
    with pytest.raises(LessonFileError) as refused:
        lesson_from_bytes(b"[1]", "cours.json")
    assert str(refused.value) == "cours.json is not a saved mnistlab lesson: it holds no JSON object"
    assert refused.value.in_language("fr") == ("cours.json n'est pas une leçon mnistlab enregistrée : il ne contient "
                                               "aucun objet JSON")


def test_a_plain_message_not_yet_a_key_is_kept_as_given():
    assert ConfigError("some words").in_language("fr") == str(ConfigError("some words")) == "some words"


def test_a_run_label_in_french_and_english():
    config = RunConfig(epochs=1, batch_size=512, dropout=0.2, batchnorm=False, hidden=(128,))
    assert describe(config) == "hidden 128, dropout 0.2, epochs 1, batch_size 512"  # the CLI's and the files' names
    assert describe(config, "fr") == "couches cachées 128, dropout 0,2, époques 1, batch 512"
    assert describe(RunConfig(), "fr") == "référence"


@pytest.mark.parametrize("lang", sorted(i18n.LANGUAGES))
def test_no_key_is_written_twice_in_a_table(lang):
    # a dict literal keeps the last of two equal keys silently: a merge of two branches can leave both
    source = (Path(i18n.__file__).parent / "strings" / f"{lang}.py").read_text(encoding="utf-8")
    keys = [key.value for table in ast.walk(ast.parse(source)) if isinstance(table, ast.Dict)
            for key in table.keys if isinstance(key, ast.Constant)]
    assert sorted({key for key in keys if keys.count(key) > 1}) == []
