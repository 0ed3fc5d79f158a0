"""Reading: the picture-book catalogue, copies and lending, and the reading programme."""

import os

# Piccolo finds its engine through this module path; set before any table is imported.
os.environ.setdefault("PICCOLO_CONF", "app.piccolo_conf")
