"""Synthetic data at district or city scale (`python -m app seed-synthetic --scale district`).

Fast and deterministic: every value comes from `random.Random` seeded with the `--seed` and
the part's name, and every date is relative to one anchor day (`today`, the local date by
default), so the same seed and day give the same rows. Rows are written in bulk: binary
`COPY` (asyncpg `copy_records_to_table`) on PostgreSQL, `executemany` in one transaction on
SQLite. Ids are assigned here (after the tables' current maximum), sequences are moved past
them at the end, and PostgreSQL gets an `ANALYZE` so the planner knows the new sizes.

Sizing (GLOSSARY.md, the 2022 report): a district is the Wangfujing reading base plus 185
ten-square-metre spaces in Dongcheng's 17 subdistricts, 20,000 families with 40,000
children, ~2,600 activities and ~90,000 attendances (family check-ins) in a year. A city is
16 districts (Dongcheng plus 15 more with generated subdistrict names).

Generated: spaces, opening hours, closures, corners, staff and their assignments, families
(users, guardians, children, consents), picture-book titles (with the pinyin initials and
search text the catalogue searches), copies on the spaces' shelves, and a year up to
yesterday of slots (open reading from opening hours, activities) with bookings and
check-ins, loans (the open ones leave their copies on loan), lead readers and the reading
sessions they led, plus the coming two weeks of slots with a few future bookings. Left out
on purpose: see `PENDING` and docs/benchmarks.md. A new part is a generator added to `PARTS`;
a column added to a table later takes its default (a time default: the data's anchor time).
"""

# S608: table and column names come from the fixed COLUMNS mapping, never from input.
# S311: the generator must be seeded and repeatable; nothing here is a secret.
# ruff: noqa: S608, S311

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import random
import time as clock_time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from app.accounts.consent import CURRENT_POLICY
from app.accounts.people import age_band
from app.kernel.clock import local_zone

SYNTHETIC_PASSWORD = "synthetic-2026"  # noqa: S105  (public by design) every synthetic family and staff login uses it
FAMILY_PHONE_PREFIX = "199"  # family logins: 199 + 8 digits (first family: 19900000001)
SECOND_GUARDIAN_PHONE_PREFIX = "198"
STAFF_LOGIN_PREFIX = "syn."
FLUSH_ROWS = 50_000


class SeedError(RuntimeError):
    """Seeding cannot start (data already there, a table changed shape); the message says why."""


@dataclass(frozen=True, slots=True)
class Scale:
    name: str
    districts: int
    ten_square_per_district: int
    families_per_district: int
    titles: int
    activities_per_district: int
    attendances_per_district: int
    copies_per_district: int
    loans_per_district: int
    lead_readers_per_district: int
    history_days: int = 365
    future_days: int = 14


SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", 1, 6, 60, 200, 12, 300, 400, 500, 6, history_days=28),
    # ~300,000 loans a year: ~820 a day, 15 per family; the sizing's 4,000 loans + returns a
    # day is the peak the circulation scenario is measured against, not the yearly average.
    "district": Scale("district", 1, 185, 20_000, 50_000, 2_600, 90_000, 150_000, 300_000, 600),
    # Titles are one shared catalogue, not per district: the city has twice the district's.
    "city": Scale("city", 16, 185, 20_000, 100_000, 2_600, 90_000, 150_000, 300_000, 600),
}

# Tables in the order they are written (foreign keys point backwards), with the columns set.
COLUMNS: dict[str, tuple[str, ...]] = {
    "accounts_family": ("id", "created_at", "erased_at"),
    "accounts_user": (
        "id",
        "login",
        "display_name",
        "password_hash",
        "roles",
        "family",
        "active",
        "session_epoch",
        "created_at",
        "last_login_at",
    ),
    "accounts_guardian": ("id", "family", "user", "name", "phone"),
    "accounts_child": ("id", "family", "nickname", "birth_month", "created_at"),
    "accounts_consent": ("id", "family", "guardian", "policy_version", "scope", "accepted_at", "withdrawn_at"),
    "spaces_space": (
        "id",
        "name",
        "kind",
        "street",
        "community",
        "host_name",
        "address",
        "capacity",
        "description",
        "created_at",
        "max_future_bookings",
        "booking_horizon_days",
        "check_in_opens_minutes",
        "check_in_closes_minutes",
        "offer_minutes",
        "require_live_code",
    ),
    "spaces_opening_hours": ("id", "space", "weekday", "opens", "closes"),
    "spaces_closure": ("id", "space", "first_day", "last_day", "reason"),
    "spaces_corner": ("id", "space", "name", "created_at"),
    "spaces_staff_assignment": ("id", "user", "space"),
    "reading_book": (
        "id",
        "isbn",
        "title",
        "subtitle",
        "authors",
        "illustrators",
        "translators",
        "publisher",
        "year",
        "age_band",
        "themes",
        "series",
        "summary",
        "initials",
        "search_text",
        "draft",
        "has_cover",
        "created_at",
        "updated_at",
    ),
    "reading_copy": ("id", "book", "barcode", "home_space", "current_space", "status", "created_at", "last_seen_at"),
    "spaces_slot": (
        "id",
        "space",
        "kind",
        "title",
        "theme",
        "description",
        "age_band",
        "starts_at",
        "ends_at",
        "capacity",
        "remaining",
        "waitlist",
        "booking_opens_at",
        "cancel_deadline",
        "series",
        "lead_reader_ids",
        "cancelled",
        "created_at",
    ),
    "spaces_booking": (
        "id",
        "slot",
        "family",
        "booked_by",
        "status",
        "adults",
        "child_ids",
        "people",
        "created_at",
        "offer_expires_at",
        "checked_in_at",
        "cancelled_at",
        "late_cancel",
        "reminded_day",
        "reminded_hours",
    ),
    "spaces_check_in": (
        "id",
        "kind",
        "space",
        "slot",
        "family",
        "booking",
        "corner",
        "child_ids",
        "people",
        "checked_in_at",
        "by_user",
        "override_reason",
    ),
    "reading_loan": (
        "id",
        "copy",
        "family",
        "space",
        "borrowed_at",
        "due_on",
        "renewals",
        "returned_at",
        "returned_space",
        "by_user",
        "self_service",
    ),
    "reading_lead_reader": (
        "id",
        "user",
        "family",
        "display_name",
        "status",
        "application",
        "created_at",
        "updated_at",
    ),
    "reading_session": (
        "id",
        "space",
        "slot",
        "started_at",
        "minutes",
        "adults",
        "children",
        "theme",
        "notes",
        "logged_by",
        "client_key",
        "reviewed_by",
        "reviewed_at",
        "created_at",
        "updated_at",
    ),
    "reading_session_lead_reader": ("id", "session", "lead_reader"),
    "reading_session_book": ("id", "session", "book"),
}

