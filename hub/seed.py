"""Demo data: the departments in the hall, real kinds of parallel approval, and staff
for the sixteen centers. Loaded by ``hub seed --demo``; safe to run again."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import audit, clock
from hub.catalog import services as catalog
from hub.catalog.models import ServiceItem
from hub.catalog.schemas import ServiceItemSchema
from hub.directory.models import HUB_SOURCE, Center, Department, User
from hub.directory.password_policy import DEMO_PASSWORD
from hub.directory.passwords import hash_password
from hub.permissions import Principal

__all__ = ["DEMO_PASSWORD", "seed_demo"]

DEPARTMENTS = {
    "market": "区市场监督管理局",
    "food": "区食品药品监督管理局",
    "fire": "区消防救援大队",
    "environment": "区生态环境分局",
    "planning": "区自然资源和规划分局",
    "housing": "区住房和城乡建设局",
    "urban": "区城市管理综合行政执法局",
    "culture": "区文化旅游和广播电视局",
    "police": "区公安分局",
    "health": "区卫生健康局",
    "tax": "区税务局",
    "civil-defence": "区人民防空办公室",
}
# A small office: one approver and no chief representative (首席代表) in the hall.
SMALL_DEPARTMENTS = {"civil-defence": 1}


# The district's disclosure office (政务公开工作办公室): it registers and answers the
# requests for government information; its head approves extensions.
DISCLOSURE_OFFICE = ("disclosure", "区政务公开工作办公室")


def _field(name: str, label: str, departments: list[str], *, type_: str = "string",
           required: bool = True, **extra: Any) -> dict[str, Any]:
    return {"name": name, "label": label, "type": type_, "required": required,
            "departments": departments, **extra}


def _guide(legal_days: int, fee: str, basis: str, *materials: tuple[Any, ...]) -> dict[str, Any]:
    """A guide (办事指南): materials as (name, copies, original, note)."""
    return {"legal_days": legal_days, "fee": fee, "basis": basis,
            "materials": [{"name": m[0], "copies": m[1], "original": m[2],
                           "note": m[3] if len(m) > 3 else ""} for m in materials]}


def _stage(mode: str, **days: int) -> dict[str, Any]:
    return {"mode": mode, "tasks": [{"department": d, "days": n} for d, n in days.items()]}


SERVICE_ITEMS: list[dict[str, Any]] = [
    {
        "code": "open-restaurant", "name": "开办餐饮店", "promised_days": 10,
        "guide": _guide(20, "不收费", "《中华人民共和国食品安全法》第三十五条；《食品经营许可管理办法》",
                        ("营业执照", 1, True), ("经营场所证明（房产证或租赁合同）", 1, False),
                        ("经营场所平面布局图", 1, False, "标明操作间、就餐区及设备位置"),
                        ("从业人员健康证明", 1, False, "每名从业人员一份")),
        "form": [
            _field("shop_name", "店铺名称", ["market", "food", "fire", "environment"], company=True),
            _field("address", "经营地址", ["market", "food", "fire", "environment"]),
            _field("area_m2", "经营面积（平方米）", ["fire", "environment"], type_="number",
                   min=1, max=10000),
            _field("seats", "座位数", ["fire"], type_="integer", min=0, max=2000),
            _field("cuisine", "经营类别", ["food"], type_="choice",
                   options=["热食类", "冷食类", "生食类", "糕点类", "自制饮品"]),
            _field("fume_purifier", "是否安装油烟净化设施", ["environment"], type_="boolean"),
        ],
        "stages": [_stage("all", market=3), _stage("all", food=5, fire=5, environment=5)],
    },
    {
        "code": "construction-permit", "name": "建筑工程施工许可", "promised_days": 15,
        "guide": _guide(15, "不收费", "《中华人民共和国建筑法》第七条；《建筑工程施工许可管理办法》",
                        ("建设工程规划许可证", 1, True), ("施工合同", 1, False),
                        ("施工图审查合格书", 1, False), ("安全施工措施资料", 1, False)),
        "form": [
            _field("project_name", "工程名称", ["planning", "housing", "fire", "environment", "urban"]),
            _field("site", "建设地点", ["planning", "housing", "urban"]),
            _field("floor_area_m2", "建筑面积（平方米）", ["planning", "housing", "fire"], type_="number",
                   min=1, max=1_000_000),
            _field("contractor", "施工单位", ["housing"], company=True),
            _field("start_date", "计划开工日期", ["housing", "urban"], type_="date", not_past=True),
        ],
        "stages": [_stage("all", planning=5, housing=5), _stage("all", fire=5, environment=5),
                   _stage("any", housing=3, urban=3)],
    },
    {
        "code": "business-license-change", "name": "营业执照变更登记", "promised_days": 3,
        "guide": _guide(15, "不收费", "《中华人民共和国市场主体登记管理条例》第二十四条",
                        ("变更登记申请书", 1, True, "法定代表人签字"), ("股东会决议", 1, True),
                        ("营业执照正副本", 1, True, "换发新照时交回")),
        "form": [
            _field("company", "企业名称", ["market", "tax"], company=True),
            _field("credit_code", "统一社会信用代码", ["market", "tax"], type_="credit_code"),
            _field("change", "变更事项", ["market", "tax"], type_="choice",
                   options=["名称", "住所", "法定代表人", "经营范围", "注册资本"]),
        ],
        "stages": [_stage("all", market=2), _stage("all", tax=1)],
    },
    {
        "code": "entertainment-venue", "name": "娱乐场所经营许可", "promised_days": 12,
        "guide": _guide(20, "不收费", "《娱乐场所管理条例》第九条",
                        ("申请书", 1, True), ("营业执照", 1, False), ("消防验收意见", 1, False),
                        ("场所平面图", 1, False, "标明包厢位置与安全出口")),
        "form": [
            _field("venue_name", "场所名称", ["culture", "fire", "police"], company=True),
            _field("address", "场所地址", ["culture", "fire", "police"]),
            _field("rooms", "包厢数量", ["culture", "fire"], type_="integer", min=1, max=200),
            _field("security_plan", "安全保卫方案", ["police"], type_="text"),
        ],
        "stages": [_stage("all", culture=5, fire=5, police=5)],
    },
    {
        "code": "outdoor-advertising", "name": "户外广告设施设置审批", "promised_days": 7,
        "guide": _guide(20, "不收费", "《城市市容和环境卫生管理条例》第十一条；《沈阳市户外广告设置管理办法》",
                        ("设置申请表", 1, True), ("设计效果图", 1, False),
                        ("场地使用证明", 1, False, "产权证明或使用协议")),
        "form": [
            _field("owner", "设置单位", ["urban", "planning", "market"], company=True),
            _field("location", "设置位置", ["urban", "planning"]),
            _field("size_m2", "面积（平方米）", ["urban", "planning"], type_="number",
                   min=0.5, max=500),
            _field("content", "广告内容", ["market"], type_="text"),
        ],
        "stages": [_stage("any", urban=3, planning=3), _stage("all", market=2)],
    },
    {
        "code": "civil-defence-works", "name": "人防工程竣工验收备案", "promised_days": 5,
        "guide": _guide(15, "不收费", "《中华人民共和国人民防空法》",
                        ("竣工验收备案表", 1, True), ("人防工程竣工图", 1, False),
                        ("防护设备检测报告", 1, False)),
        "form": [
            _field("project_name", "工程名称", ["civil-defence"], company=True),
            _field("shelter_area_m2", "防空地下室面积（平方米）", ["civil-defence"], type_="number",
                   min=1, max=100_000),
        ],
        "stages": [_stage("all", **{"civil-defence": 3})],
    },
    {
        "code": "medical-clinic", "name": "医疗机构设置审批", "promised_days": 20,
        "guide": _guide(45, "不收费", "《医疗机构管理条例》第九条、第十条",
                        ("设置申请书", 1, True), ("可行性研究报告", 1, False), ("选址报告", 1, False),
                        ("建筑设计平面图", 1, False)),
        "form": [
            _field("clinic_name", "机构名称", ["health", "fire", "environment"], company=True),
            _field("address", "地址", ["health", "fire", "environment"]),
            _field("beds", "床位数", ["health", "fire"], type_="integer", min=0, max=500),
            _field("specialties", "诊疗科目", ["health"], type_="text"),
        ],
        "stages": [_stage("all", health=10), _stage("all", fire=5, environment=5)],
    },
]


def staff_plan(centers: list[tuple[str, str]], district: str) -> list[dict[str, Any]]:
    """Who works where: a clerk, a hotline operator (话务员) and an adapter account per
    center (the district's call center has two operators); in the district hall two
    approvers and a chief representative (首席代表) per department (one approver alone in
    the small ones), and the disclosure office's clerk and head; an administrator and a
    supervisor (电子监察)."""
    staff: list[dict[str, Any]] = [
        {"username": "admin", "display_name": "系统管理员", "center_code": district,
         "roles": ["admin"]},
        {"username": "supervisor", "display_name": "电子监察室", "center_code": district,
         "roles": ["supervisor"]},
    ]
    for code, name in centers:
        short = name.removesuffix("政务服务中心")
        staff.append({"username": f"clerk-{code}", "display_name": f"{short}窗口受理员",
                      "center_code": code, "roles": ["clerk"]})
        staff.append({"username": f"adapter-{code}", "display_name": f"{short}数据同步",
                      "center_code": code, "roles": ["adapter"]})
        for n in (1, 2) if code == district else (1,):
            suffix = "" if n == 1 else str(n)
            staff.append({"username": f"operator-{code}{suffix}",
                          "display_name": f"{short}话务员{suffix}", "center_code": code,
                          "roles": ["operator"]})
    office = DISCLOSURE_OFFICE[0]
    staff.append({"username": "disclosure-clerk", "display_name": "政务公开办受理员",
                  "center_code": district, "department_code": office, "roles": ["clerk"]})
    staff.append({"username": "disclosure-chief", "display_name": "政务公开办负责人",
                  "center_code": district, "department_code": office, "roles": ["chief"]})
    for dept, name in DEPARTMENTS.items():
        short = name.removeprefix("区")
        for n in range(1, SMALL_DEPARTMENTS.get(dept, 2) + 1):
            staff.append({"username": f"{dept}-approver{n}", "display_name": f"{short}审批员{n}",
                          "center_code": district, "department_code": dept,
                          "roles": ["approver"]})
        if dept not in SMALL_DEPARTMENTS:
            staff.append({"username": f"{dept}-chief", "display_name": f"{short}首席代表",
                          "center_code": district, "department_code": dept,
                          "roles": ["chief", "approver"]})
    return staff


def seed_demo(session: Session, actor: Principal) -> dict[str, int]:
    """Departments, service items and staff; existing rows are left as they are."""
    now = clock.now()
    counts = {"departments": 0, "service_items": 0, "users": 0}
    existing_departments = set(session.scalars(select(Department.code)))
    for code, name in [*DEPARTMENTS.items(), DISCLOSURE_OFFICE]:
        if code not in existing_departments:
            session.add(Department(code=code, name=name, created_at=now, updated_at=now))
            audit.record(session, actor, "department.created", target_type="department",
                         target_id=code, after={"code": code, "name": name})
            counts["departments"] += 1
    session.flush()
    existing_items = set(session.scalars(select(ServiceItem.code)))
    schema = ServiceItemSchema()
    for definition in SERVICE_ITEMS:
        if definition["code"] in existing_items:
            continue
        loaded = schema.load(definition)
        catalog.check_departments(session, loaded)
        session.add(ServiceItem(created_at=now, updated_at=now, version=1, published_at=now,
                                published_by=actor.username, **loaded))
        audit.record(session, actor, "service_item.created", target_type="service_item",
                     target_id=loaded["code"], after=loaded)
        counts["service_items"] += 1
    centers = list(session.scalars(select(Center).order_by(Center.position)))
    district = next(c.code for c in centers if c.level == "district")
    existing_users = set(session.scalars(select(User.username)))
    # One argon2id hash for the shared demo password: hashing it per account would
    # only slow the seed down; real accounts each get their own salt.
    password_hash = hash_password(DEMO_PASSWORD)
    for person in staff_plan([(c.code, c.name) for c in centers], district):
        if person["username"] in existing_users:
            continue
        user = User(display_name=person["display_name"], username=person["username"],
                    center_code=person["center_code"],
                    department_code=person.get("department_code"), roles=person["roles"],
                    status="active", source=HUB_SOURCE, password_hash=password_hash,
                    created_at=now, updated_at=now)
        session.add(user)
        audit.record(session, actor, "user.created", target_type="user",
                     target_id=user.username, center=user.center_code,
                     after={k: v for k, v in person.items() if k != "username"})
        counts["users"] += 1
    session.commit()
    return counts
