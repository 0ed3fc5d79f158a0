"""Reading-programme thresholds. Levels are settings (LEAD_READER_LEVELS), configured by the
wiring at start; the defaults below apply otherwise."""

from __future__ import annotations

from app.kernel.values import frozen
from spaces.rules import TRAINING_THEME as SPACES_TRAINING_THEME


@frozen
class Level:
    name: str
    min_sessions: int
    min_minutes: int


DEFAULT_LEVELS = (Level("见习领读人", 0, 0), Level("领读人", 5, 300), Level("资深领读人", 30, 1800))
_levels: tuple[Level, ...] = DEFAULT_LEVELS
TRAINING_THEME = SPACES_TRAINING_THEME  # the activity theme of a lead-reader training (spaces.rules.THEMES)
TRAININGS_TO_ACTIVATE = 1
SESSION_EDIT_DAYS = 7
DAILY_LOG_CAP = 20
MILESTONES = (10, 50, 100)
STREAK_DAYS = 21


def configure(levels: tuple[tuple[str, int, int], ...]) -> None:
    """(name, sessions led, minutes led) thresholds, from the LEAD_READER_LEVELS setting."""
    global _levels
    if levels:
        _levels = tuple(sorted((Level(*lv) for lv in levels), key=lambda lv: (lv.min_sessions, lv.min_minutes)))


def level_for(sessions: int, minutes: int) -> str:
    """The highest level whose thresholds (sessions led AND minutes) are both reached."""
    name = _levels[0].name
    for level in _levels:
        if sessions >= level.min_sessions and minutes >= level.min_minutes:
            name = level.name
    return name
