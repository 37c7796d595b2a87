"""The pages' date filters: the database's UTC shown on Vietnam's clock."""

from datetime import UTC, date, datetime

from metrology_svc.web.render import environment


def test_a_utc_moment_is_shown_on_vietnam_time() -> None:
    dmyhm = environment().filters["dmyhm"]
    assert dmyhm(datetime(2026, 11, 23, 18, 30)) == "24/11/2026 01:30"  # naive: UTC
    assert dmyhm(datetime(2026, 11, 23, 6, 31, tzinfo=UTC)) == "23/11/2026 13:31"


def test_a_late_utc_moment_falls_on_the_next_vietnamese_day() -> None:
    assert environment().filters["dmy"](datetime(2026, 12, 31, 17, 0)) == "01/01/2027"


def test_a_calendar_date_and_nothing_stay_as_they_are() -> None:
    dmy = environment().filters["dmy"]
    assert dmy(date(2026, 11, 23)) == "23/11/2026"
    assert dmy(None) == "—"


def test_pages_print_stored_text_without_invisible_characters() -> None:
    template = environment().from_string("<p title='{{ name }}'>{{ name }}</p>{{ note }}")
    html = template.render(name="Chợ\u202e Kỳ Anh\u200b", note="<b>dòng 1\ndòng 2</b>")
    assert html == ("<p title='Chợ Kỳ Anh'>Chợ Kỳ Anh</p>&lt;b&gt;dòng 1\ndòng 2&lt;/b&gt;")
