"""Catalog upkeep: `python -m services.workbench.catalogs update|check`.

`update` extracts every string the pages show (`_()`/`ngettext()` in templates, `N_()` in Python)
and merges it into `locale/{zh,en}/LC_MESSAGES/messages.po`, keeping translations. `check`
exits non-zero when a string has no Chinese translation (English msgids are the English text).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from services.workbench.i18n import BABEL_LOCALES, LANGS, LOCALE_DIR

ROOT = Path(__file__).parent
METHODS = [("**/templates/*.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
FIXED_DATE = datetime(2026, 12, 7, tzinfo=UTC)  # a constant header: two people adding strings merge cleanly
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


def template() -> Catalog:
    """Every msgid the workbench uses, from its templates and Python."""
    catalog = Catalog(project="loanflow workbench", creation_date=FIXED_DATE)
    for filename, lineno, message, comments, context in extract_from_dir(ROOT, METHODS, keywords=KEYWORDS):
        catalog.add(message, locations=[(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"


def read(lang: str) -> Catalog:
    with open(po_path(lang), "rb") as f:
        return read_po(f, locale=BABEL_LOCALES[lang])


def update() -> None:
    """Merge the extracted strings into both catalogs (new ones untranslated, gone ones dropped)."""
    pot = template()
    for lang in LANGS:
        path = po_path(lang)
        catalog = read(lang) if path.exists() else Catalog(locale=BABEL_LOCALES[lang])
        catalog.update(pot, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            write_po(f, catalog, omit_header=False, no_location=True, width=120)


def missing(lang: str) -> list[str]:
    """Strings the pages use that the catalog lacks (for zh: lacks a translation)."""
    catalog = read(lang)
    gaps = []
    for message in template():
        if not message.id:
            continue
        found = catalog.get(message.id)
        translated = found is not None and (all(found.string) if isinstance(found.string, tuple) else found.string)
        if found is None or (lang == "zh" and not translated):
            gaps.append(message.id if isinstance(message.id, str) else message.id[0])
    return gaps


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        update()
        return 0
    gaps = {lang: missing(lang) for lang in LANGS}
    for lang, ids in gaps.items():
        for msgid in ids:
            print(f"{lang}: no translation for {msgid!r}")
    return 1 if any(gaps.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
