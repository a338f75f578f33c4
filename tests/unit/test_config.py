import datetime as dt

import pytest

from hub.clock import SYSTEM_CLOCK, process_clock
from hub.config import ConfigurationError, load_settings


def test_typed_coercion_from_environment(tmp_path):
    settings = load_settings({"HUB_TOKEN_TTL_SECONDS": "60", "HUB_TRUST_PROXY": "yes",
                              "HUB_METRICS_CACHE_SECONDS": "2.5"}, instance_path=tmp_path)
    assert settings.token_ttl_seconds == 60
    assert settings.trust_proxy is True
    assert settings.metrics_cache_seconds == 2.5


def test_bad_number_names_the_variable(tmp_path):
    with pytest.raises(ConfigurationError, match="HUB_TOKEN_TTL_SECONDS='soon'"):
        load_settings({"HUB_TOKEN_TTL_SECONDS": "soon"}, instance_path=tmp_path)


def test_embedded_default_is_sqlite_in_the_instance_folder(tmp_path):
    settings = load_settings({}, instance_path=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path.resolve()}/hub.sqlite3"
    assert settings.eager_celery


def test_development_secret_is_generated_once_and_kept(tmp_path):
    first = load_settings({}, instance_path=tmp_path)
    second = load_settings({}, instance_path=tmp_path)
    assert len(first.secret_key) > 40
    assert first.secret_key == second.secret_key
    assert first.pii_key == second.pii_key != first.secret_key
    assert first.audit_key == second.audit_key not in (first.secret_key, first.pii_key)


def test_production_without_secret_fails_loudly(tmp_path):
    with pytest.raises(ConfigurationError, match="HUB_SECRET_KEY is not set"):
        load_settings({"HUB_ENV": "production"}, instance_path=tmp_path)


def test_production_without_pii_key_fails_loudly(tmp_path):
    with pytest.raises(ConfigurationError, match="HUB_PII_KEY"):
        load_settings({"HUB_ENV": "production", "HUB_SECRET_KEY": "x" * 40}, instance_path=tmp_path)


def test_production_without_audit_key_fails_loudly(tmp_path):
    with pytest.raises(ConfigurationError, match="HUB_AUDIT_KEY"):
        load_settings({"HUB_ENV": "production", "HUB_SECRET_KEY": "x" * 40,
                       "HUB_PII_KEY": "p" * 40}, instance_path=tmp_path)


def test_overrides_win_over_environment(tmp_path):
    settings = load_settings({"HUB_LOGIN_MAX_FAILURES": "9"}, {"login_max_failures": 3},
                             instance_path=tmp_path)
    assert settings.login_max_failures == 3


def test_unknown_override_is_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="unknown setting"):
        load_settings({}, {"databse_url": "x"}, instance_path=tmp_path)


def test_unknown_environment_name_is_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="HUB_ENV"):
        load_settings({"HUB_ENV": "prod"}, instance_path=tmp_path)


def test_a_moved_clock_is_refused_in_production(tmp_path):
    with pytest.raises(ConfigurationError, match="HUB_CLOCK_OFFSET_SECONDS"):
        load_settings({"HUB_ENV": "production", "HUB_SECRET_KEY": "s" * 40,
                       "HUB_PII_KEY": "p" * 40, "HUB_CLOCK_OFFSET_SECONDS": "86400"},
                      instance_path=tmp_path)


def test_a_moved_clock_runs_on_from_where_it_was_moved_to(tmp_path):
    settings = load_settings({"HUB_ENV": "test", "HUB_CLOCK_OFFSET_SECONDS": "-86400"},
                             instance_path=tmp_path)
    moved = process_clock(settings.clock_offset_seconds)
    before = SYSTEM_CLOCK.now()
    seen = moved.now()
    assert before - dt.timedelta(days=1) <= seen <= SYSTEM_CLOCK.now() - dt.timedelta(days=1)
    assert process_clock(0.0) is SYSTEM_CLOCK
