"""The space editor's form read into the API's Structs: the same schema checks, each
mistake named in plain words with its field (the page shows the form again with it).

Opening hours are one text field a weekday: `09:00-12:00, 14:00-17:00` (empty: closed)."""

from __future__ import annotations

import re
from typing import Any

from app.kernel.i18n import N_
from app.kernel.web import validated
from spaces.errors import InvalidOpeningHours
from spaces.schemas import SpaceIn, SpaceUpdate

DETAIL_FIELDS = (
    "name",
    "kind",
    "street",
    "community",
    "host_name",
    "address",
    "capacity",
    "latitude",
    "longitude",
    "description",
    "require_live_code",
)
HOUR_FIELDS = tuple(f"hours_{d}" for d in range(1, 8))
SPACE_FIELDS = DETAIL_FIELDS + HOUR_FIELDS
_RANGE = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–~至到]\s*(\d{1,2}:\d{2})\s*$")
WORDS = {
    "name": N_("请填写空间名称（最多 100 个字）"),
    "kind": N_("请选择空间类型"),
    "street": N_("请填写所在街道（最多 20 个字）"),
    "address": N_("请填写地址（最多 200 个字）"),
    "capacity": N_("同时容纳人数应在 1 到 1000 之间"),
    "latitude": N_("纬度应在 -90 到 90 之间"),
    "longitude": N_("经度应在 -180 到 180 之间"),
    "community": N_("社区名称最多 50 个字"),
    "host_name": N_("承办单位名称最多 100 个字"),
    "description": N_("介绍最多 2000 个字"),
    "opening_hours": N_("开放时间请写成 09:00-12:00，多个时间段用逗号隔开"),
}


def space_form(raw: dict[str, str]) -> dict[str, str]:
    """The form's fields, trimmed ("" when missing)."""
    return {name: str(raw.get(name) or "").strip() for name in SPACE_FIELDS}


def _hhmm(value: str) -> str:
    hour, minute = value.split(":")
    return f"{int(hour):02d}:{minute}"


def opening_hours(form: dict[str, str]) -> list[dict[str, Any]]:
    """Each weekday's ranges; a range that cannot be read is refused naming its weekday."""
    hours = []
    for day in range(1, 8):
        text = form.get(f"hours_{day}", "")
        for part in re.split(r"[,，;；、\s]+(?=\d)", text) if text else []:
            match = _RANGE.match(part)
            if match is None:
                raise InvalidOpeningHours(
                    WORDS["opening_hours"], fields=[{"field": f"hours_{day}", "message": "HH:MM-HH:MM, ..."}]
                )
            hours.append({"weekday": day, "opens": _hhmm(match[1]), "closes": _hhmm(match[2])})
    return hours


def _number(value: str) -> Any:
    """A form's number as a number when it reads as one (else the text: the schema refuses it)."""
    if value == "":
        return None
    try:
        return float(value) if "." in value else int(value)
    except ValueError:
        return value


def _details(form: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {k: form[k] for k in ("name", "street", "community", "host_name", "address")}
    values["description"] = form["description"]
    values["capacity"] = _number(form["capacity"])
    for key in ("latitude", "longitude"):
        number = _number(form[key])
        values[key] = float(number) if isinstance(number, int) else number
    return values


def space_in(form: dict[str, str]) -> SpaceIn:
    values = _details(form) | {"kind": form["kind"], "opening_hours": opening_hours(form)}
    return validated(values, SpaceIn, WORDS)


def space_update(form: dict[str, str]) -> SpaceUpdate:
    """Everything the editor shows (coordinates left empty stay as they were)."""
    values = _details(form) | {"require_live_code": form["require_live_code"] == "yes"}
    values["opening_hours"] = opening_hours(form)
    return validated(values, SpaceUpdate, WORDS)
