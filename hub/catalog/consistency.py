"""Whether a service item's definition holds together before it is published (pure: the
directory's facts are given). A case routed by it must be finishable in the time it
promises, and every step must have someone who can decide it."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def routed_days(stages: Sequence[Mapping[str, Any]]) -> int:
    """Working days a case takes through ``stages`` at most: each stage as long as its
    longest step (the steps of a stage run at once)."""
    return sum(max((t["days"] for t in stage["tasks"]), default=0) for stage in stages)


def publication_problems(definition: Mapping[str, Any], *, departments: Mapping[str, bool],
                         staffed: set[str], names: Mapping[str, str]) -> dict[str, list[str]]:
    """``{field: [message]}`` of what keeps ``definition`` from being published:
    ``departments`` is every department's ``active`` flag, ``staffed`` those with an
    active approver or chief, ``names`` their names."""
    problems: dict[str, list[str]] = {}
    stages = definition.get("stages") or []
    total = routed_days(stages)
    if total > definition["promised_days"]:
        problems["promised_days"] = [
            f"各阶段时限之和为 {total} 个工作日（每阶段按最长的部门计），超过承诺时限 "
            f"{definition['promised_days']} 个工作日：请缩短阶段时限或延长承诺时限"]
    for s, stage in enumerate(stages):
        for t, task in enumerate(stage["tasks"]):
            code = task["department"]
            name = names.get(code, code)
            if code not in departments:
                message = f"未知的部门：{code}"
            elif not departments[code]:
                message = f"{name}已停用，不能承担新的审批环节"
            elif code not in staffed:
                message = f"{name}没有在岗的审批人员或首席代表，办件到第 {s + 1} 阶段将无人可办"
            else:
                continue
            problems.setdefault(f"stages.{s}.tasks.{t}.department", []).append(message)
    for f, field in enumerate(definition.get("form") or []):
        gone = [names.get(d, d) for d in field.get("departments") or []
                if not departments.get(d, False)]
        if gone:
            problems[f"form.{f}.departments"] = [
                f"字段“{field.get('label', field['name'])}”的可见部门已停用或不存在："
                f"{'、'.join(gone)}"]
    return problems


__all__ = ["publication_problems", "routed_days"]