# What is deliberately left out of the history, and why.
PENDING: dict[str, str] = {
    "copy events": "the audit trail starts empty (loans carry the lending history)",
    "holds, transfers, stocktakes": "workflow state, not history the statistics read",
    "reading log, certificates, lead-reader applications": "per-family extras, not needed for load",
    "notifications (outbox, inbox)": "delivery history, not needed for load",
}

# --- names --------------------------------------------------------------------------------

DONGCHENG_STREETS = (
    "东华门",
    "景山",
    "交道口",
    "安定门",
    "北新桥",
    "东四",
    "朝阳门",
    "建国门",
    "东直门",
    "和平里",
    "前门",
    "崇文门外",
    "东花市",
    "龙潭",
    "体育馆路",
    "天坛",
    "永定门外",
)
DISTRICTS = (
    "东城区",
    "西城区",
    "朝阳区",
    "海淀区",
    "丰台区",
    "石景山区",
    "门头沟区",
    "房山区",
    "通州区",
    "顺义区",
    "昌平区",
    "大兴区",
    "怀柔区",
    "平谷区",
    "密云区",
    "延庆区",
)
PLACE_FIRST = "安和福新景永龙天青花文春清德宝兴广长太平宁乐华鼓银金玉双南北东西"
PLACE_SECOND = ("里", "苑", "园", "坊", "营", "桥", "门", "街", "村", "湖", "庄", "寺", "池", "楼", "巷")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊洋艳勇军杰娟涛明超秀霞平刚英华玉兰红建文辉宁琳晨欣悦婷雪颖鹏浩宇轩"
    "睿博涵思佳梓一若雨嘉俊诗雅晓月海天志春立新家庆东国晶倩慧瑶琪"
)
NICK_SINGLE = "雨米鱼宝树星禾苗果乐安然朵朵糖彤可点团圆多妞贝甜笑兜壮球天豆"
THEMES = ("文化", "阅读", "科普", "安全教育", "志愿服务")
ANIMALS = (
    "小熊",
    "兔子",
    "狐狸",
    "小猪",
    "大象",
    "恐龙",
    "小鸭",
    "熊猫",
    "刺猬",
    "猫头鹰",
    "鲸鱼",
    "蚂蚁",
    "老鼠",
    "乌龟",
    "长颈鹿",
    "狮子",
    "小狗",
    "小猫",
    "松鼠",
    "企鹅",
    "青蛙",
    "蜗牛",
    "小鹿",
    "燕子",
)
THINGS = (
    "月亮",
    "雨伞",
    "帽子",
    "房子",
    "蛋糕",
    "星星",
    "种子",
    "气球",
    "彩虹",
    "围巾",
    "灯笼",
    "饺子",
    "风筝",
    "被子",
    "信",
    "梦",
    "礼物",
    "秘密",
    "花园",
    "小船",
    "书包",
    "火车",
    "云朵",
    "胡同",
)
ADJECTIVES = ("勇敢的", "害羞的", "爱读书的", "会飞的", "最好的", "迷路的", "好奇的", "慢吞吞的", "不睡觉的", "快乐的")
PLACES = ("幼儿园", "森林", "海边", "奶奶家", "故宫", "天坛", "月球", "图书馆", "菜市场", "雪山", "胡同里", "动物园")
SEASONS = ("春天", "夏天", "秋天", "冬天", "下雨天", "过年", "中秋节", "端午节")
SERIES = ("", "", "", "", "（第一辑）", "（第二辑）", "（注音版）", "（精装）", "（新版）")
PUBLISHERS = (
    ("海豚出版社", 6),
    ("接力出版社", 2),
    ("明天出版社", 2),
    ("二十一世纪出版社", 2),
    ("中信出版社", 2),
    ("少年儿童出版社", 1),
    ("新蕾出版社", 1),
    ("北京科学技术出版社", 1),
    ("中国少年儿童新闻出版总社", 1),
    ("长江少年儿童出版社", 1),
    ("天天出版社", 1),
)
FOREIGN_AUTHORS = ("[美]艾瑞·卡尔", "[英]安东尼·布朗", "[日]宫西达也", "[美]莫·威廉斯", "[法]克劳德·布彭")
ACTIVITY_TITLES = (
    "绘本＋{theme}：《{book}》亲子共读",
    "家庭领读人带读：《{book}》",
    "{theme}主题绘本会：{thing}的故事",
    "亲子手工：做一个{thing}",
    "周末故事会：{animal}和{thing}",
)
CORNER_NAMES = ("绘本架", "亲子共读区", "故事小剧场", "低幼绘本角", "科普绘本墙")


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    return rng.choice(SURNAMES) + given


def _nickname(rng: random.Random) -> str:
    c = rng.choice(NICK_SINGLE)
    return c + c if rng.random() < 0.5 else "小" + c


def _book_title(rng: random.Random) -> list[str]:
    """A title as its words (joined, the title): the pinyin initials are computed per word."""
    pattern = rng.randrange(8)
    a, b, t = rng.choice(ANIMALS), rng.choice(ANIMALS), rng.choice(THINGS)
    if pattern == 0:
        words = [a, "的", t]
    elif pattern == 1:
        words = [rng.choice(ADJECTIVES), a]
    elif pattern == 2:
        words = [a, "去", rng.choice(PLACES)]
    elif pattern == 3:
        words = [rng.choice(SEASONS), "的", t]
    elif pattern == 4:
        words = [a, "和", b]
    elif pattern == 5:
        words = [rng.choice("一二三四五六七八九十"), "只", a, "找", t]
    elif pattern == 6:
        words = ["你好", "，", t]
    else:
        words = [rng.choice(ADJECTIVES), t]
    series = rng.choice(SERIES)
    return [*words, series] if series else words


