"""The statistics' HTTP: the JSON API and the dashboard pages."""

from app.stats.controllers.api import StatsController

STATS_API = [StatsController]
STATS_PAGES: list[type] = []
