"""The floor plan's layout: every window drawn once, inside the plan, none overlapping,
the item's windows highlighted, one plan per floor."""
from hub.hall.floorplan import WindowSpot, floor_plans, lay_out, shorten


def spots(n, floor=1, item="open-restaurant"):
    return [WindowSpot(f"A{i:02d}", floor, f"综合窗口{i}", (item,) if i % 3 == 0 else ())
            for i in range(1, n + 1)]


def overlaps(a, b):
    return not (a.x + a.width <= b.x or b.x + b.width <= a.x
                or a.y + a.height <= b.y or b.y + b.height <= a.y)


def test_every_window_is_drawn_inside_the_plan_without_overlap():
    for n in (1, 2, 4, 5, 9, 17):
        plan = lay_out(1, spots(n), "open-restaurant")
        assert [c.window for c in plan.counters] == [f"A{i:02d}" for i in range(1, n + 1)]
        for c in plan.counters:
            assert 0 <= c.x and c.x + c.width <= plan.width
            assert 0 <= c.y and c.y + c.height <= plan.waiting[1]
        assert not any(overlaps(a, b) for i, a in enumerate(plan.counters)
                       for b in plan.counters[i + 1:])
        assert [c.window for c in plan.highlighted] == \
            [f"A{i:02d}" for i in range(1, n + 1) if i % 3 == 0]
        assert plan.entrance[1] == plan.height


def test_nothing_highlighted_without_an_item_and_one_plan_per_floor():
    plans = floor_plans(spots(3, floor=2) + spots(2, floor=1))
    assert [p.floor for p in plans] == [1, 2]
    assert all(not p.highlighted for p in plans)


def test_long_names_are_shortened_to_fit():
    assert shorten("市场监管综合窗口") == "市场监管综…"
    assert shorten("消防窗口") == "消防窗口"


def test_only_the_ground_floor_is_entered_from_the_street():
    plans = floor_plans(spots(3, floor=2) + spots(2, floor=1))
    assert [(p.floor, p.way_in) for p in plans] == [(1, "入口"), (2, "楼梯、电梯")]
