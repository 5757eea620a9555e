"""An API refusal on a page: the rule in the reader's language, the API's code and message, the fields
at fault, and when contact is next allowed when the API says so."""

from __future__ import annotations

from types import SimpleNamespace

from services.workbench import i18n
from services.workbench.adapters.api import ApiRefusal, refusal_from
from services.workbench.entrypoints.web.render import build_environment
from services.workbench.entrypoints.web.rules import RULES, rule_title

CATALOGS = i18n.load_catalogs()


def shown(refusal: ApiRefusal, lang: str) -> str:
    template = build_environment().get_template("_refusal.html")
    return template.render(refusal=refusal, _=CATALOGS[lang].gettext, rule_title=rule_title, lang=lang,
                           tz="Asia/Shanghai")


def test_a_contact_policy_refusal_names_its_rule_and_when_contact_is_next_allowed():
    refusal = ApiRefusal(409, "call_frequency", "at most 7 calls per 7 days on a case (7 made)",
                         [{"rule": "call_frequency", "next_allowed_at": "2026-12-08T01:00:00+00:00"}], "collections")
    zh = shown(refusal, "zh")
    assert "联系规则：本案件近7天内电话次数已达上限" in zh
    assert "下次可联系时间：2026/12/8 09:00" in zh, "in the collectors' time zone"
    assert "at most 7 calls per 7 days" in zh and "<code>call_frequency</code>" in zh
    en = shown(refusal, "en")
    assert "Contact is next allowed at 12/8/26, 9:00\u202fAM" in en and "rule: call_frequency" not in en


def test_field_errors_show_the_field_and_unknown_codes_still_show_the_apis_words():
    invalid = ApiRefusal(422, "validation_error", "request body is invalid",
                         [{"loc": ["body", "promised_date"], "msg": "Input should be a valid date"}], "collections")
    assert "promised_date: Input should be a valid date" in shown(invalid, "en")
    novel = ApiRefusal(409, "brand_new_rule", "something the API explains", [], "collections")
    assert "The request was refused" in shown(novel, "en") and "something the API explains" in shown(novel, "en")


def test_every_rule_has_words_in_both_catalogs():
    for code in RULES:
        assert CATALOGS["zh"].gettext(rule_title(code)) != rule_title(code), code


def test_a_refusal_is_read_from_the_contract_error_body_or_from_anything_else():
    contract = SimpleNamespace(status_code=409, reason_phrase="Conflict",
                               json=lambda: {"error": {"code": "one_open_promise", "message": "m", "details": [1]}})
    assert refusal_from("collections", contract) == ApiRefusal(409, "one_open_promise", "m", [1], "collections")
    plain = SimpleNamespace(status_code=404, reason_phrase="Not Found", json=lambda: {"detail": "Not Found"})
    assert refusal_from("reporting", plain).code == "http_404"

    def broken() -> dict:
        raise ValueError("not json")

    html = SimpleNamespace(status_code=502, reason_phrase="Bad Gateway", json=broken)
    assert refusal_from("servicing", html) == ApiRefusal(502, "http_502", "Bad Gateway", [], "servicing")
