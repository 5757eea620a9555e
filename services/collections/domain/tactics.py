"""The seven borrower behaviour types of DOMAIN.md and the tactic each suggests (zh, en)."""

from __future__ import annotations

from typing import Literal

Behaviour = Literal["hostile", "evasive", "victim", "confident", "stubborn", "sophisticated", "serial_promiser"]

TACTICS: dict[str, dict[str, str]] = {
    "hostile": {
        "label_zh": "挑衅型",
        "zh": "保持冷静，不被激怒；陈述事实与后果，记录通话，必要时由主管接手。",
        "en": "Stay calm and do not rise to provocation; state facts and consequences, record the call, "
              "hand over to a supervisor if needed.",
    },
    "evasive": {
        "label_zh": "推托型",
        "zh": "不接受模糊答复，要求给出具体金额和日期，当场确认承诺还款。",
        "en": "Do not accept vague answers; ask for a concrete amount and date and confirm the promise on the call.",
    },
    "victim": {
        "label_zh": "受害者型",
        "zh": "先倾听、表示理解，再把困难与还款义务分开，提出可行的分期安排。",
        "en": "Listen and acknowledge first, then separate the hardship from the obligation and offer a "
              "workable instalment plan.",
    },
    "confident": {
        "label_zh": "自信型",
        "zh": "以专业和数据回应，说明逾期对征信和法律的影响，要求全额还款。",
        "en": "Answer with professionalism and figures; explain the credit-record and legal consequences and "
              "ask for the full amount.",
    },
    "stubborn": {
        "label_zh": "顽固型",
        "zh": "反复、一致地施压，升级渠道（挂号信、上门、法务），每一步留痕。",
        "en": "Apply consistent, repeated pressure; escalate the channel (registered letter, visit, legal) and "
              "document every step.",
    },
    "sophisticated": {
        "label_zh": "老练型",
        "zh": "熟悉催收流程，避免空洞威胁；只陈述可执行的措施并按时执行。",
        "en": "Knows the process: avoid empty threats, state only actions you will take, and take them on time.",
    },
    "serial_promiser": {
        "label_zh": "保证还款型",
        "zh": "多次爽约：不再接受口头承诺，要求当日部分还款作为诚意，按政策升级。",
        "en": "Breaks promises repeatedly: stop accepting verbal promises, ask for a same-day part payment as "
              "good faith, escalate per policy.",
    },
}


def tactic(behaviour: str) -> dict[str, str]:
    """The recommended tactic for a behaviour tag, with zh and en text."""
    return {"behaviour": behaviour, **TACTICS[behaviour]}
