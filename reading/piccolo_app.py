"""One Piccolo app for both reading sub-domains: their tables keep their names and the
existing migrations (migrations/reading/) keep applying; lending and programme each own
their `tables.py`."""

from app.kernel.piccolo_apps import app_config, tables_in
from reading.lending import tables as lending
from reading.programme import tables as programme

APP_CONFIG = app_config("reading", tables_in(lending, programme), after=["spaces.piccolo_app"])
