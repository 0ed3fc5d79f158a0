"""QR: signed tokens and their versions; generic, it knows no other domain package."""

import os

# Piccolo finds its engine through this module path; set before any table is imported.
os.environ.setdefault("PICCOLO_CONF", "app.piccolo_conf")
