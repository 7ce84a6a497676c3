from __future__ import annotations

import io
from datetime import date, timedelta
from enum import StrEnum

import pytest
from PIL import Image

from bot.render import DayStatus, cell_box, render_streak_calendar
from bot.render.calendar import (
    BACKGROUND,
    FUTURE_OUTLINE,
    LEGEND_GAP,
    LEGEND_HEIGHT,
    MONTH_HEIGHT,
    PAD,
    PALETTE,
    PENDING_OUTLINE,
    PITCH,
    TITLE_HEIGHT,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MONDAY = date(2026, 6, 1)
SUNDAY = date(2026, 6, 7)
NEW_YEAR = date(2027, 1, 2)  # a Saturday: the last column straddles 2026 and 2027

RGB = tuple[int, int, int]


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.mode == "RGB"
    return image


def centre(image: Image.Image, today: date, day: date, weeks: int = 12, title: str | None = None) -> RGB:
    box = cell_box(today, day, weeks, title=title)
    assert box is not None, f"{day} should be in the picture"
    x0, y0, x1, y1 = box
    return pixel(image, (x0 + x1) // 2, (y0 + y1) // 2)


def top_edge(image: Image.Image, today: date, day: date) -> RGB:
    box = cell_box(today, day)
    assert box is not None
    x0, y0, x1, _ = box
    return pixel(image, (x0 + x1) // 2, y0)


def pixel(image: Image.Image, x: int, y: int) -> RGB:
    value = image.getpixel((x, y))
    assert isinstance(value, tuple)
    return value[0], value[1], value[2]


def colours(image: Image.Image) -> set[RGB]:
    found = image.getcolors(image.width * image.height)
    assert found is not None
    return {pixel for _, pixel in found}  # type: ignore[misc]  # RGB images give RGB tuples


def test_dates_used_here_fall_where_the_tests_assume() -> None:
    assert [d.weekday() for d in (MONDAY, SUNDAY, NEW_YEAR)] == [0, 6, 5]


def test_png_signature_and_dimensions() -> None:
    today = date(2026, 3, 11)
    image = decode(render_streak_calendar({}, today))
    assert render_streak_calendar({}, today).startswith(PNG_SIGNATURE)

    last_box = cell_box(today, today + timedelta(days=6 - today.weekday()))  # bottom-right cell
    first_box = cell_box(today, today - timedelta(days=today.weekday(), weeks=11))  # top-left cell
    assert last_box is not None and first_box is not None
    assert image.height == last_box[3] + LEGEND_GAP + LEGEND_HEIGHT + PAD
    assert first_box[1] == PAD + MONTH_HEIGHT
    assert last_box[2] + PAD <= image.width <= 400  # fits Discord's inline preview unscaled

    titled = decode(render_streak_calendar({}, today, title="alice — 12-day streak"))
    assert titled.height == image.height + TITLE_HEIGHT
    wide = decode(render_streak_calendar({}, today, weeks=53))
    assert wide.width > image.width and wide.height == image.height


@pytest.mark.parametrize("status", [s for s in DayStatus if s is not DayStatus.PENDING])
def test_each_status_is_drawn_in_its_palette_colour(status: DayStatus) -> None:
    today = date(2026, 3, 11)
    day = today - timedelta(days=3)
    image = decode(render_streak_calendar({day: status}, today))
    assert centre(image, today, day) == PALETTE[status]


def test_the_palette_tells_the_statuses_apart() -> None:
    shown = [PALETTE[s] for s in DayStatus if s is not DayStatus.PENDING]
    assert len(set(shown)) == len(shown)
    assert BACKGROUND not in shown


def test_pending_today_is_outlined() -> None:
    today = date(2026, 3, 11)
    image = decode(render_streak_calendar({today: DayStatus.PENDING}, today))
    assert centre(image, today, today) == PALETTE[DayStatus.PENDING]
    assert top_edge(image, today, today) == PENDING_OUTLINE


def test_days_after_today_are_empty_outlines_whatever_the_mapping_says() -> None:
    today = date(2026, 3, 11)  # Wednesday: Thursday..Sunday are still to come
    future = [today + timedelta(days=n) for n in range(1, 5)]
    image = decode(render_streak_calendar(dict.fromkeys(future, DayStatus.COMPLETED), today))
    for day in future:
        assert centre(image, today, day) == BACKGROUND
        assert top_edge(image, today, day) == FUTURE_OUTLINE


def test_statuses_from_an_equal_valued_enum_are_accepted() -> None:
    class CoreStatus(StrEnum):  # the shape of bot.core.streaks.DayStatus, without importing it
        FROZEN = "frozen"
        PENDING = "pending"

    today = date(2026, 3, 11)
    days = {today - timedelta(days=1): CoreStatus.FROZEN, today: CoreStatus.PENDING}
    image = decode(render_streak_calendar(days, today))  # type: ignore[arg-type]
    assert centre(image, today, today - timedelta(days=1)) == PALETTE[DayStatus.FROZEN]
    assert top_edge(image, today, today) == PENDING_OUTLINE


def test_missing_days_are_drawn_as_none() -> None:
    today = date(2026, 3, 11)
    image = decode(render_streak_calendar({today: DayStatus.COMPLETED}, today))
    assert centre(image, today, today - timedelta(days=1)) == PALETTE[DayStatus.NONE]
    assert centre(image, today, today) == PALETTE[DayStatus.COMPLETED]


@pytest.mark.parametrize("today", [MONDAY, SUNDAY, NEW_YEAR, date(2026, 3, 11), date(2028, 2, 29)])
@pytest.mark.parametrize("weeks", [1, 12, 53])
def test_window_ends_with_todays_week_and_starts_weeks_earlier(today: date, weeks: int) -> None:
    this_monday = today - timedelta(days=today.weekday())
    first = this_monday - timedelta(weeks=weeks - 1)
    last = this_monday + timedelta(days=6)

    first_box, last_box = cell_box(today, first, weeks), cell_box(today, last, weeks)
    today_box = cell_box(today, today, weeks)
    assert first_box is not None and last_box is not None and today_box is not None
    assert cell_box(today, first - timedelta(days=1), weeks) is None
    assert cell_box(today, last + timedelta(days=1), weeks) is None
    # Same column as the Sunday that ends the window, on the row of its weekday.
    assert today_box[0] == last_box[0]
    assert today_box[1] == first_box[1] + PITCH * today.weekday()
    assert last_box[0] - first_box[0] == PITCH * (weeks - 1)


def test_twelve_weeks_and_a_day_back_is_outside() -> None:
    for today in (MONDAY, SUNDAY, NEW_YEAR):
        assert cell_box(today, today - timedelta(weeks=12, days=1)) is None
        assert cell_box(today, today - timedelta(weeks=11)) is not None


def test_entries_outside_the_window_are_ignored() -> None:
    today = date(2026, 3, 11)
    everything = {today - timedelta(days=n): DayStatus.COMPLETED for n in range(400)}
    window = {d: s for d, s in everything.items() if cell_box(today, d) is not None}
    assert len(window) == 11 * 7 + today.weekday() + 1
    assert render_streak_calendar(everything, today) == render_streak_calendar(window, today)


def test_year_boundary() -> None:
    today = NEW_YEAR
    days = {
        date(2026, 12, 28): DayStatus.MISSED,
        date(2026, 12, 31): DayStatus.FROZEN,
        date(2027, 1, 1): DayStatus.COMPLETED,
        date(2027, 1, 2): DayStatus.PENDING,
    }
    image = decode(render_streak_calendar(days, today))
    for day, status in days.items():
        assert centre(image, today, day) == PALETTE[status]
    # All four sit in the last column, Monday on top.
    boxes = [cell_box(today, day) for day in days]
    assert len({box[0] for box in boxes if box is not None}) == 1
    assert centre(image, today, date(2027, 1, 3)) == BACKGROUND  # Sunday, still to come
    assert cell_box(today, date(2026, 10, 12)) is not None
    assert cell_box(today, date(2026, 10, 11)) is None

    # "Jan" is written above the last column, the one that holds January 1st.
    box = cell_box(today, date(2027, 1, 1))
    assert box is not None
    grid_top = box[1] - 4 * PITCH  # Friday is the fifth row
    band = image.crop((box[0], grid_top - MONTH_HEIGHT, box[2], grid_top))
    assert colours(band) != {BACKGROUND}


def test_today_on_a_monday_leaves_the_rest_of_the_week_empty() -> None:
    image = decode(render_streak_calendar({MONDAY: DayStatus.COMPLETED}, MONDAY))
    assert centre(image, MONDAY, MONDAY) == PALETTE[DayStatus.COMPLETED]
    for n in range(1, 7):
        day = MONDAY + timedelta(days=n)
        assert centre(image, MONDAY, day) == BACKGROUND
        assert top_edge(image, MONDAY, day) == FUTURE_OUTLINE
    assert cell_box(MONDAY, MONDAY + timedelta(days=7)) is None


def test_today_on_a_sunday_fills_the_last_column() -> None:
    week = {SUNDAY - timedelta(days=n): DayStatus.COMPLETED for n in range(7)}
    image = decode(render_streak_calendar(week, SUNDAY))
    for day in week:
        assert centre(image, SUNDAY, day) == PALETTE[DayStatus.COMPLETED]
    assert cell_box(SUNDAY, SUNDAY + timedelta(days=1)) is None
    assert cell_box(SUNDAY, SUNDAY - timedelta(weeks=11, days=6)) is not None


def test_output_is_deterministic() -> None:
    today = date(2026, 3, 11)
    statuses = list(DayStatus)
    days = {today - timedelta(days=n): statuses[n % len(statuses)] for n in range(90)}
    reordered = dict(reversed(list(days.items())))
    first = render_streak_calendar(days, today, title="bob — 4-day streak")
    assert render_streak_calendar(days, today, title="bob — 4-day streak") == first
    assert render_streak_calendar(reordered, today, title="bob — 4-day streak") == first


def test_empty_history() -> None:
    today = date(2026, 3, 11)
    image = decode(render_streak_calendar({}, today))
    start = today - timedelta(days=today.weekday(), weeks=11)
    for n in range((today - start).days + 1):
        assert centre(image, today, start + timedelta(days=n)) == PALETTE[DayStatus.NONE]
    grid_only = image.crop((0, 0, image.width, image.height - PAD - LEGEND_HEIGHT - 2))
    assert PALETTE[DayStatus.COMPLETED] not in colours(grid_only)


def test_title_pushes_the_grid_down_and_cell_box_follows() -> None:
    today, day = date(2026, 3, 11), date(2026, 3, 2)
    title = "Zoë — 12-day streak"  # é and — are not in Pillow's default font: folded, not boxes
    image = decode(render_streak_calendar({day: DayStatus.FROZEN}, today, title=title))
    assert centre(image, today, day, title=title) == PALETTE[DayStatus.FROZEN]
    plain, titled = cell_box(today, day), cell_box(today, day, title=title)
    assert plain is not None and titled is not None
    assert titled[1] - plain[1] == TITLE_HEIGHT
    assert colours(image.crop((PAD, PAD, 100, PAD + 14))) != {BACKGROUND}


def test_a_very_long_title_is_cut_not_allowed_to_stretch_the_picture() -> None:
    for title in ("x" * 500, "i" * 100_000):
        image = decode(render_streak_calendar({}, date(2026, 3, 11), title=title))
        assert image.width <= 480 + 2 * PAD


def test_title_characters_the_font_lacks_are_folded_rather_than_drawn_as_boxes() -> None:
    today = date(2026, 3, 11)
    assert render_streak_calendar({}, today, title="Zoë — 3-day streak") == render_streak_calendar(
        {}, today, title="Zoe - 3-day streak"
    )
    assert render_streak_calendar({}, today, title="日本\n") == render_streak_calendar({}, today, title="???")


@pytest.mark.parametrize("weeks", [0, -1, 54])
def test_weeks_out_of_range(weeks: int) -> None:
    with pytest.raises(ValueError, match="weeks"):
        render_streak_calendar({}, date(2026, 3, 11), weeks=weeks)
    with pytest.raises(ValueError, match="weeks"):
        cell_box(date(2026, 3, 11), date(2026, 3, 11), weeks)


def test_small_even_for_a_full_year() -> None:
    # Speed belongs in benchmarks, not in a test that fails on a busy machine.
    today = date(2026, 3, 11)
    statuses = list(DayStatus)
    days = {today - timedelta(days=n): statuses[(n * 7) % 5] for n in range(371)}
    title = "someone_with_a_long_name — 365-day streak"
    data = render_streak_calendar(days, today, weeks=53, title=title)
    assert len(data) < 30_000
