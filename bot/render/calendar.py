"""A member's recent days as a PNG, in the style of a GitHub contribution graph.

Pure drawing: the caller passes each day's status and `today`; nothing here reads a clock,
the database or discord. Columns are weeks (Monday on top), the last column is the week
that contains `today`, and days after `today` are drawn as empty outlines.

The geometry lives in `cell_box` so tests can sample a day's pixels instead of trusting
the drawing code to agree with itself.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Mapping
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from types import MappingProxyType

from PIL import Image, ImageDraw, ImageFont

RGB = tuple[int, int, int]
Box = tuple[int, int, int, int]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

MAX_WEEKS = 53  # a year; wider pictures get shrunk to illegibility by Discord's preview


class DayStatus(StrEnum):
    """How one day looks. Same values as the core's streak statuses, plus NONE."""

    COMPLETED = "completed"
    FROZEN = "frozen"
    EXCUSED = "excused"
    MISSED = "missed"
    PENDING = "pending"  # today, not done yet
    NONE = "none"  # before the member started, or no record


# Discord's dark theme, so the attachment sits on the chat background without a seam.
BACKGROUND: RGB = (0x31, 0x33, 0x38)
TITLE_TEXT: RGB = (0xDB, 0xDE, 0xE1)
LABEL_TEXT: RGB = (0xB5, 0xBA, 0xC1)

# Fill of each status's cell. NONE is a faint grey just lighter than the background: on a
# dark background a *light* grey would shout louder than the green it should sit behind.
PALETTE: Mapping[DayStatus, RGB] = MappingProxyType(
    {
        DayStatus.COMPLETED: (0x26, 0xA6, 0x41),  # GitHub's dark-mode green
        DayStatus.FROZEN: (0x79, 0xC0, 0xFF),
        DayStatus.EXCUSED: (0x80, 0x84, 0x8E),
        DayStatus.MISSED: (0xC2, 0x54, 0x50),
        DayStatus.PENDING: (0x41, 0x43, 0x4A),  # same as NONE, told apart by its outline
        DayStatus.NONE: (0x41, 0x43, 0x4A),
    }
)
PENDING_OUTLINE: RGB = (0x26, 0xA6, 0x41)  # green: "answer today to fill this in"
FUTURE_OUTLINE: RGB = (0x4E, 0x50, 0x58)  # days after today: an empty frame, no fill

LEGEND: tuple[DayStatus, ...] = (DayStatus.COMPLETED, DayStatus.FROZEN, DayStatus.EXCUSED, DayStatus.MISSED)

# Geometry, in pixels.
PAD = 12
CELL = 15
GAP = 4
PITCH = CELL + GAP
DAY_LABEL_WIDTH = 32  # "Mon" / "Wed" / "Fri" at LABEL_SIZE, plus breathing room
TITLE_HEIGHT = 24
MONTH_HEIGHT = 16
LEGEND_GAP = 10
LEGEND_CELL = 11
LEGEND_HEIGHT = 14
MAX_TITLE_WIDTH = 480  # a longer title is cut with "…" rather than widening forever

TITLE_SIZE = 14
LABEL_SIZE = 11

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DAY_LABELS = {0: "Mon", 2: "Wed", 4: "Fri"}  # rows; every other day, as GitHub does

# Pillow's bundled default font (Aileron) covers printable ASCII and these few extras; any
# other character would come out as a "tofu" box.
_FONT_CHARS = frozenset(map(chr, range(0x20, 0x7F))) | frozenset("©«°±´·»‘’“”…‹›⁄™")
_SUBSTITUTES = {"—": "-", "–": "-", "−": "-", "\u00a0": " "}


