"""Languages (gettext catalogs read with Babel at start) and locale formatting of money, dates, rates.

Chinese is the default; `?lang=en` switches and a cookie remembers it. The `.po` files under
`locale/` are compiled in memory when the app starts, so a clean checkout works with no build step.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol
from babel.support import Translations

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
BABEL_LOCALES = {"zh": "zh_CN", "en": "en_US"}
LOCALE_DIR = Path(__file__).parent / "locale"
CENT = Decimal("0.01")


def load_catalogs(directory: Path = LOCALE_DIR) -> dict[str, Translations]:
    """Each language's `messages.po`, compiled in memory (no .mo files needed)."""
    catalogs: dict[str, Translations] = {}
    for lang in LANGS:
        with open(directory / lang / "LC_MESSAGES" / "messages.po", "rb") as po:
            catalog = read_po(po, locale=BABEL_LOCALES[lang])
        buffer = BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        catalogs[lang] = Translations(fp=buffer)
    return catalogs


def pick_lang(query: str | None, cookie: str | None) -> str:
    """`?lang=` first, then the remembered cookie, then Chinese."""
    for candidate in (query, cookie):
        if candidate in LANGS:
            return candidate
    return DEFAULT_LANG


def to_decimal(value: Any) -> Decimal | None:
    """A money value from the APIs (decimal string) as Decimal; None when absent or not a number."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@lru_cache(maxsize=8)
def _money_symbols(lang: str) -> dict[int, str]:
    """The locale's group and decimal symbols, as a str.translate table over Python's `,` and `.`."""
    locale = BABEL_LOCALES[lang]
    return str.maketrans({",": get_group_symbol(locale), ".": get_decimal_symbol(locale)})


def money(value: Any, lang: str) -> str:
    """`¥1,234.56` in both languages (CNY, half-up to the fen); an em dash when there is no amount.

    The locale's `#,##0.00` with its own symbols (Babel's), formatted by Python: a page shows
    hundreds of amounts and Babel parses its pattern again for each."""
    amount = to_decimal(value)
    if amount is None:
        return "—"
    amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{f'{abs(amount):,.2f}'.translate(_money_symbols(lang))}"


def as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value).date() if "T" in value else date.fromisoformat(value)
        except ValueError:
            return None
    return None


def as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and "T" in value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def fmt_date(value: Any, lang: str, form: str = "medium") -> str:
    """A business date per locale (zh 2026年4月20日, en Apr 20, 2026); '—' when absent."""
    day = as_date(value)
    return _formatted_date(day, lang, form) if day else "—"


@lru_cache(maxsize=4096)
def _formatted_date(day: date, lang: str, form: str) -> str:
    """Babel's formatting of one date (a page repeats a few dates many times; Babel is slow per call)."""
    return format_date(day, form, locale=BABEL_LOCALES[lang])


def fmt_datetime(value: Any, lang: str, tz: str | None = None) -> str:
    """A moment per locale in the collectors' time zone, short form (zh 2026/4/20 13:05, en 4/20/26, 1:05 PM)."""
    moment = as_datetime(value)
    if moment is None:
        return fmt_date(value, lang, "short")
    if tz and moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(tz))
    return format_datetime(moment, "short", locale=BABEL_LOCALES[lang])


def fmt_rate(value: Any, lang: str, digits: int = 1, unit: str = "%") -> str:
    """A rate 0..1 as a percentage with `digits` decimals (`unit=""`: the number of points alone); '—' when absent."""
    number = to_decimal(value)
    if number is None:
        return "—"
    pattern = "#,##0." + "0" * digits if digits > 0 else "#,##0"
    return format_decimal(number * 100, format=pattern, locale=BABEL_LOCALES[lang]) + unit


def fmt_number(value: Any, lang: str) -> str:
    number = to_decimal(value)
    return "—" if number is None else format_decimal(number, locale=BABEL_LOCALES[lang])


def language_name(lang: str) -> str:
    return Locale.parse(BABEL_LOCALES[lang]).get_language_name(BABEL_LOCALES[lang]) or lang
