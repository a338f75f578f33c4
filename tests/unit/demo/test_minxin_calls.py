"""The demo's 民心网 cases: each comes as a small generated export that the import reads
back as exactly the planned case, received by 民心网 a while before; none is rated in
the hub (its citizen holds no receipt code of the hub)."""
from __future__ import annotations

from hub.demo.call_driver import MINXIN_LEAD, minxin_export
from hub.demo.calls import Call, Rate
from hub.tickets import minxin
from hub.tickets.public import KIND_LABELS
from tests.unit.demo.test_calls import calls


def _minxin_calls(seed: int) -> tuple[list[Call], list[Rate]]:
    _, plan = calls(seed)
    planned = [e for e in plan.events if isinstance(e, Call) and e.channel == "minxin"]
    rates = [e for e in plan.events if isinstance(e, Rate)]
    return planned, rates


def test_the_week_has_a_few_minxin_cases_and_none_is_rated_in_the_hub():
    for seed in (1, 2, 3):
        planned, rates = _minxin_calls(seed)
        assert planned and not any(e.public for e in planned)
        numbers = {e.ticket for e in planned}
        assert not [r for r in rates if r.subject[0] == "ticket" and r.subject[1] in numbers]


def test_the_generated_export_reads_back_as_the_planned_case():
    planned, _ = _minxin_calls(1)
    centers = minxin.center_aliases([(e.center, f"{e.center}街道政务服务中心") for e in planned])
    for event in planned:
        data = minxin_export(event, f"{event.center}街道政务服务中心")
        data.decode("gb18030")
        parsed = minxin.parse(minxin.read_export(data), centers=centers, default_center=None,
                              now=event.at)
        assert parsed.refused == ()
        [case] = parsed.cases
        assert case.received_at == event.at - MINXIN_LEAD
        assert dict(case.ticket) == {
            "kind": event.kind, "channel": "minxin", "center": event.center,
            "subject": event.subject, "content": event.content, "service_item": None,
            "caller": dict(event.caller)}
        assert KIND_LABELS[event.kind].encode("gb18030") in data
