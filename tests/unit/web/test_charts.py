"""The server-drawn SVG chart's geometry."""
import datetime as dt

from hub.web.charts import line_chart, nice_ceiling


def test_nice_ceiling_rounds_up_to_1_2_5_steps():
    assert [nice_ceiling(v) for v in (0, 3, 5, 7, 11, 21, 199, 1000)] == [
        4, 4, 8, 8, 20, 40, 200, 2000]


def test_line_chart_places_zero_on_the_axis_and_the_maximum_under_the_top():
    days = [dt.date(2026, 11, 1) + dt.timedelta(days=n) for n in range(30)]
    received = [n % 7 for n in range(30)]
    concluded = [0] * 29 + [10]
    chart = line_chart(days, {"received": ("受理", received), "concluded": ("办结", concluded)})
    r, c = chart.series
    assert len(r.dots) == len(c.dots) == 30
    assert r.dots[0][:2] == (chart.left, chart.bottom)  # day 1: 0 received
    assert c.dots[-1][2] == 10 and chart.top < c.dots[-1][1] < chart.bottom
    assert chart.y_ticks[0] == (chart.bottom, 0) and chart.y_ticks[-1] == (chart.top, 20)
    assert [v for _, v in chart.y_ticks] == [0, 5, 10, 15, 20]
    assert len(chart.x_labels) <= 8 and chart.x_labels[0] == (chart.left, "11-01")
    assert r.points.count(",") == 30


def test_an_empty_period_still_draws_a_flat_chart():
    chart = line_chart([dt.date(2026, 11, 30)], {"received": ("受理", [0])})
    assert chart.series[0].dots == [(chart.left, chart.bottom, 0)]
