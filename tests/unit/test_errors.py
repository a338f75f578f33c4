from hub.errors import flatten_messages


def test_nested_messages_become_dotted_field_names():
    messages = {"name": ["Missing data."], "stages": {0: {"tasks": {1: {"days": ["Too small"]}}}},
                "_schema": ["bad"]}
    assert flatten_messages(messages) == {
        "name": ["Missing data."], "stages.0.tasks.1.days": ["Too small"], "_schema": ["bad"]}


def test_schema_errors_of_a_nested_object_keep_its_path():
    assert flatten_messages({"form": {"_schema": ["重复"]}}) == {"form": ["重复"]}
