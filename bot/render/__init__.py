"""Pictures the bot attaches to messages; pure Pillow, no discord."""

from bot.render.calendar import DayStatus, cell_box, render_streak_calendar

__all__ = ["DayStatus", "cell_box", "render_streak_calendar"]
