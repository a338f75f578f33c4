"""The report's text sections, written from its figures in the manner of the district's
own reports (the seed's 2016 report): pure functions, no I/O.

The administrator may write sections 五 and 六 themselves; otherwise the text says what
the data says, and asks the office to complete what only people know.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from hub.disclosure.categories import OUTCOMES
from hub.supervision import indicators

ORDER = "一二三四五六七八九十"
SECTIONS = ("总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况",
            "政府信息公开行政复议、行政诉讼情况", "存在的主要问题及改进情况",
            "其他需要报告的事项")
FORMAT_BASIS = ("《中华人民共和国政府信息公开条例》（以下简称《条例》）和《中华人民共和国"
                "政府信息公开工作年度报告格式》（国办公开办函〔2021〕30号）")


@dataclasses.dataclass(frozen=True)
class CaseFigures:
    """The service centers' cases of the year (e-supervision's annual figures): ``overdue``
    are the cases still open past a deadline that fell in the year; the two rates are
    ``hub.supervision.indicators``' (API.md, "Supervision")."""

    received: int
    concluded: int
    on_time: int
    centers: int
    overdue: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return indicators.rate(self.on_time, self.concluded)

    @property
    def timeliness_rate(self) -> float | None:
        return indicators.rate(self.on_time, self.concluded + self.overdue)

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "on_time_rate": self.on_time_rate,
                "timeliness_rate": self.timeliness_rate}


@dataclasses.dataclass(frozen=True)
class HotlineFigures:
    """The call center's year: tickets received and answered."""

    received: int
    answered: int


@dataclasses.dataclass(frozen=True)
class RatingFigures:
    ratings: int
    satisfied: int  # levels 3–5


@dataclasses.dataclass(frozen=True)
class HubFigures:
    cases: CaseFigures
    hotline: HotlineFigures | None = None
    ratings: RatingFigures | None = None


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def heading(n: int) -> str:
    return f"{ORDER[n - 1]}、{SECTIONS[n - 1]}"


def preamble(district: str, year: int, as_of: dt.date, is_open: bool) -> list[str]:
    period = (f"{year}年1月1日至{chinese_date(as_of)}" if is_open
              else f"{year}年1月1日至{year}年12月31日")
    text = [f"本报告根据{FORMAT_BASIS}要求，由{district}政务公开工作办公室根据区街政务服务数据中心"
            f"的数据编制，全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、"
            f"政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。"
            f"本报告所列数据的统计期限为{period}。"]
    if is_open:
        text.append(f"{year}年度尚未结束，本报告数据截至{chinese_date(as_of)}，不是正式的年度报告，"
                    f"请于年度结束后重新生成。")
    return text


def overview(district: str, year: int, requests: Mapping[str, Any],
             proactive: Mapping[str, Any], reviews: Mapping[str, Mapping[str, int]],
             figures: HubFigures) -> list[str]:
    """一、总体情况: four paragraphs, (一) to (四)."""
    return [_proactive(district, year, proactive), _on_request(district, year, requests),
            _platform(year, figures), _supervision(year, reviews)]


def _proactive(district: str, year: int, p: Mapping[str, Any]) -> str:
    head = (f"（一）主动公开。{year}年，{district}坚持“公开为常态、不公开为例外”原则，对行政决策、"
            f"执行、管理、服务、结果及时依法依规予以公开。")
    if not p.get("kept"):
        return head + "本年度主动公开各项数字尚未由管理员填报，第二部分表格暂以零列示。"
    docs, regs = p["normative_documents"], p["regulations"]
    made = f"制发行政规范性文件{docs['made']}件、废止{docs['abolished']}件，现行有效{docs['in_force']}件"
    if regs["made"] or regs["abolished"] or regs["in_force"]:
        made = f"制发规章{regs['made']}件、废止{regs['abolished']}件，现行有效{regs['in_force']}件；" + made
    return (head + f"全年{made}；公开行政许可决定{p['licences']}件、行政处罚决定{p['penalties']}件、"
            f"行政强制决定{p['coercions']}件；行政事业性收费{p['fees']}万元。")


