"""Sample records of a center's system: Chinese names, plausible ID numbers, cases of
the demo's service items over the last weeks. Deterministic for a given seed."""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from typing import Any

from hub.approvals.forms import with_check_character
from hub.timezones import SHANGHAI

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鑫宇浩然思涵"
# Rare characters outside GB2312 (in GB18030): what a GBK-only reader would lose.
RARE = "堃喆昇赟玥"
ITEMS = ("open-restaurant", "business-license-change", "outdoor-advertising",
         "entertainment-venue", "construction-permit", "medical-clinic")
DEPARTMENTS = ("market", "food", "fire", "environment", "tax", "culture", "urban")


def person_name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN + RARE if rng.random() < 0.1 else GIVEN)
                    for _ in range(rng.choice((1, 2))))
    return rng.choice(SURNAMES) + given


def id_number(rng: random.Random) -> str:
    """An 18-digit resident ID number of Shenhe district (210103) with a valid check digit."""
    born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 55))
    return with_check_character(f"210103{born:%Y%m%d}{rng.randrange(0, 1000):03d}")


def staff_records(center: str, count: int, *, seed: int = 1,
                  start: dt.datetime | None = None) -> list[dict[str, Any]]:
    rng = random.Random(f"{center}-staff-{seed}")
    moment = start or dt.datetime(2026, 11, 2, 8, 0, tzinfo=SHANGHAI)
    records = []
    for n in range(1, count + 1):
        moment += dt.timedelta(minutes=rng.randrange(1, 90))
        clerk = n % 3 != 0
        records.append({
            "external_id": f"{center.upper()[:3]}-E{n:04d}",
            "username": f"{center}.{n:04d}",
            "display_name": person_name(rng),
            "department": None if clerk else rng.choice(DEPARTMENTS),
            "roles": "clerk" if clerk else "approver",
            "status": "left" if rng.random() < 0.05 else "active",
            "updated_at": moment.isoformat(),
        })
    return records


def application_records(center: str, count: int, *, seed: int = 1,
                        items: Sequence[str] = ITEMS, start: dt.datetime | None = None,
                        step_seconds: int = 37, first: int = 1,
                        all_concluded: bool = False) -> Iterator[dict[str, Any]]:
    """``count`` cases accepted at the center's own system, in change order, numbered
    from ``first``. ``all_concluded``: a center that concluded every case it accepted
    (the same records otherwise: those left in review are approved instead)."""
    rng = random.Random(f"{center}-applications-{seed}")
    moment = start or dt.datetime(2026, 11, 2, 8, 30, tzinfo=SHANGHAI)
    for n in range(first, first + count):
        moment += dt.timedelta(seconds=rng.randrange(1, step_seconds * 2))
        submitted = moment - dt.timedelta(hours=rng.randrange(0, 72))
        status = rng.choices(("in_review", "approved", "rejected", "withdrawn"),
                             weights=(5, 12, 2, 1))[0]
        concluded = None if status == "in_review" else moment - dt.timedelta(minutes=rng.randrange(0, 60))
        if all_concluded and status == "in_review":  # no draw: the later records stay the same
            status, concluded = "approved", moment
        if concluded is not None and concluded < submitted:
            concluded = submitted
        yield {
            "external_id": f"{center.upper()[:3]}{n:08d}",
            "service_item": rng.choice(items),
            "applicant_name": person_name(rng),
            "applicant_id_number": id_number(rng),
            "submitted_at": submitted.isoformat(),
            "status": status,
            "concluded_at": concluded.isoformat() if concluded else None,
            "updated_at": moment.isoformat(),
            "deleted": False,
        }


# The sample centers whose exports write an empty field as "" (as systems that build their
# JSON from CSV or a form always do), not null: the hub reads both as the field not given.
BLANK_WRITING_CENTERS = ("daxi",)


def as_exported(center: str, records: Iterator[dict[str, Any]] | list[dict[str, Any]]
                ) -> list[dict[str, Any]]:
    """``records`` as ``center``'s system exports them (see BLANK_WRITING_CENTERS)."""
    if center not in BLANK_WRITING_CENTERS:
        return list(records)
    return [{k: "" if v is None else v for k, v in r.items()} for r in records]
