"""Languages: shipped texts, fallback, overrides, the language bar, CJK layout."""
from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk import i18n
from kiosk.config import ALL_LANGUAGES, ConfigError, load_config
from kiosk.i18n import TEXT_KEYS, load_texts, shipped_languages
from kiosk.ui.app import KioskApp
from kiosk.ui.screens.survey import SurveyScreen
from tests.conftest import fire, taps_taken, wait_until

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "kiosk" / "locales"


def test_six_languages_ship_every_text():
    assert set(shipped_languages()) == {"en", "fr", "nl", "ru", "zh", "pt"} == set(ALL_LANGUAGES)
    english = tomllib.loads((LOCALES / "en.toml").read_text("utf-8"))
    for code in shipped_languages():
        data = tomllib.loads((LOCALES / f"{code}.toml").read_text("utf-8"))
        assert set(TEXT_KEYS) <= set(data), code
        assert len(data["labels"]) == 5 and all(label.strip() for label in data["labels"])
        assert set(data["reasons"]) == set(english["reasons"]), code
        if code != "en":
            assert data["question"] != english["question"], f"{code} is not translated"


def test_chinese_labels_are_those_of_seed_004():
    assert load_texts("zh").labels == ("非常不满意", "有些不满意", "中立", "有些满意", "非常满意")


def test_a_missing_translation_falls_back_to_the_default_language(monkeypatch):
    real = i18n._locale_file

    def partial(language):
        data = dict(real(language))
        if language == "nl":
            data.pop("thank_you")
            data.pop("labels")
        return data

    monkeypatch.setattr(i18n, "_locale_file", partial)
    texts = load_texts("nl", default="fr")
    assert texts.thank_you == load_texts("fr").thank_you  # default language first
    assert texts.labels == load_texts("fr").labels
    assert texts.question == real("nl")["question"]
    assert load_texts("xx").question == load_texts("en").question  # unknown: English


def write(tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_config_overrides_texts_and_chooses_languages(tmp_path):
    config = load_config(write(tmp_path, """
[kiosk]
language = "fr"
languages = ["fr", "en", "zh"]
[texts.fr]
question = "Alors, ce passage ?"
[texts.zh]
thank_you = "谢谢！"
"""))
    assert config.kiosk.languages == ("fr", "en", "zh")
    assert config.texts().question == "Alors, ce passage ?"
    assert config.texts("zh").thank_you == "谢谢！"
    assert config.texts("zh").question == load_texts("zh").question
    assert config.texts("en").question == load_texts("en").question


def test_survey_table_overrides_only_the_default_language(tmp_path):
    config = load_config(write(tmp_path, '[survey]\nquestion = "Happy?"\n'))
    assert config.texts("en").question == "Happy?"
    assert config.texts("fr").question == load_texts("fr").question


@pytest.mark.parametrize("text,message", [
    ('[kiosk]\nlanguage = "de"\n', r"\[kiosk\] language: 'de' has no texts"),
    ('[kiosk]\nlanguages = ["en", "xx"]\n', r"\[kiosk\] languages: 'xx' has no texts"),
    ('[kiosk]\nlanguages = []\n', r"offer at least one language"),
    ('[texts.fr]\nquestoin = "x"\n', r"\[texts.fr\] unknown key 'questoin' \(did you mean 'question'\?\)"),
    ('[texts.frr]\nquestion = "x"\n', r"\[texts.frr\] unknown language \(did you mean 'fr'\?\)"),
    ('[texts.fr]\nlabels = ["a"]\n', r"\[texts.fr\] labels: needs exactly 5 labels"),
])
def test_language_config_mistakes(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text))


