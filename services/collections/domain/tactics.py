"""The seven borrower behaviour types of DOMAIN.md §3 and the tactic the notes give for each (zh, en).

The Chinese steps are the collector's notes as written (seed lines 156–221, "3、应对技巧"; a stray
backtick of the source dropped); the English is a faithful translation. Whatever the type, the
notes' rule holds: ask for the full amount, never a part payment first (`FULL_AMOUNT_RULE`, seed
line 242) — so no type's tactic asks for a part payment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Behaviour = Literal["hostile", "evasive", "victim", "confident", "stubborn", "sophisticated", "serial_promiser"]


@dataclass(frozen=True)
class Tactic:
    label_zh: str
    steps_zh: list[str]
    steps_en: list[str]


TACTICS: dict[str, Tactic] = {
    "hostile": Tactic(
        "挑衅型",
        [
            "找出敌对的动机;",
            "让客户发泄,并解释其遇到的挫折;",
            "关怀客户,同情其面对的难处;",
            "当客户冷静下来时,寻找可以解决的方案;",
            "永远不要以硬碰硬。",
        ],
        [
            "Find the motive behind the hostility;",
            "Let the borrower vent, and have them explain the setbacks they have met;",
            "Show care, and sympathise with the difficulties they face;",
            "Once the borrower has calmed down, look for a solution that can work;",
            "Never meet force with force.",
        ],
    ),
    "evasive": Tactic(
        "推托型",
        [
            "不断电话联系或者不断上门拜访,直到客户同意对贷款事宜进行探讨;",
            "暗示客户与我们协商将会是个更好的选择。告诉他们:“我本可以给你们提供更好的还款选择。”",
            "成功要素:自信",
        ],
        [
            "Keep calling or keep visiting until the borrower agrees to discuss the loan;",
            "Hint that negotiating with us would be the better choice. "
            "Tell them: “I could have offered you better repayment options.”",
            "Key to success: confidence",
        ],
    ),
    "victim": Tactic(
        "受害者型",
        [
            "等到该客户冷静下来,向他/她阐述状况;",
            "向客户表示对其现处困境以同情和理解;",
            "一旦客户得到理解,他/她通常都会变得容易接受其责任;",
            "将重心重新转移到偿还贷款,给予他/她各种还款选择。",
        ],
        [
            "Wait until the borrower has calmed down, then set out the situation to them;",
            "Show sympathy and understanding for the difficulties they are in;",
            "Once they feel understood, they usually become readier to accept their responsibility;",
            "Bring the focus back to repaying the loan, and give them the various ways to repay.",
        ],
    ),
    "confident": Tactic(
        "自信型",
        [
            "要表现十分坚定,并且显现出对程序和意义的充分了解;",
            "提出强有力的论证和事实;",
            "不要被客户恐吓住;",
            "引领谈话,并且向客户提供可选择的还款方案。",
        ],
        [
            "Be very firm, and show full knowledge of the procedure and what it means;",
            "Put forward strong arguments and facts;",
            "Do not let the borrower intimidate you;",
            "Lead the conversation, and offer the borrower repayment plans to choose from.",
        ],
    ),
    "stubborn": Tactic(
        "顽固型",
        [
            "一定要耐心;",
            "听完他们的解释后,再次解释为什么政策很严格,且为什么他需要遵守这样的政策;",
            "花一点时间告诉他按时还款的好处和还款的各种方式;",
            "强调还款的过程和按时还款的好处,并及时给出你的建议,保证你领导着谈话,最终你的坚持和专业将会解决一切问题。",
        ],
        [
            "Be patient, always;",
            "After hearing their explanation, explain again why the policy is strict and why they need to keep to it;",
            "Take a little time to tell them the benefits of paying on time and the ways to pay;",
            "Stress the repayment process and the benefits of paying on time, give your advice in good time, "
            "make sure you lead the conversation: in the end your persistence and professionalism will resolve "
            "everything.",
        ],
    ),
    "sophisticated": Tactic(
        "老练型",
        [
            "表现出对法律手段的程序和其意义的熟悉;",
            "坚持不懈,并且保持友好的态度;",
            "不要理睬其粗鲁的态度及充满敌意的肢体语言;",
            "专业一点,努力让客户通过可行的方案进行还款。",
        ],
        [
            "Show that you are familiar with the procedure of legal action and what it means;",
            "Persist, and stay friendly;",
            "Ignore their rude manner and hostile body language;",
            "Be professional, and work to have the borrower repay through a plan that can work.",
        ],
    ),
    "serial_promiser": Tactic(
        "保证还款型",
        ["告诉他兑现其还款诺言的重要性;", "强调不兑现诺言的严重后果;", "用行动证明你对催收还款是绝对认真的。"],
        [
            "Tell them why keeping their promise to repay matters;",
            "Stress the serious consequences of not keeping a promise;",
            "Show by your actions that you are absolutely serious about collecting.",
        ],
    ),
}

FULL_AMOUNT_RULE = {
    "zh": "8、最大的失策之一是要求先付一部分款。经验证明,应该要求全额付款,"
    "虽说拿到一点总比一点没拿到好,却不如收回更多。",
    "en": "8. One of the biggest mistakes is to ask for a part payment first. Experience shows you should ask for "
    "the full amount: getting a little may be better than getting nothing, but it is not as good as "
    "recovering more.",
}


def tactic(behaviour: str) -> dict[str, Any]:
    """The notes' tactic for a behaviour tag: steps in zh and en, and each as one text."""
    t = TACTICS[behaviour]
    return {
        "behaviour": behaviour,
        "label_zh": t.label_zh,
        "zh": "\n".join(t.steps_zh),
        "en": "\n".join(t.steps_en),
        "steps_zh": t.steps_zh,
        "steps_en": t.steps_en,
    }
