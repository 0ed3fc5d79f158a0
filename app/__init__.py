"""StoryCorner application: wiring (web, CLI, worker) plus identity (`app.accounts`) and the
shared kernel (`app.kernel`)."""

import os

# Piccolo finds its engine through this module path; set before any table is imported.
os.environ.setdefault("PICCOLO_CONF", "app.piccolo_conf")