async def test_language_bar_switches_and_the_next_customer_starts_in_default(config, store):
    app = KioskApp(config, store)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        survey = app.screen
        await pilot.click("#lang-fr")
        assert survey.language == "fr"
        assert survey.query_one("#question").text == load_texts("fr").question
        await pilot.press("4")
        await wait_until(lambda: taps_taken(app.store) >= 1)
        await wait_until(lambda: isinstance(app.screen, SurveyScreen) and not app.screen._answered)
        assert survey.language == "en"  # reset for the next customer
        assert survey.query_one("#question").text == load_texts("en").question
        await pilot.press("l", "l", "l", "l")  # en -> fr -> nl -> ru -> zh by key
        assert survey.language == "zh"
        await pilot.click("#rate-5")
        await wait_until(lambda: taps_taken(app.store) >= 2)
    store.wait_idle()
    first, second = store.iter_responses()
    assert (first.language, first.label) == ("fr", "Bien")
    assert (second.language, second.label) == ("zh", "非常满意")


async def test_idle_resets_the_language(config, store):
    quiet = replace(config, timing=replace(config.timing, idle_reset_seconds=60))
    app = KioskApp(quiet, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        await pilot.click("#lang-ru")
        assert app.screen.language == "ru"
        await fire(app.screen._idle)  # nobody touched it for idle_reset_seconds
        await wait_until(lambda: app.screen.language == "en")


def visible_text(widget) -> str:
    return "".join(strip.text for strip in widget.render_lines(widget.region.reset_offset))


def visible_text_lines(widget) -> list[str]:
    return [strip.text for strip in widget.render_lines(widget.region.reset_offset)]


@pytest.mark.parametrize("size", [(60, 15), (120, 36)])
@pytest.mark.parametrize("language", ["en", "fr", "nl", "ru", "zh", "pt"])
async def test_every_language_lays_out_its_labels(config, store, language, size):
    app = KioskApp(config, store)
    async with app.run_test(size=size) as pilot:
        await wait_until(lambda: isinstance(app.screen, SurveyScreen))
        app.screen.set_language(language)
        await pilot.pause()
        texts = load_texts(language)
        for score in range(1, 6):
            option = app.screen.query_one(f"#rate-{score}")
            assert option.region.right <= size[0] and option.region.bottom <= size[1]
            shown = visible_text(option.query_one(".label")).replace(" ", "")
            assert texts.labels[score - 1].replace(" ", "") in shown, (language, score, shown)
        question = app.screen.query_one("#question")
        rows = question.block_rows(question.content_region.width)
        if rows is None:  # plain bold: the whole text, wrapped
            assert language == "zh" or size == (60, 15), language
            assert texts.question.replace(" ", "") in visible_text(question).replace(" ", "")
        else:  # the block font: every row drawn, none cut
            assert question.content_region.height == len(rows)
            shown = [line.strip() for line in visible_text_lines(question) if line.strip()]
            assert shown == [row.strip() for row in rows if row.strip()]
        bar = app.screen.query_one("#languages")
        assert bar.region.bottom <= size[1]
        for code in shipped_languages():
            choice = app.screen.query_one(f"#lang-{code}")
            assert choice.region.right <= size[0], code  # every name on screen


@pytest.mark.parametrize("language", ["zh", "ru"])
def test_snapshot_of_the_survey(snap_compare, tmp_path, language):
    from kiosk.config import Config, FollowupConfig, KioskConfig, RestConfig
    from kiosk.store.response_store import ResponseStore

    config = Config(path=tmp_path / "c.toml", kiosk=KioskConfig(data_dir=tmp_path / "d"),
                    rest=RestConfig(attract_seconds=0), followup=FollowupConfig(enabled=False))
    store = ResponseStore(config.data_dir).open_writer()

    async def switch(pilot):
        await wait_until(lambda: isinstance(pilot.app.screen, SurveyScreen))
        pilot.app.screen.set_language(language)
        await pilot.pause()

    try:
        assert snap_compare(KioskApp(config, store), terminal_size=(60, 15), run_before=switch)
    finally:
        store.close()


def test_reason_texts_can_be_overridden(tmp_path):
    config = load_config(write(tmp_path, '[texts.fr.reasons]\nwaiting = "File d\'attente"\n'))
    assert config.texts("fr").reason_label("waiting") == "File d'attente"
    assert config.texts("fr").reason_label("staff") == "Accueil"
    assert config.texts("fr").reason_label("parking") == "parking"  # a shop's own reason
