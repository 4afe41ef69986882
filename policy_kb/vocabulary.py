"""Every code list of the assistant with its official Chinese label, defined once.

Codes are English snake_case and are what the knowledge base, the case database (its CHECK constraints), the
HTTP case API and the slots hold; labels are what the user reads. The knowledge base (loader and eligibility
rules), the case store, the migrations, validation and the replies all import their lists from here.

This module is a leaf: it imports nothing of the project, so every layer may import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType


def _frozen(mapping: dict[str, str]) -> Mapping[str, str]:
    return MappingProxyType(mapping)


# --- persons --------------------------------------------------------------------------------------------------

# Person categories in the policy's own terms (临人社字〔2021〕88号). "other" is what a case record holds for
# anyone outside the policy's target groups; a clause never names it.
OTHER_CATEGORY = "other"
PERSON_CATEGORY_LABELS: Mapping[str, str] = _frozen(
    {
        "poverty_alleviated": "脱贫享受政策人口",
        "edge_of_poverty": "边缘易致贫人口",
        "relocated": "易地扶贫搬迁群众",
        "central_western_migrant": "中西部脱贫人口",
        "rural_low_income": "农村低收入群体",
        OTHER_CATEGORY: "其他人员",
    }
)
# The groups a clause may name as its beneficiaries (knowledge base).
POLICY_PERSON_CATEGORIES: tuple[str, ...] = tuple(c for c in PERSON_CATEGORY_LABELS if c != OTHER_CATEGORY)
# The categories a person's case record may hold (database CHECK, store validation, registration form).
RECORDED_PERSON_CATEGORIES: tuple[str, ...] = (
    "poverty_alleviated",
    "edge_of_poverty",
    "relocated",
    "central_western_migrant",
    OTHER_CATEGORY,
)

# A person's employment status as the case system records it; the label reads in both "登记的就业状态是……"
# and "本条适用于……人员".
EMPLOYMENT_STATUS_LABELS: Mapping[str, str] = _frozen(
    {
        "employed": "已就业",
        "unemployed": "未就业",
        "flexible": "灵活就业",
        "public_welfare_post": "乡村公益性岗位安置",
        "self_employed": "自主创业",
    }
)

# Where a job seeker wants to work (求职登记).
LOCAL_OR_AWAY_LABELS: Mapping[str, str] = _frozen({"local": "就地就近就业", "away": "外出务工"})

# Yes/no facts about a person (also carried on each employment and placement of that person).
PERSON_FLAG_LABELS: Mapping[str, str] = _frozen({"received_work_for_training": "已享受过以工代训职业培训补贴"})
# Yes/no facts about one job: an employment with an employer or a placement by an HR agency.
JOB_FLAG_LABELS: Mapping[str, str] = _frozen(
    {
        "with_work_for_training": "开展以工代训",
        "outside_home_county": "到户籍所在县（市、区）以外就业",
    }
)

# --- organisations and applicants -----------------------------------------------------------------------------

# Production and business entities that employ people (企业、合作社、就业帮扶车间……).
EMPLOYER_KIND_LABELS: Mapping[str, str] = _frozen(
    {
        "enterprise": "企业",
        "cooperative": "农民专业合作社",
        "assistance_workshop": "就业帮扶车间",
        "community_factory": "社区工厂",
        "satellite_factory": "卫星工厂",
    }
)

# Who applies for a subsidy: a person (ID number), an employer or an HR agency (credit code).
APPLICANT_KIND_LABELS: Mapping[str, str] = _frozen(
    {
        "person": "个人",
        "employer": "用人单位",
        "hr_agency": "人力资源服务机构",
    }
)

# Whom a clause is addressed to (knowledge base ``audiences`` and benefit ``recipient``).
AUDIENCE_LABELS: Mapping[str, str] = _frozen(
    {
        "worker": "劳动者",
        "employer": "用人单位",
        "hr_agency": "人力资源服务机构",
        "county_government": "县区政府及部门",
    }
)

# How a benefit is counted (knowledge base ``basis``).
BENEFIT_BASES: tuple[str, ...] = ("per_person_month", "per_person_once")

# --- requests, applications and their statuses ----------------------------------------------------------------

STATUS_LABELS: Mapping[str, str] = _frozen(
    {
        "submitted": "已提交",
        "in_review": "审核中",
        "approved": "已通过",
        "rejected": "未通过",
        "completed": "已办结",
        "cancelled": "已撤销",
    }
)
# Statuses after which a request is finished; a new request of the same kind may then be made.
CLOSED_STATUSES: frozenset[str] = frozenset({"rejected", "completed", "cancelled"})

# Whether a clause applies on a day (the values of policy_kb.dates.ClauseStatus).
VALIDITY_LABELS: Mapping[str, str] = _frozen(
    {
        "active": "现行有效",
        "clause_expired": "本条已到期",
        "document_expired": "文件已到期",
        "not_yet_issued": "尚未施行",
    }
)
# Channels a conversation comes through (Rasa's input channel names).
CHANNEL_LABELS: Mapping[str, str] = _frozen({"wechat": "微信公众号", "rest": "REST 接口", "unknown": "未知渠道"})
# How the assistant dealt with a user's turn (the supervisor's dashboard).
TURN_OUTCOME_LABELS: Mapping[str, str] = _frozen(
    {"answered": "已回答", "clarification": "进入澄清", "fallback": "进入兜底", "handoff": "转人工"}
)

# Kinds of item a status answer lists.
ITEM_KIND_LABELS: Mapping[str, str] = _frozen(
    {
        "registration": "求职登记",
        "transport_request": "“点对点”出行申请",
        "training_enrolment": "技能培训报名",
        "subsidy_application": "补贴申请",
        "handoff": "人工服务请求",
    }
)
# Prefix of the human-readable reference of each kind of item.
REFERENCE_PREFIXES: Mapping[str, str] = _frozen(
    {
        "registration": "DJ",
        "transport_request": "DD",
        "training_enrolment": "PX",
        "subsidy_application": "BT",
        "handoff": "ZR",
    }
)


def label(labels: Mapping[str, str], code: str | None) -> str:
    """The Chinese label of ``code`` in ``labels``; the code itself when unknown, ``""`` for ``None``."""
    if code is None:
        return ""
    return labels.get(code, code)
