"""A service item's definition holds together before publication (issue 21, item 9)."""
from hub.catalog.consistency import publication_problems, routed_days

STAGES = [{"mode": "all", "tasks": [{"department": "market", "days": 3}]},
          {"mode": "any", "tasks": [{"department": "fire", "days": 5},
                                    {"department": "food", "days": 2}]}]
DIRECTORY = {"departments": {"market": True, "fire": True, "food": True, "tax": False},
             "staffed": {"market", "fire", "food", "tax"},
             "names": {"market": "区市场监督管理局", "fire": "区消防救援大队",
                       "food": "区食品药品监督管理局", "tax": "区税务局"}}


def definition(**change):
    return {"promised_days": 8, "stages": STAGES,
            "form": [{"name": "a", "label": "甲", "departments": ["market"]}], **change}


def test_each_stage_takes_its_longest_step():
    assert routed_days(STAGES) == 8
    assert routed_days([]) == 0


def test_a_definition_that_holds_together_has_no_problem():
    assert publication_problems(definition(), **DIRECTORY) == {}


def test_stage_days_beyond_the_promised_days():
    found = publication_problems(definition(promised_days=7), **DIRECTORY)
    assert list(found) == ["promised_days"]
    assert "8 个工作日" in found["promised_days"][0] and "7 个工作日" in found["promised_days"][0]


def test_a_step_nobody_can_decide_or_a_stopped_department():
    stages = [*STAGES, {"mode": "all", "tasks": [{"department": "tax", "days": 1},
                                                 {"department": "police", "days": 1}]}]
    found = publication_problems(
        definition(promised_days=10, stages=stages),
        **{**DIRECTORY, "staffed": {"market", "food", "tax"}})
    assert found == {
        "stages.1.tasks.0.department": ["区消防救援大队没有在岗的审批人员或首席代表，办件到第 2 阶段将无人可办"],
        "stages.2.tasks.0.department": ["区税务局已停用，不能承担新的审批环节"],
        "stages.2.tasks.1.department": ["未知的部门：police"]}


def test_a_field_seen_by_a_stopped_department():
    found = publication_problems(definition(form=[
        {"name": "a", "label": "甲", "departments": ["market", "tax"]}]), **DIRECTORY)
    assert found == {"form.0.departments": ["字段“甲”的可见部门已停用或不存在：区税务局"]}
