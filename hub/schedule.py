"""The ONE Celery beat schedule of the hub (``hub beat`` runs it).

Times are Asia/Shanghai, explicitly: the Celery app's ``timezone`` is ``TIMEZONE``
below, so ``crontab(hour=1, minute=30)`` means 01:30 in the hall, whatever the
server's clock says. One comment per entry says when, in words.
"""
from __future__ import annotations

from typing import Any

from celery.schedules import crontab

from hub.config import Settings

TIMEZONE = "Asia/Shanghai"


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    scan = max(1, settings.warning_scan_minutes)
    return {
        # Every minute: publish outbox messages still due (a relay that died, a broker
        # that was down), and turn dead-lettered messages into failed rows (incidents).
        "outbox-reconcile": {
            "task": "outbox.reconcile",
            "schedule": crontab(minute="*"),
            "options": {"expires": 55},
        },
        # Every night at HUB_SYNC_HOUR:HUB_SYNC_MINUTE (default 01:30 Asia/Shanghai):
        # sync every center that has an adapter, each on its own queue sync.<center>.
        "sync-nightly": {
            "task": "sync.nightly",
            "schedule": crontab(hour=settings.sync_hour, minute=settings.sync_minute),
            "options": {"expires": 3600},
        },
        # Every few minutes (HUB_SYNC_RECONCILE_MINUTES, default 5): mark sync runs whose
        # worker died failed, and run their streams again (at most three times in a row).
        "sync-reconcile": {
            "task": "sync.reconcile",
            "schedule": crontab(minute=f"*/{max(1, settings.sync_reconcile_minutes)}"),
            "options": {"expires": max(1, settings.sync_reconcile_minutes) * 60 - 5},
        },
        # Every few minutes (HUB_AUDIT_ANCHOR_MINUTES, default 10): append the signed audit
        # chain heads to the anchor folder, when a head moved.
        "audit-anchor": {
            "task": "audit.anchor",
            "schedule": crontab(minute=f"*/{max(1, settings.audit_anchor_minutes)}"),
            "options": {"expires": max(1, settings.audit_anchor_minutes) * 60 - 5},
        },
        # Every hour at minute 17: delete the rate-limit and sign-in counting windows that
        # no judgement reads any more.
        "throttle-prune": {
            "task": "throttle.prune",
            "schedule": crontab(minute=17),
            "options": {"expires": 3000},
        },
        # Every hour at minute 19: forget idle sign-in pairs and locks that ran out.
        "directory-prune-sign-ins": {
            "task": "directory.prune_sign_ins",
            "schedule": crontab(minute=19),
            "options": {"expires": 3000},
        },
        # Every few minutes (HUB_WARNING_SCAN_MINUTES, default 5), day and night:
        # raise the yellow and red cards (红黄牌) of cases and tasks that just crossed
        # their thresholds.
        "approvals-scan-warnings": {
            "task": "approvals.scan_warnings",
            "schedule": crontab(minute=f"*/{scan}"),
            "options": {"expires": scan * 60 - 5},
        },
        # As often (HUB_WARNING_SCAN_MINUTES): the yellow and red cards of tickets still
        # awaiting their answer.
        "tickets-scan-warnings": {
            "task": "tickets.scan_warnings",
            "schedule": crontab(minute=f"*/{scan}"),
            "options": {"expires": scan * 60 - 5},
        },
        # As often (HUB_WARNING_SCAN_MINUTES): the yellow and red cards of requests for
        # government information still open (their limits are days, so a card appears in
        # the first scan after midnight in the hall).
        "disclosure-scan-warnings": {
            "task": "disclosure.scan_warnings",
            "schedule": crontab(minute=f"*/{scan}"),
            "options": {"expires": scan * 60 - 5},
        },
    }
