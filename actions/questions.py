"""The question each form asks for each slot (``action_ask_<slot>``), in one table."""

from __future__ import annotations

import abc
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

QUESTIONS: dict[str, str] = {
    "id_number": "请输入您的 18 位身份证号码（只用于核对身份，不会显示给他人）。",
    "phone": "请输入您的手机号码，方便工作人员联系您。",
    "phone_check": "请输入登记时留的手机号码（也可以只输入后四位）；还没做过求职登记的话请回复“没登记”。",
    "person_name": "请问您的姓名是？（与身份证一致）",
    "county": "您的户籍在临沂哪个县区？例如：兰山区、沂南县、费县。",
    "person_category": (
        "您属于哪一类人员？脱贫户（脱贫享受政策人口）、边缘户（边缘易致贫人口）、易地扶贫搬迁户，还是都不是？"
    ),
    "work_wanted": "您想找什么样的工作？例如：电工、进厂、保洁、家政。",
    "work_location": "想在本地就近工作，还是外出务工？",
    "needs_transport": "外出务工需要坐“点对点”专车吗？",
    "wants_training": "想参加职业技能培训吗？",
    "destination": "要去哪里务工？请说城市或县，例如：江苏昆山。",
    "departure_date": "打算哪天出发？例如：正月初八、下周一、3月5日。",
    "party_size": "一共几个人同行（包括您自己）？",
    "credit_code": "请输入单位的 18 位统一社会信用代码。",
    "org_phone": "请输入单位登记的联系电话（也可以只输入后四位）。",
    "subsidy_kind": (
        "请问是哪一种补贴：回复“以工代训”（单位吸纳脱贫人口就业），或“劳务输出”（人力资源机构有组织输出）？"
    ),
    "people_count": "涉及多少人？例如：3 人。",
    "subsidy_months": "这些人在单位就业并开展以工代训多少个月？例如：6 个月。",
}


class AskAction(Action, abc.ABC):
    """Asks for one slot (a subclass per slot is made below; this base stays abstract)."""

    @property
    @abc.abstractmethod
    def slot(self) -> str:
        """The slot asked for."""

    def name(self) -> str:
        """``action_ask_<slot>``."""
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Say the question (not while a far-ahead departure date waits for its confirmation)."""
        if self.slot == "departure_date" and tracker.get_slot("departure_date_pending"):
            return []
        dispatcher.utter_message(text=QUESTIONS[self.slot])
        return []


ASK_ACTIONS = [
    type(f"ActionAsk{slot.title().replace('_', '')}", (AskAction,), {"slot": slot, "__module__": __name__})
    for slot in QUESTIONS
]