def isbn13(twelve: str) -> str:
    """The 12 digits plus their ISBN-13 check digit."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(twelve))
    return twelve + str((10 - total % 10) % 10)


def _generated_streets(rng: random.Random, count: int) -> list[str]:
    seen: list[str] = []
    while len(seen) < count:
        name = rng.choice(PLACE_FIRST) + rng.choice(PLACE_FIRST) + rng.choice(PLACE_SECOND)
        if name not in seen:
            seen.append(name)
    return seen


# --- the writers ------------------------------------------------------------------------


class Sink(Protocol):
    """Where rows go; one transaction for the whole run."""

    async def begin(self) -> None: ...

    async def max_id(self, table: str) -> int: ...

    async def exists(self, sql: str, value: Any) -> bool: ...

    async def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None: ...

    async def commit(self, tables: Sequence[str]) -> None: ...

    async def rollback(self) -> None: ...


class PostgresSink(Sink):
    """Binary COPY over one asyncpg connection (from the Piccolo engine's pool when it has one)."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self.conn: Any = None
        self.release: Callable[[], Any] | None = None
        self.tx: Any = None

    async def begin(self) -> None:
        if self.db.pool is not None:
            self.conn = await self.db.pool.acquire()
            pool = self.db.pool
            conn = self.conn

            async def release() -> None:
                await pool.release(conn)

            self.release = release
        else:
            import asyncpg

            self.conn = await asyncpg.connect(**self.db.config)
            self.release = self.conn.close
        self.tx = self.conn.transaction()
        await self.tx.start()
        # The rows are consistent by construction; skipping the per-row foreign-key triggers
        # makes the COPY several times faster. Needs a superuser (the bench's `postgres`);
        # anyone else simply gets the checks.
        if await self.conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"):
            await self.conn.execute("SET LOCAL session_replication_role = replica")

    async def max_id(self, table: str) -> int:
        return int(await self.conn.fetchval(f'SELECT coalesce(max(id), 0) FROM "{table}"'))

    async def exists(self, sql: str, value: Any) -> bool:
        return bool(await self.conn.fetchval(sql.replace("?", "$1"), value))

    async def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        await self.conn.copy_records_to_table(table, records=rows, columns=list(columns))

    async def commit(self, tables: Sequence[str]) -> None:
        for table in tables:
            await self.conn.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'(SELECT max(id) FROM "{table}"), true) WHERE EXISTS (SELECT 1 FROM "{table}")'
            )
        await self.tx.commit()
        for table in tables:  # fresh statistics: the bench starts right after the seed
            await self.conn.execute(f'ANALYZE "{table}"')
        await self._close()

    async def rollback(self) -> None:
        if self.tx is not None:
            await self.tx.rollback()
        await self._close()

    async def _close(self) -> None:
        if self.release is not None:
            await self.release()
            self.release = None


class SQLiteSink(Sink):
    """`executemany` inside one transaction on a plain sqlite3 connection. Piccolo's sqlite3
    adapters (registered when its engine is imported) store datetimes, dates and times in the
    same text forms as the app's own writes."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.conn: Any = None

    async def begin(self) -> None:
        import sqlite3

        import piccolo.engine.sqlite  # noqa: F401  (registers the adapters)

        self.conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        self.conn.execute("BEGIN IMMEDIATE")

    async def max_id(self, table: str) -> int:
        return int(self.conn.execute(f'SELECT coalesce(max(id), 0) FROM "{table}"').fetchone()[0])

    async def exists(self, sql: str, value: Any) -> bool:
        return self.conn.execute(sql, (value,)).fetchone() is not None

    async def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        self.conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)

    async def commit(self, tables: Sequence[str]) -> None:
        self.conn.execute("COMMIT")
        self.conn.close()

    async def rollback(self) -> None:
        if self.conn is not None:
            self.conn.execute("ROLLBACK")
            self.conn.close()


class MemorySink(Sink):
    """Keeps a digest and counts only: for tests of determinism without a database."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.counts: dict[str, int] = {}

    async def begin(self) -> None:
        return None

    async def max_id(self, table: str) -> int:
        return 0

    async def exists(self, sql: str, value: Any) -> bool:
        return False

    async def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        self.counts[table] = self.counts.get(table, 0) + len(rows)
        for row in rows:
            self.digest.update(repr((table, row)).encode())

    async def commit(self, tables: Sequence[str]) -> None:
        return None

    async def rollback(self) -> None:
        return None


def default_sink() -> Sink:
    from piccolo.engine.postgres import PostgresEngine
    from piccolo.engine.sqlite import SQLiteEngine

    from app.kernel.db import engine

    db = engine()
    if isinstance(db, PostgresEngine):
        return PostgresSink(db)
    if isinstance(db, SQLiteEngine):
        return SQLiteSink(str(db.path))
    raise SeedError(f"unsupported database engine {type(db).__name__}")


NOW = object()  # an extra column whose default is "now": it gets the data's anchor time


def check_columns() -> dict[str, list[tuple[str, Any]]]:
    """Every column written here must exist in the Piccolo tables (a renamed column fails
    loudly here rather than half-way through a COPY). Columns added since are returned with
    a deterministic value: their default, or the anchor time for a "now" default."""
    from piccolo.columns import JSON, JSONB, Date, Timestamp, Timestamptz
    from piccolo.conf.apps import Finder

    tables = {t._meta.tablename: t for t in Finder().get_table_classes()}
    extras: dict[str, list[tuple[str, Any]]] = {}
    for name, columns in COLUMNS.items():
        table = tables.get(name)
        if table is None:
            raise SeedError(f"table {name} does not exist any more: update app/synthetic.py")
        known = {c._meta.db_column_name: c for c in table._meta.columns}
        missing = [c for c in columns if c not in known]
        if missing:
            raise SeedError(f"{name} has no column(s) {', '.join(missing)}: update app/synthetic.py")
        for column_name, column in known.items():
            if column_name in columns:
                continue
            if isinstance(column, (Timestamptz, Timestamp, Date)) and column.default is not None:
                value: Any = NOW
            else:
                value = column.get_default_value()
                if isinstance(column, (JSON, JSONB)) and not isinstance(value, str):
                    value = json.dumps(value)
            extras.setdefault(name, []).append((column_name, value))
    return extras


# --- the generation context -------------------------------------------------------------


@dataclass(slots=True)
class SpaceInfo:
    id: int
    district: int
    kind: str
    capacity: int
    hours: list[tuple[int, time, time]]
    corners: list[int]
    closed: list[tuple[date, date]]
    volunteer_user: int = 0


@dataclass(slots=True)
class FamilyInfo:
    id: int
    user: int
    children: list[tuple[int, date]]
    home: int  # index into Context.spaces


