from app.kernel.piccolo_apps import app_config
from qr.tables import Scan, TokenSubject

APP_CONFIG = app_config("qr", [TokenSubject, Scan])
