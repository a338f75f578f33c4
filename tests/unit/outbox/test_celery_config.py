"""Celery as DESIGN.md §4 asks, and the one beat schedule."""
from __future__ import annotations

from hub.celery import TASK_MODULES, celery_config, quorum_queue
from hub.config import load_settings
from hub.outbox.publishing import DEAD_LETTER_EXCHANGE
from hub.schedule import TIMEZONE, beat_schedule


def settings(**overrides):
    return load_settings(environ={}, overrides={"env": "test", "secret_key": "s", "pii_key": "p",
                                                "instance_path": "/tmp/hub-test", **overrides})


def test_broker_configuration_is_json_late_acks_and_confirmed():
    config = celery_config(settings(broker_url="amqp://guest:guest@127.0.0.1:5672//"))
    assert config["accept_content"] == ["json"] and config["task_serializer"] == "json"
    assert config["task_acks_late"] and config["task_reject_on_worker_lost"]
    assert config["worker_prefetch_multiplier"] == 1 and not config["task_always_eager"]
    assert config["broker_transport_options"] == {"confirm_publish": True}
    [queue] = config["task_queues"]
    assert queue.queue_arguments == {
        "x-queue-type": "quorum", "x-delivery-limit": 5,
        "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
        "x-dead-letter-routing-key": "hub.dead-letter"}
    assert set(TASK_MODULES) >= {"hub.outbox.tasks", "hub.approvals.tasks"}


def test_without_a_broker_tasks_run_in_process():
    config = celery_config(settings())
    assert config["task_always_eager"] and "task_queues" not in config


def test_delivery_limit_is_a_setting():
    assert quorum_queue("sync.binhe", settings(task_delivery_limit=3)).queue_arguments[
        "x-delivery-limit"] == 3


def test_beat_schedule_is_in_shanghai_time_and_names_registered_tasks():
    import importlib

    from celery import Celery

    for name in TASK_MODULES:  # as the composition root does
        importlib.import_module(name)
    schedule = beat_schedule(settings(warning_scan_minutes=5))
    config = celery_config(settings())
    assert config["timezone"] == TIMEZONE == "Asia/Shanghai"
    app = Celery("t")
    app.config_from_object(config)
    for entry in schedule.values():
        assert entry["task"] in app.tasks
    assert schedule["approvals-scan-warnings"]["schedule"].minute == set(range(0, 60, 5))
