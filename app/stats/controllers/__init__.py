"""The statistics' HTTP: the JSON API and the dashboard pages."""

from app.stats.controllers.api import StatsController
from app.stats.controllers.pages import StatsPages

STATS_API = [StatsController]
STATS_PAGES = [StatsPages]
