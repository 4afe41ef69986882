"""Typed errors of the case system, each with a Chinese message that can be shown to the user as is.

One family: :class:`CaseStoreError` is what every store raises; it is either :class:`CaseSystemUnavailable`
(no answer: try again later) or :class:`CaseRequestRefused` (an answer that says no, with a reason class).
``actions.base.CaseSystemAction`` turns any of them into the user's message.
"""

from __future__ import annotations

import datetime as dt


class CaseStoreError(Exception):
    """Base class; ``user_message`` is Chinese and safe to show (no personal data)."""

    default_message = "案件系统处理失败，请稍后再试，或转人工服务。"

    def __init__(self, user_message: str | None = None, *, detail: str = "") -> None:
        self.user_message = user_message or self.default_message
        self.detail = detail
        super().__init__(self.user_message + (f" ({detail})" if detail else ""))


class CaseSystemUnavailable(CaseStoreError):
    """The case system cannot be reached or did not answer in time (after any retries)."""

    default_message = "案件系统暂时无法连接，请稍后再试，或转人工服务。"


class CaseRequestRefused(CaseStoreError):
    """The case system answered, but refused or failed the request."""

    default_message = "案件系统没能处理这个请求，请稍后再试，或转人工服务。"


class InvalidRequest(CaseRequestRefused):
    """The request breaks the case system's integrity rules (:mod:`bot.cases.integrity`); nothing was changed."""

    default_message = "提交的信息不完整或不符合要求，没有保存。请重新办理，或转人工服务。"


class PersonNotFound(CaseRequestRefused):
    """The request needs a person the case system does not know (register first)."""

    default_message = "还没有找到您的求职登记，请先办理求职登记。"


class IdentityMismatch(CaseRequestRefused):
    """The details given do not match the case system's record; says nothing about which field."""

    default_message = "您提供的信息与系统记录不一致，暂时无法办理。如需帮助，可以转人工服务。"


class IdentityLocked(CaseStoreError):
    """Too many failed identity proofs: nothing is compared or shown until ``until``."""

    default_message = "身份核对失败次数过多，已暂停核对，请稍后再试。"

    def __init__(self, user_message: str, *, until: dt.datetime) -> None:
        super().__init__(user_message)
        self.until = until


class IdentityNotProven(CaseStoreError):
    """The conversation has not proven (or no longer proves) the identity whose record it asks for."""

    default_message = "为保护个人信息，请先核对身份（身份证号和登记的手机号）后再查询。"


class OrganisationNotFound(CaseRequestRefused):
    """No employer or HR agency with that unified social credit code (or it could not be verified)."""

    default_message = "没有核验通过这个单位，请核对统一社会信用代码和联系电话，或转人工服务。"


class ReferenceNotFound(CaseRequestRefused):
    """No registration, request or application has that reference."""

    default_message = "没有找到这个受理编号，请核对后再试。"