def render_streak_calendar(
    days: Mapping[date, DayStatus],
    today: date,
    *,
    weeks: int = 12,
    title: str | None = None,
) -> bytes:
    """The last `weeks` weeks up to and including `today`'s week, as PNG bytes.

    Days missing from `days` are drawn as NONE; entries outside the window or after
    `today` are ignored (the future is always an empty outline). Same input, same bytes.
    """
    start = _window_start(today, weeks)
    grid_width = weeks * PITCH - GAP
    title_font, label_font = _font(TITLE_SIZE), _font(LABEL_SIZE)

    title_text = _drawable(title) if title else None
    legend_width = _legend_width(label_font)
    width = max(PAD + DAY_LABEL_WIDTH + grid_width, PAD + DAY_LABEL_WIDTH + legend_width) + PAD
    if title_text is not None:
        title_width = min(int(title_font.getlength(title_text)), MAX_TITLE_WIDTH)
        width = max(width, PAD + title_width + PAD)
        title_text = _fit(title_text, title_font, width - 2 * PAD)

    left, top = _grid_origin(bool(title))
    grid_bottom = top + 7 * PITCH - GAP
    height = grid_bottom + LEGEND_GAP + LEGEND_HEIGHT + PAD

    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)

    if title_text is not None:
        draw.text((PAD, PAD), title_text, font=title_font, fill=TITLE_TEXT)
    _draw_month_labels(draw, label_font, start, weeks, left, top - MONTH_HEIGHT)
    for row, label in DAY_LABELS.items():
        draw.text((PAD, top + row * PITCH + CELL // 2), label, font=label_font, fill=LABEL_TEXT, anchor="lm")

    for offset in range(weeks * 7):
        day = start + timedelta(days=offset)
        box = _box(left, top, offset // 7, offset % 7)
        if day > today:
            _cell(draw, box, fill=None, outline=FUTURE_OUTLINE)
            continue
        status = DayStatus(days.get(day, DayStatus.NONE))  # also takes the core's equal-valued enum
        if status is DayStatus.PENDING:
            _cell(draw, box, fill=PALETTE[status], outline=PENDING_OUTLINE, width=2)
        else:
            _cell(draw, box, fill=PALETTE[status], outline=None)

    _draw_legend(draw, label_font, left, grid_bottom + LEGEND_GAP)

    buffer = io.BytesIO()
    image.save(buffer, format="PNG")  # optimize=True would triple the time to save ~5% of bytes
    return buffer.getvalue()


def cell_box(today: date, day: date, weeks: int = 12, *, title: str | None = None) -> Box | None:
    """The pixel rectangle of `day`'s cell as (left, top, right, bottom), right and bottom
    exclusive (Pillow's crop convention); None if `day` is not in the picture.

    Days after `today` in today's week are in the picture (drawn as outlines). Pass the
    same `title` as to `render_streak_calendar`: a title pushes the grid down.
    """
    start = _window_start(today, weeks)
    offset = (day - start).days
    if not 0 <= offset < weeks * 7:
        return None
    left, top = _grid_origin(bool(title))
    return _box(left, top, offset // 7, offset % 7)


def _window_start(today: date, weeks: int) -> date:
    """Monday of the first column: `weeks - 1` weeks before the Monday of today's week."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValueError(f"weeks must be between 1 and {MAX_WEEKS}, got {weeks}")
    return today - timedelta(days=today.weekday(), weeks=weeks - 1)


def _grid_origin(titled: bool) -> tuple[int, int]:
    top = PAD + (TITLE_HEIGHT if titled else 0) + MONTH_HEIGHT
    return PAD + DAY_LABEL_WIDTH, top


def _box(left: int, top: int, column: int, row: int) -> Box:
    x, y = left + column * PITCH, top + row * PITCH
    return x, y, x + CELL, y + CELL


def _cell(draw: ImageDraw.ImageDraw, box: Box, *, fill: RGB | None, outline: RGB | None, width: int = 1) -> None:
    x0, y0, x1, y1 = box
    # Pillow's rectangles include their far edge, our boxes do not.
    draw.rounded_rectangle((x0, y0, x1 - 1, y1 - 1), radius=3, fill=fill, outline=outline, width=width)


def _draw_month_labels(draw: ImageDraw.ImageDraw, font: Font, start: date, weeks: int, left: int, y: int) -> None:
    """Label each column that holds a month's 1st, and the first column with its own month
    when that fits before the next label (as GitHub does)."""
    labels = []
    for column in range(weeks):
        monday = start + timedelta(weeks=column)
        sunday = monday + timedelta(days=6)
        if monday.day == 1 or sunday.month != monday.month:
            labels.append((column, sunday.month))
    if not labels or labels[0][0] != 0:
        labels.insert(0, (0, start.month))
    free_from = left  # where the next label may begin without touching the previous one
    for index, (column, month) in enumerate(labels):
        x, label = left + column * PITCH, MONTHS[month - 1]
        label_end = x + int(font.getlength(label)) + GAP
        next_x = left + labels[index + 1][0] * PITCH if index + 1 < len(labels) else None
        if x < free_from or (next_x is not None and label_end > next_x):
            continue  # crowded: the later label (a real month start) wins
        draw.text((x, y), label, font=font, fill=LABEL_TEXT)
        free_from = label_end


def _legend_width(font: Font) -> int:
    return sum(LEGEND_CELL + 4 + int(font.getlength(s.value)) + 12 for s in LEGEND) - 12


def _draw_legend(draw: ImageDraw.ImageDraw, font: Font, x: int, y: int) -> None:
    middle = y + LEGEND_HEIGHT // 2
    for status in LEGEND:
        top = middle - LEGEND_CELL // 2
        draw.rounded_rectangle((x, top, x + LEGEND_CELL - 1, top + LEGEND_CELL - 1), radius=2, fill=PALETTE[status])
        x += LEGEND_CELL + 4
        draw.text((x, middle), status.value, font=font, fill=LABEL_TEXT, anchor="lm")
        x += int(font.getlength(status.value)) + 12


def _drawable(text: str) -> str:
    """Fold `text` onto the default font's characters, so "Zoë — 3-day streak" reads
    "Zoe - 3-day streak" instead of showing boxes; anything else (CJK, emoji) becomes "?"."""
    out = []
    for char in unicodedata.normalize("NFKD", text):
        char = _SUBSTITUTES.get(char, char)
        if unicodedata.category(char) in {"Mn", "Me", "Cf"}:
            continue  # accents of decomposed letters, emoji joiners and variation selectors
        out.append(char if char in _FONT_CHARS else "?")
    return "".join(out)


def _fit(text: str, font: Font, width: int) -> str:
    if font.getlength(text) <= width:
        return text
    text = text[: width // 2]  # no glyph is under 2 px wide: keeps the loop below short
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


@cache
def _font(size: int) -> Font:
    # Bundled with Pillow (size= needs Pillow >= 10.1): no font files, same glyphs everywhere.
    return ImageFont.load_default(size=size)