@dataclass
class Context:
    scale: Scale
    seed: int
    today: date
    ids: dict[str, int]
    password_hash: str
    buffers: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    spaces: list[SpaceInfo] = field(default_factory=list)
    families: list[FamilyInfo] = field(default_factory=list)
    families_by_home: dict[int, list[int]] = field(default_factory=dict)
    families_by_district: dict[int, list[int]] = field(default_factory=dict)
    future_bookings: dict[int, int] = field(default_factory=dict)
    titles: list[str] = field(default_factory=list)
    book_ids: list[int] = field(default_factory=list)
    activity_check_ins: int = 0
    past_activities: list[tuple[int, int, datetime, int, str, int, int]] = field(default_factory=list)
    extras: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    first_day: date = date.min
    anchor: datetime = datetime.min
    _moments: dict[tuple[date, time], datetime] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.first_day = self.today - timedelta(days=self.scale.history_days)
        # Creation time of rows that have none of their own: a month before the history.
        self.anchor = self.at(self.first_day, time(8, 0)) - timedelta(days=30)

    def rng(self, part: str) -> random.Random:
        return random.Random(f"storycorner-synthetic:{self.seed}:{part}")

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.buffers.setdefault(table, []).append(row)

    @property
    def buffered(self) -> int:
        return sum(len(rows) for rows in self.buffers.values())

    def at(self, day: date, moment: time) -> datetime:
        """A local wall-clock time as an aware UTC datetime (whole seconds)."""
        found = self._moments.get((day, moment))
        if found is None:
            found = self._moments[(day, moment)] = datetime.combine(day, moment, local_zone()).astimezone(UTC)
        return found


def _j(values: list[int]) -> str:
    """A JSON list of ids (what json.dumps gives, faster)."""
    return "[" + ", ".join(map(str, values)) + "]"


# --- parts --------------------------------------------------------------------------------

TEN_SQUARE_HOURS: tuple[tuple[tuple[int, str, str], ...], ...] = (
    # weekend mornings and afternoons (the demo's pattern)
    ((6, "09:30", "11:30"), (6, "14:00", "17:00"), (7, "09:30", "11:30"), (7, "14:00", "17:00")),
    # the same plus two after-school afternoons
    (
        (2, "15:30", "18:00"),
        (4, "15:30", "18:00"),
        (6, "09:30", "11:30"),
        (6, "14:00", "17:00"),
        (7, "09:30", "11:30"),
        (7, "14:00", "17:00"),
    ),
    # after school on Wednesday and Friday, Saturday morning
    ((3, "15:30", "18:00"), (5, "15:30", "18:00"), (6, "09:00", "12:00")),
    # every afternoon but Monday
    tuple((d, "14:00", "17:30") for d in range(2, 8)),
)


def part_spaces(ctx: Context) -> Iterator[None]:
    """Spaces, hours, closures, corners; staff (admins, librarians, volunteers) assigned."""
    rng = ctx.rng("spaces")
    created = ctx.anchor
    for district in range(ctx.scale.districts):
        district_name = DISTRICTS[district]
        streets = list(DONGCHENG_STREETS) if district == 0 else _generated_streets(ctx.rng(f"streets:{district}"), 17)
        # The reading base: every day 09:00-20:00, three corners.
        base_name = (
            "王府井新华书店家庭亲子阅读体验基地" if district == 0 else f"{district_name}新华书店家庭亲子阅读体验基地"
        )
        entries: list[tuple[str, str, str, str, str, int, str, list[tuple[int, time, time]], int]] = [
            (
                base_name,
                "reading_base",
                streets[0],
                "",
                "王府井新华书店" if district == 0 else f"{district_name}新华书店",
                60,
                "东城区王府井大街 218 号 新华书店三层"
                if district == 0
                else f"{district_name}{streets[0]}大街新华书店三层",
                [(d, time(9), time(20)) for d in range(1, 8)],
                3,
            )
        ]
        communities: set[str] = set()
        for i in range(ctx.scale.ten_square_per_district):
            street = streets[i % len(streets)]
            while True:
                community = rng.choice(PLACE_FIRST) + rng.choice(PLACE_FIRST) + rng.choice(PLACE_SECOND)
                if community not in communities:
                    communities.add(community)
                    break
            pattern = TEN_SQUARE_HOURS[rng.randrange(len(TEN_SQUARE_HOURS))]
            hours = [(d, time.fromisoformat(o), time.fromisoformat(c)) for d, o, c in pattern]
            entries.append(
                (
                    f"{community}十平米阅读空间",
                    "ten_square",
                    street,
                    f"{community}社区",
                    f"{community}社区儿童之家",
                    rng.choice((8, 10, 10, 12, 12, 15, 16)),
                    f"{district_name}{street}街道{community}社区服务站{rng.randint(1, 3)}层",
                    hours,
                    rng.choice((1, 1, 2, 2, 3)),
                )
            )
        for name, kind, street, community, host, capacity, address, hours, corners in entries:
            space_id = ctx.next_id("spaces_space")
            description = (
                "区内家庭亲子阅读体验基地，周末有“绘本＋”主题活动和家庭领读人带读。"
                if kind == "reading_base"
                else "与海豚出版社合作的公益“十平米阅读”空间，有绘本和志愿者带读。"
            )
            ctx.add(
                "spaces_space",
                (
                    space_id,
                    name,
                    kind,
                    street,
                    community,
                    host,
                    address,
                    capacity,
                    description,
                    created,
                    4,
                    14,
                    30,
                    15,
                    120,
                    False,
                ),
            )
            for weekday, opens, closes in hours:
                ctx.add("spaces_opening_hours", (ctx.next_id("spaces_opening_hours"), space_id, weekday, opens, closes))
            closed: list[tuple[date, date]] = []
            if kind == "ten_square" and rng.random() < 0.05:  # a renovation or a community event
                first = ctx.first_day + timedelta(days=rng.randrange(max(1, ctx.scale.history_days - 10)))
                last = first + timedelta(days=rng.randint(2, 9))
                closed.append((first, last))
                ctx.add("spaces_closure", (ctx.next_id("spaces_closure"), space_id, first, last, "社区活动用房"))
            corner_ids = []
            for c in range(corners):
                corner_id = ctx.next_id("spaces_corner")
                corner_ids.append(corner_id)
                ctx.add("spaces_corner", (corner_id, space_id, CORNER_NAMES[c], created))
            ctx.spaces.append(SpaceInfo(space_id, district, kind, capacity, hours, corner_ids, closed))
        yield

    # Staff: two district admins, a librarian per ten spaces, a volunteer per space.
    def staff(login: str, name: str, roles: str) -> int:
        user_id = ctx.next_id("accounts_user")
        ctx.add(
            "accounts_user",
            (user_id, login, name, ctx.password_hash, roles, None, True, 0, created, None),
        )
        return user_id

    for n in (1, 2):
        staff(f"{STAFF_LOGIN_PREFIX}admin.{n}", f"{_name(rng)}（区妇联）", "district_admin")
    for start in range(0, len(ctx.spaces), 10):
        user_id = staff(f"{STAFF_LOGIN_PREFIX}lib.{start // 10 + 1:04d}", f"{_name(rng)}（馆员）", "librarian")
        for space in ctx.spaces[start : start + 10]:
            ctx.add("spaces_staff_assignment", (ctx.next_id("spaces_staff_assignment"), user_id, space.id))
    for n, space in enumerate(ctx.spaces, 1):
        user_id = staff(f"{STAFF_LOGIN_PREFIX}vol.{n:05d}", f"{_name(rng)}（志愿者）", "volunteer")
        space.volunteer_user = user_id
        ctx.add("spaces_staff_assignment", (ctx.next_id("spaces_staff_assignment"), user_id, space.id))
    yield


