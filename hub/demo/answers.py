"""What citizens bring to the window in the demo: an applicant and the answers of an
item's one form (一张表). Pure functions of a seeded ``random.Random``, no I/O."""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from typing import Any

from adapters.sample.data import person_name
from hub.approvals.forms import CREDIT_CODE_CHARSET, with_check_character, with_credit_check

ROADS = ("北顺城路", "中街路", "青年大街", "五爱街", "文化东路", "南京南街", "风雨坛街",
         "大南街", "小西路", "热闹路", "市府大路", "惠工街")
SHOPS = ("老边饺子馆", "马家烧麦", "李连贵熏肉大饼", "宏宇酸菜鱼", "鹿鸣春酒楼", "西塔冷面",
         "小河沿早市馄饨", "沈阳老四季抻面", "那家老院子", "张记羊汤")
FIRMS = ("盛京", "辽沈", "北方", "华新", "东润", "恒泰", "瑞丰", "同创")
VENUES = ("星光KTV", "锦绣剧场", "欢乐迪量贩KTV", "云端电竞馆", "盛京演艺厅")
CLINICS = ("仁和诊所", "德济口腔门诊部", "康宁中医诊所", "惠民社区卫生室")
CHANGES = "（补正后）"
# Answers for the demo catalog's fields by name; any other field gets one by its type.
_BY_NAME = {
    "shop_name": lambda r: f"{r.choice(SHOPS)}（{r.choice(ROADS)}店）",
    "address": lambda r: f"沈阳市沈河区{r.choice(ROADS)}{r.randint(1, 300)}号",
    "site": lambda r: f"沈阳市沈河区{r.choice(ROADS)}以东地块",
    "location": lambda r: f"{r.choice(ROADS)}{r.randint(1, 300)}号楼外墙",
    "project_name": lambda r: f"{r.choice(FIRMS)}{r.choice(('家园', '广场', '大厦'))}"
                              f"{r.randint(1, 12)}号楼工程",
    "contractor": lambda r: f"沈阳{r.choice(FIRMS)}建筑工程有限公司",
    "company": lambda r: f"沈阳{r.choice(FIRMS)}商贸有限公司",
    "owner": lambda r: f"沈阳{r.choice(FIRMS)}广告传媒有限公司",
    "credit_code": lambda r: with_credit_check("91210103" + "".join(
        r.choice(CREDIT_CODE_CHARSET) for _ in range(9))),
    "venue_name": lambda r: r.choice(VENUES),
    "clinic_name": lambda r: r.choice(CLINICS),
    "security_plan": lambda r: f"配备保安 {r.randint(2, 8)} 名，监控全覆盖，消防通道专人值守",
    "content": lambda r: r.choice(("品牌形象广告", "开业宣传广告", "公益宣传广告")),
    "specialties": lambda r: "；".join(r.sample(("内科", "外科", "口腔科", "中医科", "预防保健科"), 2)),
    "area_m2": lambda r: round(r.uniform(30, 400), 1),
    "floor_area_m2": lambda r: round(r.uniform(1_000, 20_000), 1),
    "size_m2": lambda r: round(r.uniform(2, 60), 1),
    "seats": lambda r: r.randint(10, 120),
    "rooms": lambda r: r.randint(5, 30),
    "beds": lambda r: r.randint(0, 20),
    "shelter_area_m2": lambda r: round(r.uniform(500, 6_000), 1),
}


def id_number(rng: random.Random) -> str:
    """A resident ID number of Shenhe district (210103) with its check character."""
    born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 55))
    return with_check_character(f"210103{born:%Y%m%d}{rng.randrange(1000):03d}")


def applicant(rng: random.Random) -> dict[str, str]:
    """A citizen of the district: a Chinese name, a valid ID number, a mobile number."""
    phone = "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))
    return {"name": person_name(rng), "id_number": id_number(rng), "phone": phone}


def _by_type(rng: random.Random, field: Mapping[str, Any], today: dt.date) -> Any:
    kind = field.get("type", "string")
    if kind == "integer":
        return rng.randint(int(field.get("min", 1)), min(int(field.get("max", 50)), 50))
    if kind == "number":
        return round(rng.uniform(field.get("min", 1), min(field.get("max", 500), 500)), 1)
    if kind == "credit_code":
        return _BY_NAME["credit_code"](rng)
    if kind == "boolean":
        return rng.random() < 0.85
    if kind == "date":
        return (today + dt.timedelta(days=rng.randint(10, 60))).isoformat()
    if kind == "choice":
        return rng.choice(list(field.get("options") or [""]))
    return f"{field.get('label', field['name'])}{rng.randint(1, 99)}"


def answers(rng: random.Random, fields: Sequence[Mapping[str, Any]],
            today: dt.date) -> dict[str, Any]:
    """Every field of the form answered as a clerk would type it."""
    return {f["name"]: (_BY_NAME[f["name"]](rng) if f["name"] in _BY_NAME
                        and f.get("type", "string") != "choice" else _by_type(rng, f, today))
            for f in fields}


def amended(rng: random.Random, fields: Sequence[Mapping[str, Any]],
            given: Mapping[str, Any]) -> dict[str, Any]:
    """The form handed in again after a supplement request: one text answer corrected."""
    texts = [f["name"] for f in fields if f.get("type", "string") in ("string", "text")]
    changed = dict(given)
    if texts:
        name = rng.choice(texts)
        changed[name] = f"{given[name]}{CHANGES}"
    return changed


__all__ = ["amended", "answers", "applicant"]
