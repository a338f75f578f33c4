"""``@limit`` on a view, over HTTP on both backends: counted in the shared database, per
client address (the one way to read it), 429 problem+json with Retry-After."""
from __future__ import annotations

import datetime as dt
import threading

import marshmallow as ma
import pytest
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import func, select

from hub.config import ConfigurationError
from hub.throttle import limit
from hub.throttle.models import ThrottleWindow
from hub.throttle.services import prune
from tests.conftest import build_app

PROBLEM = "application/problem+json"
blp = Blueprint("throttle_test", __name__, url_prefix="/throttle-test")
CALLS: list[str] = []


class EchoSchema(ma.Schema):
    text = ma.fields.String(required=True)


@blp.route("")
class Limited(MethodView):
    @limit("test.echo", per_address=3, window=60)
    @blp.arguments(EchoSchema)
    @blp.response(200, EchoSchema)
    def post(self, body):
        """A view with a rate limit, as a public endpoint carries one."""
        CALLS.append(body["text"])
        return body


def mount(application):
    application.extensions["hub.api"].register_blueprint(blp)
    return application


@pytest.fixture
def app(app):
    CALLS.clear()
    return mount(app)


def post(client, text="hi", address="203.0.113.7", **kw):
    return client.post("/throttle-test", json={"text": text},
                       environ_base={"REMOTE_ADDR": address}, **kw)


def test_over_the_limit_is_429_problem_with_retry_after_and_the_view_does_not_run(client, app):
    assert [post(client, f"t{n}").status_code for n in range(3)] == [200] * 3
    refused = post(client, "t3")
    assert refused.status_code == 429 and refused.mimetype == PROBLEM
    assert refused.json["status"] == 429 and refused.json["title"]
    retry_after = int(refused.headers["Retry-After"])
    assert 0 < retry_after <= 120
    assert CALLS == ["t0", "t1", "t2"]
    app.extensions["hub.clock"].advance(dt.timedelta(seconds=retry_after))
    assert post(client, "later").status_code == 200


def test_malformed_requests_count_too(client):
    for _ in range(3):
        assert client.post("/throttle-test", data="{oops", content_type="application/json",
                           environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 400
    assert post(client).status_code == 429


def test_each_address_has_its_own_budget_and_an_ipv6_64_is_one_client(client):
    for _ in range(3):
        post(client, address="203.0.113.7")
    assert post(client, address="203.0.113.7").status_code == 429
    assert post(client, address="198.51.100.20").status_code == 200
    for n in range(3):
        assert post(client, address=f"2001:db8:1:2::{n + 1}").status_code == 200
    # Another address of the same /64 is the same client.
    assert post(client, address="2001:db8:1:2:ffff::9").status_code == 429
    assert post(client, address="2001:db8:1:3::1").status_code == 200


def test_a_forwarded_for_header_is_ignored_unless_the_proxy_is_trusted(client, database_url,
                                                                       tmp_path, frozen_clock):
    # Without HUB_TRUST_PROXY, a client cannot pick a new address per request.
    for n in range(4):
        answer = client.post("/throttle-test", json={"text": "x"},
                             headers={"X-Forwarded-For": f"10.0.0.{n}"})
    assert answer.status_code == 429
    behind_proxy = mount(build_app(database_url, tmp_path / "proxied", trust_proxy=True))
    behind_proxy.extensions["hub.clock"] = frozen_clock
    proxied = behind_proxy.test_client()
    # Behind the proxy, its X-Forwarded-For (the one hop it appended) is the client.
    for n in range(3):
        assert proxied.post("/throttle-test", json={"text": "x"},
                            headers={"X-Forwarded-For": "192.0.2.50"}).status_code == 200
    assert proxied.post("/throttle-test", json={"text": "x"},
                        headers={"X-Forwarded-For": "192.0.2.50"}).status_code == 429
    assert proxied.post("/throttle-test", json={"text": "x"},
                        headers={"X-Forwarded-For": "192.0.2.51"}).status_code == 200


def test_two_processes_on_one_database_share_the_counts(client, database_url, tmp_path,
                                                        frozen_clock):
    other = mount(build_app(database_url, tmp_path / "second-worker"))
    other.extensions["hub.clock"] = frozen_clock
    second = other.test_client()
    answers = [post(c).status_code for c in (client, second, client, second)]
    assert answers == [200, 200, 200, 429]


def test_concurrent_requests_get_exactly_the_limit(app):
    barrier = threading.Barrier(8)
    codes: list[int] = []

    def one() -> None:
        client = app.test_client()
        barrier.wait()
        codes.append(post(client).status_code)

    threads = [threading.Thread(target=one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [200] * 3 + [429] * 5


def test_settings_change_the_rate_or_turn_limits_off(database_url, tmp_path):
    raised = mount(build_app(database_url, tmp_path / "a", rate_limits="test.echo=5/60"))
    client = raised.test_client()
    assert [post(client).status_code for _ in range(6)] == [200] * 5 + [429]
    off = mount(build_app(database_url, tmp_path / "b", rate_limit_enabled=False))
    client = off.test_client()
    assert {post(client, address="192.0.2.1").status_code for _ in range(6)} == {200}
    with pytest.raises(ConfigurationError, match="test.echoo"):
        build_app(database_url, tmp_path / "c", rate_limits="test.echoo=5/60")
    with pytest.raises(ConfigurationError, match="scope=limit/window"):
        build_app(database_url, tmp_path / "d", rate_limits="test.echo=5")


def test_the_openapi_document_shows_the_429(client):
    operation = client.get("/openapi.json").json["paths"]["/throttle-test"]["post"]
    assert "429" in operation["responses"]


def test_old_windows_are_pruned_and_current_ones_kept(client, app, session):
    post(client)
    clock = app.extensions["hub.clock"]
    clock.advance(dt.timedelta(seconds=61))
    post(client, address="198.51.100.1")
    assert session.scalar(select(func.count()).select_from(ThrottleWindow)) == 2
    clock.advance(dt.timedelta(seconds=60))
    with app.app_context():
        from hub import db
        with db.get_database(app).session_scope() as s:
            assert prune(s, clock.now()) == 1
    assert session.scalars(select(ThrottleWindow.key)).all() == ["198.51.100.1"]
