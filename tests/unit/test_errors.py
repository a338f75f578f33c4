from hub.errors import flatten_messages


def test_nested_messages_become_dotted_field_names():
    messages = {"name": ["Missing data."], "stages": {0: {"tasks": {1: {"days": ["Too small"]}}}},
                "_schema": ["bad"]}
    assert flatten_messages(messages) == {
        "name": ["Missing data."], "stages.0.tasks.1.days": ["Too small"], "_schema": ["bad"]}


def test_schema_errors_of_a_nested_object_keep_its_path():
    assert flatten_messages({"form": {"_schema": ["重复"]}}) == {"form": ["重复"]}


def test_the_domains_refusals_map_to_the_apis_errors_in_one_table():
    from hub.approvals.routing import RoutingError
    from hub.domain_errors import DomainError
    from hub.errors import BadRequest, Conflict, from_domain

    refused = from_domain(RoutingError("办件已办结，不能撤回"))
    assert type(refused) is Conflict and refused.status == 409
    assert refused.detail == "办件已办结，不能撤回"
    assert type(from_domain(DomainError("不行"))) is BadRequest


def test_the_routing_engine_knows_nothing_of_http():
    from hub.approvals.routing import RoutingError
    from hub.errors import HubError

    assert not issubclass(RoutingError, HubError)
