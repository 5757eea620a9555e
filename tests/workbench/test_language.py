"""Chinese by default, English by switch: every string the pages show is in the catalogs; money and dates."""

from __future__ import annotations

from datetime import date

from services.workbench import catalogs, i18n


def test_every_string_the_pages_show_has_a_chinese_translation_and_an_english_entry():
    assert catalogs.missing("zh") == []
    assert catalogs.missing("en") == []
    assert len(catalogs.template()) > 100


def test_catalogs_load_from_the_po_files_without_a_build_step():
    loaded = i18n.load_catalogs()
    assert loaded["zh"].gettext("My queue") == "我的案件"
    assert loaded["en"].gettext("My queue") == "My queue"
    assert loaded["zh"].ngettext("%(num)d day ago", "%(num)d days ago", 3) % {"num": 3} == "3 天前"


def test_money_is_yuan_with_thousands_and_two_decimals_half_up_in_both_languages():
    assert i18n.money("1234.565", "zh") == "¥1,234.57"
    assert i18n.money("1234.5", "en") == "¥1,234.50"
    assert i18n.money("-0.005", "en") == "-¥0.01"
    assert i18n.money(None, "zh") == "—" and i18n.money("n/a", "zh") == "—"


def test_dates_follow_the_language():
    assert i18n.fmt_date("2026-04-20", "zh") == "2026年4月20日"
    assert i18n.fmt_date(date(2026, 4, 20), "en") == "Apr 20, 2026"
    assert i18n.fmt_datetime("2026-04-20T13:05:00+08:00", "zh") == "2026/4/20 13:05"
    assert i18n.fmt_rate("0.4567", "en") == "45.7%"


def test_the_language_is_asked_then_remembered_then_chinese():
    assert i18n.pick_lang("en", "zh") == "en"
    assert i18n.pick_lang(None, "en") == "en"
    assert i18n.pick_lang("fr", None) == "zh"


def test_money_is_babels_pattern_for_each_language_to_the_fen_half_up():
    from decimal import ROUND_HALF_UP, Decimal

    from babel.numbers import format_decimal

    from services.workbench.i18n import BABEL_LOCALES, money

    for lang, locale in BABEL_LOCALES.items():
        for text in ("0", "0.005", "-0.004", "12.345", "-5853.835", "1234567.891", "100", "999999999.995"):
            amount = Decimal(text).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            sign = "-" if amount < 0 else ""
            assert money(text, lang) == f"{sign}¥{format_decimal(abs(amount), format='#,##0.00', locale=locale)}"
    assert money(None, "zh") == "—" and money("x", "en") == "—"


def test_a_personal_field_whose_key_is_gone_or_unfetched_says_so_in_the_pages_language():
    from services.workbench.entrypoints.web.render import build_environment
    from shared.datakeys import ERASED, UNAVAILABLE

    template = build_environment().from_string("{{ v|personal }}")
    loaded = i18n.load_catalogs()
    shown = {lang: [template.render(v=v, _=loaded[lang].gettext) for v in (ERASED, UNAVAILABLE, "罗**")]
             for lang in ("zh", "en")}
    assert shown["zh"] == ["已删除", "暂时无法显示", "罗**"]
    assert shown["en"] == ["erased", "not available just now", "罗**"]
