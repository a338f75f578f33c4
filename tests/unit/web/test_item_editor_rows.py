"""The item editor's rows (issue 21, item 9): a definition into rows of inputs and back,
removed rows dropped, added rows blank, messages placed beside the input they are about."""
from werkzeug.datastructures import MultiDict

from hub.web.item_editor import definition_of, placed, rows_of, rows_posted

DEFINITION = {
    "name": "开办餐饮店", "promised_days": 10, "yellow_days": 1,
    "form": [{"name": "seats", "label": "座位数", "type": "integer", "required": True,
              "departments": ["fire"], "min": 0, "max": 2000},
             {"name": "cuisine", "label": "经营类别", "type": "choice", "required": False,
              "departments": ["food", "market"], "options": ["热食类", "冷食类"]}],
    "stages": [{"mode": "all", "tasks": [{"department": "market", "days": 3}]},
               {"mode": "any", "tasks": [{"department": "fire", "days": 5},
                                         {"department": "food", "days": 5}]}]}


def posted(rows, **extra):
    form = MultiDict([("name", rows["name"]), ("promised_days", rows["promised_days"]),
                      ("yellow_days", rows["yellow_days"]),
                      ("field_rows", str(len(rows["fields"]))),
                      ("stage_rows", str(len(rows["stages"])))])
    for i, f in enumerate(rows["fields"]):
        for key in ("name", "label", "type", "options", "min", "max"):
            form.add(f"f{i}.{key}", f[key])
        for flag in ("required", "not_past", "company"):
            if f[flag]:
                form.add(f"f{i}.{flag}", "1")
        for d in f["departments"]:
            form.add(f"f{i}.departments", d)
    for j, s in enumerate(rows["stages"]):
        form.add(f"s{j}.mode", s["mode"])
        for d, days in s["days"].items():
            form.add(f"s{j}.days.{d}", days)
    for key, value in extra.items():
        form.add(key, value)
    return form


def test_a_definition_goes_through_the_rows_unchanged():
    rows = rows_of(DEFINITION)
    assert rows["fields"][1]["options"] == "热食类、冷食类"
    again, _ = definition_of(rows_posted(posted(rows)))
    assert again == {**DEFINITION, "form": [
        {k: v for k, v in f.items() if v is not False} for f in DEFINITION["form"]]}


def test_rows_are_removed_and_added():
    rows = rows_of(DEFINITION)
    form = posted(rows, **{"f0.remove": "1", "s1.remove": "1", "action": "add_field"})
    changed = rows_posted(form)
    assert [f["name"] for f in changed["fields"]] == ["cuisine", ""]
    assert len(changed["stages"]) == 1
    assert len(rows_posted(posted(rows, action="add_stage"))["stages"]) == 3


def test_messages_go_beside_the_inputs_they_are_about():
    rows = rows_of(DEFINITION)
    # The first field removed: the page comes back with the second as its first row.
    form = posted(rows, **{"f0.remove": "1"})
    again = rows_posted(form)
    assert again["fields"][0]["name"] == "cuisine"
    _, where = definition_of(again)
    assert placed({"form.0.options": ["x"], "stages.1.tasks.1.department": ["y"],
                   "stages.0.tasks.0.days": ["z"], "promised_days": ["w"]}, where) == {
        "f0.options": ["x"], "s1.days.food": ["y"], "s0.days.market": ["z"],
        "promised_days": ["w"]}
