"""The national form's categories (国办公开办函〔2021〕30号, 《中华人民共和国政府信息公开
工作年度报告格式》, 26 September 2021): who asks, through which channel, and how each
request is answered, with the form's sub-category reasons. Plain data, no I/O.

Codes are the API's; labels are the form's own words (the report's tables print them).
"""
from __future__ import annotations

import dataclasses

CHANNELS = {"in_person": "当面", "web": "网上", "letter": "信函", "fax": "传真",
            "email": "电子邮件", "other": "其他"}

PERSON, ORGANISATION = "person", "organisation"
REQUESTER_KINDS = {PERSON: "自然人", ORGANISATION: "法人或其他组织"}
# The form splits organisations into five columns; a request that does not say is "other".
ORGANISATION_KINDS = {"commercial": "商业企业", "research": "科研机构",
                      "public_interest": "社会公益组织", "legal_services": "法律服务机构",
                      "other": "其他"}
DEFAULT_ORGANISATION_KIND = "other"


@dataclasses.dataclass(frozen=True)
class Reason:
    code: str
    label: str


@dataclasses.dataclass(frozen=True)
class Outcome:
    code: str
    label: str  # as the outcomes list names it
    row_label: str  # as the requests table prints it
    reasons: tuple[Reason, ...] = ()

    @property
    def needs_reason(self) -> bool:
        return bool(self.reasons)

    def reason(self, code: str) -> Reason | None:
        return next((r for r in self.reasons if r.code == code), None)


OUTCOMES: tuple[Outcome, ...] = (
    Outcome("disclosed", "予以公开", "（一）予以公开"),
    Outcome("partly_disclosed", "部分公开",
            "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    Outcome("withheld", "不予公开", "（三）不予公开", (
        Reason("state_secret", "1.属于国家秘密"),
        Reason("prohibited_by_law", "2.其他法律行政法规禁止公开"),
        Reason("three_securities", "3.危及“三安全一稳定”"),
        Reason("third_party", "4.保护第三方合法权益"),
        Reason("internal_affairs", "5.属于三类内部事务信息"),
        Reason("process_information", "6.属于四类过程性信息"),
        Reason("enforcement_files", "7.属于行政执法案卷"),
        Reason("administrative_query", "8.属于行政查询事项"))),
    Outcome("unavailable", "无法提供", "（四）无法提供", (
        Reason("not_held", "1.本机关不掌握相关政府信息"),
        Reason("needs_creation", "2.没有现成信息需要另行制作"),
        Reason("still_unclear", "3.补正后申请内容仍不明确"))),
    Outcome("not_processed", "不予处理", "（五）不予处理", (
        Reason("petition", "1.信访举报投诉类申请"),
        Reason("repeated", "2.重复申请"),
        Reason("publication", "3.要求提供公开出版物"),
        Reason("excessive", "4.无正当理由大量反复申请"),
        Reason("confirmation", "5.要求行政机关确认或重新出具已获取信息"))),
    Outcome("other", "其他处理", "（六）其他处理", (
        Reason("no_supplement",
               "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
        Reason("fee_unpaid",
               "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
        Reason("other", "3.其他"))),
)
OUTCOME_BY_CODE = {o.code: o for o in OUTCOMES}
# Reasons that only make sense at one point of the request's life (art. 30).
WAITING_ONLY_REASON = ("other", "no_supplement")  # the requester never completed it
AFTER_SUPPLEMENT_REASON = ("unavailable", "still_unclear")  # completed, still unclear


def outcome(code: str) -> Outcome | None:
    return OUTCOME_BY_CODE.get(code)


__all__ = ["AFTER_SUPPLEMENT_REASON", "CHANNELS", "DEFAULT_ORGANISATION_KIND",
           "ORGANISATION", "ORGANISATION_KINDS", "OUTCOMES", "OUTCOME_BY_CODE", "Outcome",
           "PERSON", "REQUESTER_KINDS", "Reason", "WAITING_ONLY_REASON", "outcome"]