def _on_request(district: str, year: int, r: Mapping[str, Any]) -> str:
    received = r["received"]
    parts = "，".join(f"{o.label}{r['by_outcome'][o.code]}件" for o in OUTCOMES
                     if r["by_outcome"][o.code])
    text = (f"（二）依申请公开。{year}年，{district}严格按照《条例》规定的程序和时限办理政府信息"
            f"公开申请，对每件申请登记、计时、答复全程留痕。全年新收政府信息公开申请"
            f"{received['total']}件，其中自然人{received['person']}件、法人或其他组织"
            f"{received['organisation']}件；上年结转{r['carried_in']}件。")
    if r["answered"]:
        timing = ("全部在法定期限内答复" if r["late"] == 0 else
                  f"在法定期限内答复{r['on_time']}件，按时答复率{percent(r['on_time_rate'])}")
        text += f"本年度办结{r['answered']}件（{parts}），{timing}。"
    else:
        text += "本年度没有办结的申请。"
    extra = []
    if r["extended"]:
        extra.append(f"经政务公开工作机构负责人批准延长答复期限{r['extended']}件")
    if r["supplemented"]:
        extra.append(f"申请内容不明确、告知申请人补正{r['supplemented']}件")
    if extra:
        text += "其中" + "，".join(extra) + "。"
    text += f"结转下年度继续办理{r['carried_out']}件。"
    return text


def _platform(year: int, f: HubFigures) -> str:
    c = f.cases
    text = (f"（三）政府信息管理和平台建设。区街政务服务数据中心实行统一数据库、统一用户管理，"
            f"对十五个街道政务服务中心实行全效能监控，办件信息、审批时限和办理结果全程留痕、"
            f"可查可溯。")
    if c.received or c.concluded or c.overdue:
        text += (f"{year}年，全区{c.centers}个政务服务中心共受理办件{c.received}件，"
                 f"办结{c.concluded}件，其中按时办结{c.on_time}件，按时办结率"
                 f"{percent(c.on_time_rate)}；"
                 + (f"另有{c.overdue}件已超过办理时限仍未办结，" if c.overdue
                    else "没有超过办理时限仍未办结的办件，")
                 + "办结及时率（按时办结件数除以办结件数与超期未办结件数之和）为"
                 f"{percent(c.timeliness_rate)}。")
    else:
        text += f"数据中心尚无{year}年度的办件记录（办件数据自数据中心启用之日起汇集）。"
    if f.hotline is not None:
        text += (f"“114政务服务热线”及网上咨询投诉渠道全年受理工单{f.hotline.received}件，"
                 f"答复{f.hotline.answered}件")
        text += ("，做到咨询、监督事项事事有答复、件件有回音。" if f.hotline.answered >= f.hotline.received
                 else f"，尚有{f.hotline.received - f.hotline.answered}件正在办理。")
    if f.ratings is not None and f.ratings.ratings:
        share = percent(f.ratings.satisfied / f.ratings.ratings)
        text += (f"办件和工单“好差评”共收到评价{f.ratings.ratings}条，其中满意和基本满意"
                 f"{f.ratings.satisfied}条，满意率{share}。")
    return text


def _supervision(year: int, reviews: Mapping[str, Mapping[str, int]]) -> str:
    reconsideration = reviews["reconsideration"]["total"]
    lawsuits = reviews["litigation_direct"]["total"] + reviews["litigation_after_review"]["total"]
    head = "（四）监督保障。政府信息公开工作纳入绩效考评，申请办理实行首问负责、限时办结，临近期限的申请提前预警。"
    if reconsideration == 0 and lawsuits == 0:
        return head + f"{year}年，政府信息公开相关行政复议、行政诉讼案件为零。"
    return head + (f"{year}年，因政府信息公开被申请行政复议{reconsideration}件、"
                   f"提起行政诉讼{lawsuits}件（详见第四部分）。")


def problems(year: int, requests: Mapping[str, Any], kept: str | None) -> list[str]:
    """五、存在的主要问题及改进情况: the administrator's text, else what the data shows."""
    if kept and kept.strip():
        return _paragraphs(kept)
    found = []
    if requests["late"]:
        found.append(f"本年度有{requests['late']}件申请超过法定期限答复")
    if requests["overdue"]:
        found.append(f"有{requests['overdue']}件申请超过法定期限尚未答复")
    if found:
        text = ("一是依申请公开办理时效仍需提高：" + "，".join(found) + "。下一步将对临近期限的申请"
                "提前三个工作日黄牌预警，逾期的红牌督办，确保在法定期限内答复。")
    else:
        text = f"{year}年度依申请公开申请均在法定期限内答复，未发现逾期情况。"
    return [text, "（其他问题及改进措施，请政务公开工作办公室补充。）"]


def other_matters(year: int, processing_fees: str, kept: str | None) -> list[str]:
    """六、其他需要报告的事项: the information processing fees, and the administrator's text."""
    fee = ("未收取信息处理费" if float(processing_fees) == 0
           else f"收取信息处理费{processing_fees}元")
    text = [f"依据《政府信息公开信息处理费管理办法》（国办函〔2020〕109号），{year}年度{fee}。"]
    if kept and kept.strip():
        text += _paragraphs(kept)
    return text


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


__all__ = ["CaseFigures", "HotlineFigures", "HubFigures", "RatingFigures", "chinese_date",
           "heading", "other_matters", "overview", "percent", "preamble", "problems"]