def part_families(ctx: Context) -> Iterator[None]:
    """Families: the guardian's user (a shared password hash), guardians, children, consent.
    Children per family: a quarter one, half two, a quarter three (two on average)."""
    rng = ctx.rng("families")
    per_district = ctx.scale.families_per_district
    spaces_of: dict[int, list[int]] = {}
    weights_of: dict[int, list[float]] = {}
    for index, space in enumerate(ctx.spaces):
        spaces_of.setdefault(space.district, []).append(index)
        weights_of.setdefault(space.district, []).append(10.0 if space.kind == "reading_base" else 1.0)
    number = 0
    for district in range(ctx.scale.districts):
        counts = [1] * (per_district // 4) + [3] * (per_district // 4)
        counts += [2] * (per_district - len(counts))
        rng.shuffle(counts)
        homes = rng.choices(spaces_of[district], weights=weights_of[district], k=per_district)
        for n_children, home in zip(counts, homes, strict=True):
            number += 1
            family_id = ctx.next_id("accounts_family")
            user_id = ctx.next_id("accounts_user")
            created = ctx.anchor - timedelta(days=rng.randrange(400), seconds=rng.randrange(86_400))
            surname = rng.choice(SURNAMES)
            guardian = surname + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
            phone = f"{FAMILY_PHONE_PREFIX}{number:08d}"
            ctx.add("accounts_family", (family_id, created, None))
            ctx.add(
                "accounts_user",
                (user_id, phone, guardian, ctx.password_hash, "family", family_id, True, 0, created, None),
            )
            guardian_id = ctx.next_id("accounts_guardian")
            ctx.add("accounts_guardian", (guardian_id, family_id, user_id, guardian, phone))
            if rng.random() < 0.3:
                second_phone = f"{SECOND_GUARDIAN_PHONE_PREFIX}{number:08d}" if rng.random() < 0.5 else None
                ctx.add(
                    "accounts_guardian", (ctx.next_id("accounts_guardian"), family_id, None, _name(rng), second_phone)
                )
            ctx.add(
                "accounts_consent",
                (
                    ctx.next_id("accounts_consent"),
                    family_id,
                    guardian_id,
                    CURRENT_POLICY.version,
                    CURRENT_POLICY.scope,
                    created,
                    None,
                ),
            )
            children = []
            for _ in range(n_children):
                months_old = rng.randint(6, 12 * 12 - 1)
                total = ctx.today.year * 12 + ctx.today.month - 1 - months_old
                birth = date(total // 12, total % 12 + 1, 1)
                child_id = ctx.next_id("accounts_child")
                ctx.add("accounts_child", (child_id, family_id, _nickname(rng), birth, created))
                children.append((child_id, birth))
            ctx.families_by_home.setdefault(home, []).append(len(ctx.families))
            ctx.families_by_district.setdefault(district, []).append(len(ctx.families))
            ctx.families.append(FamilyInfo(family_id, user_id, children, home))
            if number % 2000 == 0:
                yield
    yield


def part_titles(ctx: Context) -> Iterator[None]:
    """Picture-book titles with valid ISBN-13s (978-7-…), about a quarter from the Dolphin
    Publishing House (the ten-square spaces' partner), with the catalogue's own pinyin
    initials and search text (reading.services.catalogue)."""
    from reading.lending.services.catalogue import initials, search_text

    rng = ctx.rng("titles")
    names = [p for p, _ in PUBLISHERS]
    cum_weights = list(itertools.accumulate(w for _, w in PUBLISHERS))
    initials_of: dict[str, str] = {}
    for n in range(ctx.scale.titles):
        words = _book_title(rng)
        title = "".join(words)
        ctx.titles.append(title)
        author = rng.choice(FOREIGN_AUTHORS) if rng.random() < 0.2 else _name(rng)
        illustrator = _name(rng) if rng.random() < 0.3 else ""
        translator = _name(rng) if author.startswith("[") else ""
        themes = ",".join(sorted(set(rng.sample(THEMES, rng.randint(1, 2)))))
        series = "十平米阅读·海豚绘本花园" if rng.random() < 0.05 else ""
        parts = []
        for word in words:
            part = initials_of.get(word)
            if part is None:
                part = initials_of[word] = initials(word)
            parts.append(part)
        found = "".join(parts)
        book_id = ctx.next_id("reading_book")
        ctx.book_ids.append(book_id)
        values = {"title": title, "authors": author, "illustrators": illustrator, "translators": translator}
        ctx.add(
            "reading_book",
            (
                book_id,
                isbn13(f"9787{5000 + n // 10_000:04d}{n % 10_000:04d}"),
                title,
                "",
                author[:200],
                illustrator,
                translator,
                rng.choices(names, cum_weights=cum_weights)[0],
                rng.randint(1995, ctx.today.year),
                rng.choice(("0-3", "3-6", "3-6", "6-9", "9-12")),
                themes,
                series,
                "",
                found[:200],
                search_text({**values, "series": series}),
                False,
                False,
                ctx.anchor,
                ctx.anchor,
            ),
        )
        if n % 10_000 == 9_999:
            yield
    yield


def part_copies_and_loans(ctx: Context) -> Iterator[None]:
    """Copies on the spaces' shelves (the base holds a tenth of a district's), popular titles
    in more copies; a year of loans per copy, one at a time, returned after 3-28 days (21 are
    allowed), borrowed by families living nearby. Loans still out leave their copy on loan."""
    rng = ctx.rng("copies")
    if not ctx.book_ids:
        return
    popularity = list(range(len(ctx.book_ids)))
    rng.shuffle(popularity)
    cum = list(itertools.accumulate(1.0 / (rank + 20) for rank in popularity))
    per_copy = ctx.scale.loans_per_district / ctx.scale.copies_per_district
    open_loans: dict[int, int] = {}
    by_district: dict[int, list[int]] = {}
    for index, space in enumerate(ctx.spaces):
        by_district.setdefault(space.district, []).append(index)
    for district, indexes in by_district.items():
        total = ctx.scale.copies_per_district
        base_share = total // 10
        small = [i for i in indexes if ctx.spaces[i].kind != "reading_base"]
        for s_index in indexes:
            space = ctx.spaces[s_index]
            count = base_share if space.kind == "reading_base" else (total - base_share) // max(1, len(small))
            pool = ctx.families_by_home.get(s_index, [])
            nearby = ctx.families_by_district[district]
            books = rng.choices(ctx.book_ids, cum_weights=cum, k=count)
            for book in books:
                copy_id = ctx.next_id("reading_copy")
                loans = int(per_copy * rng.uniform(0.2, 1.8) + rng.random())
                day = ctx.first_day + timedelta(days=rng.randrange(30))
                current: int | None = space.id
                status, seen = "available", ctx.anchor
                returned: datetime | None
                returned_space: int | None
                for _ in range(loans):
                    day += timedelta(days=rng.randrange(1, max(2, int(365 / max(1, loans)))))
                    if day >= ctx.today:
                        break
                    f_index = rng.choice(pool) if pool and rng.random() < 0.8 else rng.choice(nearby)
                    family = ctx.families[f_index]
                    back = day + timedelta(days=rng.randint(3, 28))
                    borrowed = ctx.at(day, time(9)) + timedelta(seconds=rng.randrange(10 * 3600))
                    renewals = 1 if (back - day).days > 21 and rng.random() < 0.5 else 0
                    due = day + timedelta(days=21 * (1 + renewals))
                    if back >= ctx.today:
                        if open_loans.get(f_index, 0) >= 8:
                            break
                        open_loans[f_index] = open_loans.get(f_index, 0) + 1
                        returned, returned_space = None, None
                        status, current, seen = "on_loan", None, borrowed
                    else:
                        returned = ctx.at(back, time(9)) + timedelta(seconds=rng.randrange(10 * 3600))
                        returned_space, seen = space.id, returned
                    ctx.add(
                        "reading_loan",
                        (
                            ctx.next_id("reading_loan"),
                            copy_id,
                            family.id,
                            space.id,
                            borrowed,
                            due,
                            renewals,
                            returned,
                            returned_space,
                            space.volunteer_user or None,
                            False,
                        ),
                    )
                    if returned is None:
                        break
                    day = back
                ctx.add(
                    "reading_copy",
                    (copy_id, book, f"SC{copy_id:08d}", space.id, current, status, ctx.anchor, seen),
                )
            yield


def part_programme(ctx: Context) -> Iterator[None]:
    """Family lead readers (most active) and a reading session logged by the space's volunteer
    for every past activity, led by one or two lead readers of the district, with 1-3 books."""
    rng = ctx.rng("programme")
    leaders: dict[int, list[int]] = {}
    for district in range(ctx.scale.districts):
        families = ctx.families_by_district[district]
        for f_index in rng.sample(families, min(len(families), ctx.scale.lead_readers_per_district)):
            family = ctx.families[f_index]
            leader_id = ctx.next_id("reading_lead_reader")
            status = "active" if rng.random() < 0.85 else rng.choice(("trainee", "paused"))
            name = rng.choice(SURNAMES) + rng.choice(("妈妈", "爸爸", "老师"))
            ctx.add(
                "reading_lead_reader",
                (leader_id, family.user, family.id, name, status, None, ctx.anchor, ctx.anchor),
            )
            if status == "active":
                leaders.setdefault(district, []).append(leader_id)
    yield
    for slot_id, s_index, starts, minutes, theme, adults, children in ctx.past_activities:
        space = ctx.spaces[s_index]
        session_id = ctx.next_id("reading_session")
        ended = starts + timedelta(minutes=minutes)
        ctx.add(
            "reading_session",
            (
                session_id,
                space.id,
                slot_id,
                starts,
                minutes,
                adults,
                children,
                theme,
                "",
                space.volunteer_user or None,
                None,
                None,
                None,
                ended,
                ended,
            ),
        )
        district_leaders = leaders.get(space.district, [])
        for leader in rng.sample(district_leaders, min(len(district_leaders), rng.randint(1, 2))):
            ctx.add("reading_session_lead_reader", (ctx.next_id("reading_session_lead_reader"), session_id, leader))
        if ctx.book_ids:
            for book in rng.sample(ctx.book_ids, rng.randint(1, 3)):
                ctx.add("reading_session_book", (ctx.next_id("reading_session_book"), session_id, book))
    yield


def _party(rng: random.Random, family: FamilyInfo, band: str, day: date) -> tuple[int, list[int]] | None:
    """Adults and children coming: the children fitting the age band, at least one."""
    fitting = [c for c, birth in family.children if not band or age_band(birth, day) == band]
    if not fitting:
        return None
    chosen = fitting if rng.random() < 0.7 else rng.sample(fitting, rng.randint(1, len(fitting)))
    return (2 if rng.random() < 0.2 else 1), sorted(chosen)


def part_activities(ctx: Context) -> Iterator[None]:
    """~2,600 activities a year per district (the report's 2,625 lectures), mostly at weekends,
    booked by families living nearby: 85 % attended, 8 % no-shows, 7 % cancelled in the past;
    confirmed in the coming two weeks."""
    rng = ctx.rng("activities")
    days = ctx.scale.history_days + ctx.scale.future_days
    weekend = [d for d in range(days) if (ctx.first_day + timedelta(days=d)).isoweekday() >= 6]
    weekdays = [d for d in range(days) if (ctx.first_day + timedelta(days=d)).isoweekday() < 6]
    per_district = ctx.scale.activities_per_district  # over the whole window, past and coming
    midnight = ctx.at(ctx.today, time(0))
    by_district: dict[int, list[SpaceInfo]] = {}
    for space in ctx.spaces:
        by_district.setdefault(space.district, []).append(space)
    index_of = {space.id: i for i, space in enumerate(ctx.spaces)}
    for district in range(ctx.scale.districts):
        spaces = by_district[district]
        weights = [20.0 if s.kind == "reading_base" else 1.0 for s in spaces]
        for chosen in rng.choices(spaces, weights=weights, k=per_district):
            day = ctx.first_day + timedelta(days=rng.choice(weekend if rng.random() < 0.75 else weekdays))
            if any(a <= day <= b for a, b in chosen.closed):
                day += timedelta(days=14)
            weekend_day = day.isoweekday() >= 6
            start = rng.choice((time(9, 30), time(10), time(14), time(15), time(16))) if weekend_day else time(16)
            starts = ctx.at(day, start)
            ends = starts + timedelta(minutes=rng.choice((60, 90)))
            capacity = rng.choice((30, 40, 50, 60)) if chosen.kind == "reading_base" else rng.choice((10, 12, 15, 20))
            theme = rng.choice(THEMES)
            band = rng.choice(("", "", "", "3-6", "6-9", "0-3"))
            title = rng.choice(ACTIVITY_TITLES).format(
                theme=theme,
                book=rng.choice(ctx.titles) if ctx.titles else "好饿的毛毛虫",
                thing=rng.choice(THINGS),
                animal=rng.choice(ANIMALS),
            )[:100]
            opens_at = ctx.at(day - timedelta(days=7), time(12))
            waitlist = rng.random() < 0.5
            slot_id = ctx.next_id("spaces_slot")
            past = day < ctx.today
            pool = ctx.families_by_home.get(index_of[chosen.id], [])
            nearby = ctx.families_by_district[district]
            if past:
                target = int(capacity * rng.uniform(0.6, 1.0))
            else:  # booking opened before today: partly booked already; not open yet: empty
                target = int(capacity * rng.uniform(0.2, 0.8)) if opens_at < midnight else 0
            taken = 0
            seen: set[int] = set()
            rows: list[tuple[Any, ...]] = []
            check_ins: list[tuple[Any, ...]] = []
            for _ in range(capacity * 3):
                if taken >= target:
                    break
                f_index = rng.choice(pool) if pool and rng.random() < 0.7 else rng.choice(nearby)
                if f_index in seen:
                    continue
                seen.add(f_index)
                family = ctx.families[f_index]
                party = _party(rng, family, band, day)
                if party is None:
                    continue
                adults, child_ids = party
                people = adults + len(child_ids)
                if taken + people > capacity:
                    continue
                window = int(((starts if past else midnight) - opens_at).total_seconds())
                booked = opens_at + timedelta(seconds=rng.randrange(max(1, window)))
                if not past:
                    if ctx.future_bookings.get(f_index, 0) >= 2:  # stays well under the limit of 4
                        continue
                    ctx.future_bookings[f_index] = ctx.future_bookings.get(f_index, 0) + 1
                    status, checked, cancelled = "confirmed", None, None
                else:
                    roll = rng.random()
                    status = "attended" if roll < 0.85 else ("no_show" if roll < 0.93 else "cancelled")
                    checked = (
                        starts + timedelta(seconds=rng.randint(-20 * 60, 10 * 60)) if status == "attended" else None
                    )
                    late = timedelta(seconds=int((starts - booked).total_seconds()) // 2)
                    cancelled = booked + late if status == "cancelled" else None
                booking_id = ctx.next_id("spaces_booking")
                if status != "cancelled":
                    taken += people
                rows.append(
                    (
                        booking_id,
                        slot_id,
                        family.id,
                        family.user,
                        status,
                        adults,
                        _j(child_ids),
                        people,
                        booked,
                        None,
                        checked,
                        cancelled,
                        False,
                        past,
                        past,
                    )
                )
                if checked is not None:
                    check_ins.append(
                        (
                            ctx.next_id("spaces_check_in"),
                            "booking",
                            chosen.id,
                            slot_id,
                            family.id,
                            booking_id,
                            rng.choice(chosen.corners),
                            _j(child_ids),
                            people,
                            checked,
                            family.user,
                            "",
                        )
                    )
            ctx.add(
                "spaces_slot",
                (
                    slot_id,
                    chosen.id,
                    "activity",
                    title,
                    theme,
                    "",
                    band,
                    starts,
                    ends,
                    capacity,
                    capacity - taken,
                    waitlist,
                    opens_at,
                    starts - timedelta(hours=2),
                    "",
                    "[]",
                    False,
                    opens_at - timedelta(days=3),
                ),
            )
            for row in rows:
                ctx.add("spaces_booking", row)
            for row in check_ins:
                ctx.add("spaces_check_in", row)
            ctx.activity_check_ins += len(check_ins)
            if past and check_ins:
                adults = sum(r[5] for r in rows if r[4] == "attended")
                ctx.past_activities.append(
                    (
                        slot_id,
                        index_of[chosen.id],
                        starts,
                        int((ends - starts).total_seconds()) // 60,
                        theme,
                        adults,
                        sum(r[8] for r in check_ins) - adults,
                    )
                )
            yield


def _open_slots(ctx: Context, space: SpaceInfo) -> Iterator[tuple[date, time, time]]:
    by_weekday: dict[int, list[tuple[time, time]]] = {}
    for w, opens, closes in space.hours:
        by_weekday.setdefault(w, []).append((opens, closes))
    for offset in range(ctx.scale.history_days + ctx.scale.future_days):
        day = ctx.first_day + timedelta(days=offset)
        ranges = by_weekday.get(day.isoweekday())
        if not ranges or (space.closed and any(a <= day <= b for a, b in space.closed)):
            continue
        for opens, closes in ranges:
            yield day, opens, closes


def _weight(space: SpaceInfo, day: date) -> float:
    return space.capacity * (2.5 if day.isoweekday() >= 6 else 1.0)


def part_open_reading(ctx: Context) -> Iterator[None]:
    """Open-reading slots from opening hours for the whole window, with past attendance
    (weekends busier, the base busiest) making up the rest of the ~90,000 attendances: four
    in five as walk-in visits at a corner, one in five with a booking of that slot."""
    rng = ctx.rng("open_reading")
    total_weight = sum(_weight(s, day) for s in ctx.spaces for day, _o, _c in _open_slots(ctx, s) if day < ctx.today)
    target = max(0, ctx.scale.attendances_per_district * ctx.scale.districts - ctx.activity_check_ins)
    per_weight = target / total_weight if total_weight else 0.0
    for s_index, space in enumerate(ctx.spaces):
        pool = ctx.families_by_home.get(s_index, [])
        nearby = ctx.families_by_district[space.district]
        for day, opens, closes in _open_slots(ctx, space):
            starts, ends = ctx.at(day, opens), ctx.at(day, closes)
            slot_id = ctx.next_id("spaces_slot")
            taken = 0
            bookings: list[tuple[Any, ...]] = []
            check_ins: list[tuple[Any, ...]] = []
            if day < ctx.today:
                expected = _weight(space, day) * per_weight * rng.uniform(0.5, 1.5)
                wanted = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
                seen: set[int] = set()
                length = max(60, int((ends - starts).total_seconds()) - 1800)
                for _ in range(wanted * 2):
                    if len(check_ins) >= wanted:
                        break
                    f_index = rng.choice(pool) if pool and rng.random() < 0.8 else rng.choice(nearby)
                    if f_index in seen:
                        continue
                    seen.add(f_index)
                    family = ctx.families[f_index]
                    children = sorted(c for c, _b in family.children)
                    people = 1 + len(children)
                    if taken + people > space.capacity:
                        break
                    taken += people
                    booking_id = None
                    if rng.random() < 0.2:
                        booking_id = ctx.next_id("spaces_booking")
                        booked = starts - timedelta(days=rng.randint(1, 10), seconds=rng.randrange(86_400))
                        checked = starts + timedelta(seconds=rng.randint(-20 * 60, 15 * 60))
                        bookings.append(
                            (
                                booking_id,
                                slot_id,
                                family.id,
                                family.user,
                                "attended",
                                1,
                                _j(children),
                                people,
                                booked,
                                None,
                                checked,
                                None,
                                False,
                                True,
                                True,
                            )
                        )
                        kind = "booking"
                    else:
                        checked = starts + timedelta(seconds=rng.randrange(length))
                        kind = "visit"
                    check_ins.append(
                        (
                            ctx.next_id("spaces_check_in"),
                            kind,
                            space.id,
                            slot_id,
                            family.id,
                            booking_id,
                            rng.choice(space.corners),
                            _j(children),
                            people,
                            checked,
                            family.user,
                            "",
                        )
                    )
            ctx.add(
                "spaces_slot",
                (
                    slot_id,
                    space.id,
                    "open_reading",
                    "开放阅读",
                    "",
                    "",
                    "",
                    starts,
                    ends,
                    space.capacity,
                    space.capacity - taken,
                    False,
                    None,
                    starts - timedelta(hours=2),
                    "",
                    "[]",
                    False,
                    starts - timedelta(days=14),
                ),
            )
            for row in bookings:
                ctx.add("spaces_booking", row)
            for row in check_ins:
                ctx.add("spaces_check_in", row)
        yield


Part = Callable[[Context], Iterator[None]]
PARTS: list[tuple[str, Part]] = [
    ("spaces and staff", part_spaces),
    ("families", part_families),
    ("picture-book titles", part_titles),
    ("copies and a year of loans", part_copies_and_loans),
    ("activities with bookings and check-ins", part_activities),
    ("open reading with visits and bookings", part_open_reading),
    ("lead readers and reading sessions", part_programme),
]


# --- the driver ---------------------------------------------------------------------------


@dataclass
class SeedReport:
    scale: str
    seed: int
    today: date
    counts: dict[str, int]
    seconds: float
    digest: str

    def lines(self) -> list[str]:
        out = [f"synthetic data: scale {self.scale}, seed {self.seed}, up to {self.today} ({self.seconds:.1f} s)"]
        out += [f"  {table:<26} {count:>10,}" for table, count in self.counts.items()]
        out.append(f"  login: families 19900000001… and staff syn.*, all with password {SYNTHETIC_PASSWORD}")
        out.append("  left out of the history on purpose:")
        out += [f"    {what}: {why}" for what, why in PENDING.items()]
        return out


async def _flush(ctx: Context, sink: Sink, extras: dict[str, list[tuple[str, Any]]]) -> None:
    for table in COLUMNS:  # dependency order
        rows = ctx.buffers.get(table)
        if rows:
            columns = COLUMNS[table]
            if table in extras:
                columns += tuple(name for name, _ in extras[table])
                more = tuple(ctx.anchor if value is NOW else value for _, value in extras[table])
                rows = [row + more for row in rows]
            await sink.write(table, columns, rows)
            ctx.counts[table] = ctx.counts.get(table, 0) + len(rows)
            ctx.buffers[table] = []


async def seed_synthetic(
    scale: str | Scale,
    *,
    seed: int = 1,
    today: date | None = None,
    sink: Sink | None = None,
    progress: Callable[[str], None] | None = None,
    password_hash: str | None = None,
    titles: int | None = None,
) -> SeedReport:
    """Generate and write everything in one transaction; refuses when synthetic data is there."""
    started = clock_time.perf_counter()
    chosen = SCALES[scale] if isinstance(scale, str) else scale
    if today is None:
        today = datetime.now(local_zone()).date()
    extras: dict[str, list[tuple[str, Any]]] = {}
    if sink is None:
        extras = check_columns()
        sink = default_sink()
    if titles is not None:
        chosen = dataclasses.replace(chosen, titles=titles)
    if password_hash is None:
        from app.accounts import passwords

        # ONE argon2 hash, reused for every synthetic account: hashing 20,000 (or 320,000)
        # passwords would take minutes and prove nothing. Log in with SYNTHETIC_PASSWORD. The
        # app's own hasher (same parameters), with a salt from the seed so reruns are identical.
        salt = hashlib.sha256(f"storycorner-synthetic-salt:{seed}".encode()).digest()[:16]
        password_hash = passwords._hasher.hash(SYNTHETIC_PASSWORD, salt=salt)
    await sink.begin()
    try:
        if await sink.exists('SELECT 1 FROM "accounts_user" WHERE login = ?', f"{FAMILY_PHONE_PREFIX}00000001"):
            raise SeedError("synthetic data is already in this database (user 19900000001 exists); use a fresh one")
        ids = {table: await sink.max_id(table) for table in COLUMNS}
        ctx = Context(scale=chosen, seed=seed, today=today, ids=ids, password_hash=password_hash)
        for label, part in PARTS:
            part_started = clock_time.perf_counter()
            for _ in part(ctx):
                if ctx.buffered >= FLUSH_ROWS:
                    await _flush(ctx, sink, extras)
            await _flush(ctx, sink, extras)
            if progress:
                progress(f"  {label}: {clock_time.perf_counter() - part_started:.1f} s")
        await sink.commit([t for t in COLUMNS if ctx.counts.get(t)])
    except BaseException:
        await sink.rollback()
        raise
    digest = sink.digest.hexdigest() if isinstance(sink, MemorySink) else ""
    return SeedReport(
        scale=chosen.name,
        seed=seed,
        today=today,
        counts={t: ctx.counts.get(t, 0) for t in COLUMNS},
        seconds=clock_time.perf_counter() - started,
        digest=digest,
    )
