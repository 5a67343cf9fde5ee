"""Shared pieces of the outcome and review benchmarks: throw-away databases, bulk loading
(COPY on PostgreSQL, one ``executemany`` transaction on SQLite), realistic Chinese catalog
names, accounts and tokens, and the percentile lines the benchmarks print.

Nothing here goes through the ORM row by row: the platform's own code only migrates the
database and seeds the tenants from ``tenants/``; everything else is loaded in bulk.
"""

from __future__ import annotations

import contextlib
import functools
import os
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import asyncpg
import msgspec

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import piccolo.engine.sqlite  # noqa: E402,F401  (registers the sqlite3 adapters Piccolo writes with)

from core import db, workdays  # noqa: E402
from core.plugins import PluginRegistry  # noqa: E402
from core.reviews.engine import DEFAULT_STEP_DAYS  # noqa: E402
from core.settings import Settings  # noqa: E402
from core.workdays import local_date, local_midnight  # noqa: E402

DEFAULT_DSN = os.environ.get("BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
SECRET = "bench-secret-key"
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# Databases


def with_database(dsn: str, name: str) -> str:
    return urlunsplit(urlsplit(dsn)._replace(path="/" + name))


@contextlib.asynccontextmanager
async def scratch_postgres(dsn: str, prefix: str) -> AsyncIterator[str]:
    """A new, empty PostgreSQL database for the block; dropped afterwards whatever happens."""
    name = f"{prefix}_{os.getpid()}"
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield with_database(dsn, name)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def settings_for(home: Path, database_url: str) -> Settings:
    return Settings.from_env({
        "CREDITBANK_HOME": str(home), "CREDITBANK_SECRET_KEY": SECRET,
        "CREDITBANK_TENANTS_DIR": str(ROOT / "tenants"), "CREDITBANK_DATABASE_URL": database_url,
        "CREDITBANK_BASE_URL": "http://bench.local",  # the host the benchmarks call the app under
    })


def make_engine(settings: Settings):
    """An engine for ``settings`` with Piccolo's migration table and base ``Table`` pointed at
    it too (``db.bind`` leaves both on the first engine of the process, so a second database
    in one process would otherwise look migrated already)."""
    from piccolo.apps.migrations.tables import Migration
    from piccolo.table import Table

    engine = db.make_engine(settings)
    db.bind(engine)
    Migration._meta.db = engine
    Table._meta.db = engine
    return engine


async def prepare(settings: Settings, plugins: PluginRegistry) -> dict[str, int]:
    """Migrate with ``core.db.migrate`` and seed the tenants from ``tenants/``; returns the
    tenant ids by slug."""
    from core import wiring
    from core.seeding import sync_tenant_files
    from core.tenancy.tables import Tenant

    wiring.install()  # services called directly react to domain events as in the app
    engine = make_engine(settings)
    async with db.connected(engine):
        await db.migrate(engine)
        for result in await sync_tenant_files(ROOT / "tenants", plugins):
            if not result.ok:
                raise SystemExit(f"tenant seed failed: {result.message}")
        return {r["slug"]: r["id"] for r in await Tenant.select(Tenant.slug, Tenant.id)}


def sqlite_path(settings: Settings) -> str:
    return urlsplit(settings.database_url).path


class Bulk:
    """Bulk loading into one database: ``COPY`` through asyncpg on PostgreSQL, one
    ``executemany`` transaction through the stdlib driver on SQLite. Ids are assigned here
    (continuing after the table's highest) so rows can refer to each other."""

    def __init__(self, kind: str, conn) -> None:
        self.kind = kind
        self.conn = conn

    @classmethod
    @contextlib.asynccontextmanager
    async def open(cls, settings: Settings) -> AsyncIterator[Bulk]:
        if settings.database_kind == "postgres":
            conn = await asyncpg.connect(settings.database_url)
            # Generated rows are consistent by construction: skip the per-row foreign-key
            # triggers while loading (superuser setting, this connection only).
            await conn.execute("SET session_replication_role = replica; SET maintenance_work_mem = '512MB'")
            try:
                yield cls("postgres", conn)
            finally:
                await conn.close()
        else:
            conn = sqlite3.connect(sqlite_path(settings), isolation_level=None)
            conn.execute("PRAGMA synchronous = OFF")
            try:
                yield cls("sqlite", conn)
            finally:
                conn.close()

    async def fetch(self, sql: str, *args) -> list[tuple]:
        if self.kind == "postgres":
            return [tuple(r) for r in await self.conn.fetch(sql, *args)]
        return self.conn.execute(qmarks(sql), args).fetchall()

    async def next_id(self, table: str) -> int:
        rows = await self.fetch(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        return int(rows[0][0]) + 1

    async def load(self, table: str, columns: Sequence[str], rows: Iterable[Sequence], chunk: int = 50_000,
                   rebuild_indexes: bool = False) -> int:
        """Write ``rows`` (tuples in the order of ``columns``); returns how many. With
        ``rebuild_indexes`` the table's secondary indexes are dropped first and made again from
        their own definitions afterwards (much faster for large loads; PostgreSQL only)."""
        indexes = await self._drop_indexes(table) if rebuild_indexes and self.kind == "postgres" else []
        total = 0
        batch: list[Sequence] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= chunk:
                total += await self._write(table, columns, batch)
                batch = []
        if batch:
            total += await self._write(table, columns, batch)
        if self.kind == "postgres" and "id" in columns:
            await self.conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        for definition in indexes:
            await self.conn.execute(definition)
        return total

    async def _drop_indexes(self, table: str) -> list[str]:
        rows = await self.conn.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1 "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = $1::regclass)", table)
        for r in rows:
            await self.conn.execute(f'DROP INDEX "{r["indexname"]}"')
        return [r["indexdef"] for r in rows]

    async def _write(self, table: str, columns: Sequence[str], rows: list[Sequence]) -> int:
        if self.kind == "postgres":
            await self.conn.copy_records_to_table(table, records=rows, columns=list(columns))
        else:
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
            self.conn.execute("BEGIN")
            self.conn.executemany(sql, rows)
            self.conn.execute("COMMIT")
        return len(rows)

    async def analyze(self) -> None:
        if self.kind == "postgres":
            await self.conn.execute("VACUUM ANALYZE")
        else:
            self.conn.execute("ANALYZE")


def qmarks(sql: str) -> str:
    """``$1, $2 …`` placeholders as SQLite's ``?1, ?2 …``."""
    return re.sub(r"\$(\d+)", r"?\1", sql)


Statement = tuple[str, list]


@contextlib.contextmanager
def recording(engine) -> Iterator[list[Statement]]:
    """Every statement the platform's own code sends to ``engine`` inside the block, as
    ``(sql, args)`` in the engine's dialect (``$1`` on PostgreSQL, ``?`` on SQLite).

    The SQL side of a benchmark is what a service call recorded here really ran, replayed on a
    plain connection (``Direct.replay``) — never a copy of its SQL, which drifts as the
    service changes (``bench/reviews.py`` stopped running that way)."""
    statements: list[Statement] = []
    run_querystring, fetch_sql = engine.run_querystring, engine.fetch_sql
    postgres = engine.engine_type == "postgres"

    async def recorded_querystring(querystring, in_pool=False):
        sql, args = querystring.compile_string(engine_type=engine.engine_type)
        statements.append((sql, list(args)))
        return await run_querystring(querystring, in_pool)

    async def recorded_sql(sql, args):
        statements.append((sql if postgres else qmarks(sql), list(args)))
        return await fetch_sql(sql, args)

    engine.run_querystring, engine.fetch_sql = recorded_querystring, recorded_sql
    try:
        yield statements
    finally:
        del engine.run_querystring, engine.fetch_sql  # the class's own methods again


async def record(engine, call: Callable[[], Awaitable[object]]) -> list[Statement]:
    """The statements one ``call()`` runs on ``engine`` (see ``recording``)."""
    with recording(engine) as statements:
        await call()
    return statements


class Direct:
    """Recorded statements on one plain connection: asyncpg, or the stdlib sqlite3 driver."""

    def __init__(self, kind: str, conn) -> None:
        self.kind = kind
        self.conn = conn

    @classmethod
    async def open(cls, settings: Settings) -> Direct:
        if settings.database_kind == "postgres":
            return cls("postgres", await asyncpg.connect(settings.database_url))
        return cls("sqlite", sqlite3.connect(sqlite_path(settings)))

    async def close(self) -> None:
        if self.kind == "postgres":
            await self.conn.close()
        else:
            self.conn.close()

    async def fetch(self, sql: str, args: Sequence) -> list:
        if self.kind == "postgres":
            return await self.conn.fetch(sql, *args)
        return self.conn.execute(qmarks(sql), list(args)).fetchall()

    async def replay(self, statements: Sequence[Statement]) -> list:
        """Run ``statements`` one after another; the rows of the last."""
        rows: list = []
        for sql, args in statements:
            rows = await self.fetch(sql, args)
        return rows


# ---------------------------------------------------------------------------------------------
# Realistic Chinese catalog names

CITIES = ("杭州 宁波 温州 嘉兴 湖州 绍兴 金华 衢州 舟山 台州 丽水 义乌 慈溪 余姚 乐清 瑞安 诸暨 海宁 桐乡 临海 "
          "温岭 东阳 永康 兰溪 江山 建德 富阳 临安 萧山 余杭 上虞 嵊州 平湖 长兴 德清 安吉 象山 宁海 奉化 龙泉 "
          "广州 深圳 佛山 东莞 珠海 汕头 江门 湛江 肇庆 惠州 兰州 天水 白银 酒泉 张掖 武威 定西 陇南 平凉 庆阳").split()
BRAND = "华信达博远弘德诚智汇鑫恒泰嘉润鼎瑞盛源康安明新天海航启育才英正中宏广通科创联合众一方圆力铭睿泽拓展"
SCHOOL_KINDS = ("广播电视大学 开放大学 职业技术学院 技师学院 社区学院 成人文化技术学校 老年大学 卫生学校 "
                "师范学院 理工学院 商贸学校 交通职业技术学院 工商职业技术学院 经贸职业技术学院 城市学院 "
                "艺术职业学院 农业技术学校 电力职业技术学院 建设职业技术学院 旅游职业学院").split()
COMPANY_KINDS = "教育科技有限公司 信息技术股份有限公司 职业培训学校 技能鉴定中心 人力资源服务有限公司 培训中心 行业协会".split()
MAJORS = ("会计 行政管理 电子商务 计算机应用技术 计算机网络技术 软件技术 护理 药学 学前教育 小学教育 工商管理 "
          "市场营销 物流管理 国际贸易实务 金融管理 法学 汉语言文学 英语 商务英语 机电一体化技术 数控技术 "
          "模具设计与制造 建筑工程技术 工程造价 建设工程管理 道路桥梁工程技术 汽车检测与维修技术 新能源汽车技术 "
          "旅游管理 酒店管理 烹饪工艺与营养 社会工作 人力资源管理 公共事业管理 社区管理与服务 老年服务与管理 "
          "农业经济管理 园艺技术 畜牧兽医 水产养殖技术 茶艺与茶营销 环境艺术设计 视觉传达设计 数字媒体艺术设计 "
          "动漫制作技术 广告设计与制作 服装设计与工艺 电气自动化技术 工业机器人技术 物联网应用技术 大数据技术 "
          "人工智能技术应用 云计算技术应用 信息安全技术应用 移动应用开发 审计 税务 财务管理 投资与理财 "
          "保险实务 连锁经营与管理 跨境电子商务 现代物流管理 港口与航运管理 航海技术 轮机工程技术 "
          "城市轨道交通运营管理 铁道交通运营管理 医学检验技术 康复治疗技术 中药学 口腔医学技术 健康管理 "
          "婴幼儿托育服务与管理 家政服务与管理 文秘 法律事务 安全技术与管理 消防工程技术 食品检验检测技术 "
          "化工生产技术 应用化工技术 纺织品检验与贸易 丝绸技术 陶瓷设计与工艺 民族传统技艺 中国画 书法").split()
COURSE_TOPICS = ("纳税 基础会计 成本会计 管理会计 财务报表 审计 经济学 管理学 统计学 经济法 民法 刑法 宪法 "
                 "行政法 合同法 公司法 劳动法 国际法 数据库 程序设计 网络 操作系统 数据结构 计算机组成 网页设计 "
                 "多媒体 市场 营销 消费者行为 商务谈判 物流 供应链 采购 仓储 国际贸易 外贸单证 报关 金融 货币银行 "
                 "证券投资 保险 税收 公共管理 行政领导 社会学 心理学 教育学 学前心理 儿童发展 幼儿游戏 课程论 "
                 "护理学 内科护理 外科护理 儿科护理 妇产科护理 药理 病理 解剖 生理 生物化学 微生物 免疫 "
                 "英语 英语写作 英语听说 日语 大学语文 写作 应用写作 古代汉语 现代汉语 中国文学 外国文学 "
                 "电工 电子 模拟电路 数字电路 机械制图 机械设计 液压 气动 数控编程 可编程控制器 单片机 传感器 "
                 "建筑制图 建筑材料 建筑施工 工程测量 工程力学 土力学 钢结构 混凝土结构 工程招投标 "
                 "汽车构造 汽车电气 发动机 旅游 导游 酒店服务 餐饮管理 前厅 客房 烹饪 营养 食品安全 "
                 "社会工作 社区服务 老年护理 养老服务 人力资源 薪酬 绩效 招聘 组织行为 战略管理 项目管理 "
                 "电子商务 网店运营 直播营销 新媒体 短视频 数据分析 大数据 人工智能 云计算 信息安全 物联网 "
                 "茶艺 插花 书法 国画 摄影 音乐欣赏 美术鉴赏 体育 太极拳 健康教育 急救 家政 育婴 "
                 "思想道德与法治 毛泽东思想概论 形势与政策 职业生涯规划 创新创业 沟通 礼仪 演讲").split()
COURSE_SUFFIXES = ("基础 原理 概论 实务 导论 与实践 实训 技术 应用 分析 设计 管理 方法 案例分析 专题 "
                   "（A） （B） 综合实训 课程设计 实验").split()
OCCUPATIONS = ("中式烹调师 西式面点师 美发师 美容师 保育师 育婴员 养老护理员 家政服务员 电工 焊工 车工 钳工 "
               "数控车工 汽车维修工 茶艺师 评茶员 插花花艺师 眼镜验光员 健康管理师 营养配餐员 公共营养师 "
               "企业人力资源管理师 物流服务师 电子商务师 互联网营销师 网络与信息安全管理员 计算机程序设计员 "
               "计算机网络管理员 人工智能训练师 无人机驾驶员 工业机器人系统运维员 建筑信息模型技术员 "
               "消防设施操作员 保安员 中药调剂员 药物制剂工 化学检验员 食品检验员 农产品食品检验员 "
               "农作物植保员 家畜繁殖员 水生动物饲养工 园林绿化工 花卉园艺工 服装制版师 缝纫工 陶瓷装饰工 "
               "手工木工 砌筑工 钢筋工 架子工 混凝土工 防水工 装饰装修工 电梯安装维修工 制冷空调系统安装维修工").split()
SKILL_FIELDS = ("智能财税 电子商务数据分析 网店运营推广 Web前端开发 云计算平台运维与开发 大数据应用开发 "
                "物联网智能家居系统集成 工业机器人应用编程 母婴护理 幼儿照护 老年照护 失智老年人照护 "
                "建筑信息模型 财务共享服务 业财一体信息化应用 跨境电商B2B数据运营 新媒体运营 直播电商 "
                "数字影像处理 界面设计 传感网应用开发 智能网联汽车检测与运维 汽车运用与维修 茶艺与茶营销 "
                "研学旅行策划与管理 酒店运营管理 餐饮管理运营 物流管理 供应链运营 企业财务与会计机器人应用").split()
GRADES = ("初级", "中级", "高级")
VOC_GRADES = ("五级/初级工", "四级/中级工", "三级/高级工", "二级/技师", "一级/高级技师")
SEMESTERS = [f"{y}{s}" for y in range(2010, 2026) for s in ("春", "秋")]
LEVEL_SHORT = {"专": "专科", "本": "本科"}


@dataclass
class Names:
    """Pools of institution names, drawn once per seed."""

    schools: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)


def name_pools(rnd: random.Random, schools: int = 1500, companies: int = 1500) -> Names:
    names = Names()
    seen: set[str] = set()
    for city in ("浙江", "广东", "甘肃"):
        for kind in ("广播电视大学", "开放大学"):
            seen.add(city + kind)
            names.schools.append(city + kind)
    while len(names.schools) < schools:
        brand = rnd.choice(BRAND) + rnd.choice(BRAND) if rnd.random() < 0.6 else ""
        name = rnd.choice(CITIES) + brand + rnd.choice(SCHOOL_KINDS)
        if name not in seen:
            seen.add(name)
            names.schools.append(name)
    while len(names.companies) < companies:
        name = rnd.choice(CITIES) + rnd.choice(BRAND) + rnd.choice(BRAND) + rnd.choice(BRAND) * (rnd.random() < 0.3) \
            + rnd.choice(COMPANY_KINDS)
        if name not in seen:
            seen.add(name)
            names.companies.append(name)
    return names


@dataclass(frozen=True)
class Entry:
    category: str
    subtype: str
    project_name: str
    name: str
    institution: str
    fields: str  # JSON text

    @property
    def search_text(self) -> str:
        # Exactly as core/catalog/service.py ``_search_text`` builds it.
        return " ".join((self.project_name, self.name, self.institution)).lower()


def catalog_entries(n: int, seed: int = 7) -> list[Entry]:
    """``n`` distinct catalog entries: courses of majors by semester (70 %), vocational and
    1+X certificates (20 %), diplomas and degrees (10 %)."""
    rnd = random.Random(seed)
    pools = name_pools(rnd)
    seen: set[tuple] = set()
    out: list[Entry] = []
    enc = msgspec.json.encode
    while len(out) < n:
        r = rnd.random()
        if r < 0.70:
            major, level = rnd.choice(MAJORS), rnd.choice("专本")
            school = rnd.choice(pools.schools)
            course = rnd.choice(COURSE_TOPICS) + rnd.choice(COURSE_SUFFIXES)
            entry = Entry("academic", "course", f"{major}({rnd.choice(SEMESTERS)})({level})", course, school,
                          enc({"course_name": course, "credits": rnd.choice((2, 3, 4, 5)),
                               "course_code": f"{rnd.randrange(10**5):05d}", "school_name": school}).decode())
        elif r < 0.80:
            field_, grade = rnd.choice(SKILL_FIELDS), rnd.choice(GRADES)
            issuer = rnd.choice(pools.companies)
            name = f"{field_}职业技能等级证书（{grade}）"
            entry = Entry("vocational", "skill_level", "1+X职业技能等级证书", name, issuer,
                          enc({"certificate_name": name, "grade": grade, "issuer": issuer}).decode())
        elif r < 0.90:
            occupation, grade = rnd.choice(OCCUPATIONS), rnd.choice(VOC_GRADES)
            body = rnd.choice(pools.companies)
            project = rnd.choice(("职业资格证书", "职业技能等级认定", "专项职业能力证书"))
            name = f"{occupation}（{grade}）"
            entry = Entry("vocational", "vocational_qualification", project, name, body,
                          enc({"occupation": occupation, "grade": grade, "appraisal_body": body}).decode())
        elif r < 0.97:
            major, level = rnd.choice(MAJORS), rnd.choice("专本")
            school = rnd.choice(pools.schools)
            name = f"{school}{major}专业{LEVEL_SHORT[level]}毕业证书"
            entry = Entry("academic", "diploma", f"{major}({level})", name, school,
                          enc({"major": major, "education_level": "专科（高职）" if level == "专" else "本科",
                               "school_name": school, "study_mode": "开放教育"}).decode())
        else:
            major = rnd.choice(MAJORS)
            school = rnd.choice(pools.schools)
            name = f"{school}{major}学士学位证书"
            entry = Entry("academic", "degree", major, name, school,
                          enc({"degree_level": "学士", "discipline": rnd.choice(("管理学", "工学", "文学", "法学", "经济学")),
                               "school_name": school}).decode())
        key = (entry.category, entry.subtype, entry.project_name, entry.name, entry.institution)
        if key not in seen:
            seen.add(key)
            out.append(entry)
    return out


CATALOG_COLUMNS = ("id", "tenant_id", "category", "subtype", "project_name", "name", "institution", "fields",
                   "framework_level", "search_text", "active", "created_at")


async def load_catalog(bulk: Bulk, tenant_id: int, entries: Sequence[Entry]) -> list[int]:
    """Write ``entries`` for the tenant; returns their ids in order."""
    start = await bulk.next_id("catalog_entry")
    ids = list(range(start, start + len(entries)))
    from core.catalog.fts import grams

    sqlite = bulk.kind == "sqlite"  # its FTS5 index finds two-character words through search_grams
    await bulk.load("catalog_entry", (*CATALOG_COLUMNS, "search_grams"), (
        (i, tenant_id, e.category, e.subtype, e.project_name, e.name, e.institution, e.fields, None, e.search_text,
         True, NOW - timedelta(minutes=len(entries) - k), grams(e.search_text) if sqlite else "")
        for k, (i, e) in enumerate(zip(ids, entries))), rebuild_indexes=True)
    return ids


ABSENT_WORDS = ("量子计算 区块链 航天器 深海探测 古籍修复 天文观测 冰雪运动 马术 击剑 围棋 芭蕾 考古 潜水 钢琴调律 "
                "核物理 火箭 极地 珠宝鉴定 飞行员 歌剧 帆船 攀岩 冲浪 滑翔伞 雕漆 景泰蓝 昆曲 皮影").split()


def search_queries(entries: Sequence[Entry], rnd: random.Random, per_length: int = 12,
                   lengths: Sequence[int] = (2, 3, 4), max_hits: int = 400) -> list[str]:
    """Words a learner would type — course topics, majors, occupations, certificate fields,
    cities and institution names, or parts of them — of each length in ``lengths``, chosen so
    that each hits between 0 and about ``max_hits`` of the entries: per length one sixth with
    no hit (words the catalog does not have), the rest spread over 1–20, 21–100 and more hits
    (for ``max_hits`` 400; the buckets scale with it).
    (Hits are counted per project, name and institution, which can overcount an entry that has
    a word twice; the benchmark reports the exact counts from the database.)"""
    parts: Counter[str] = Counter()
    for e in entries:
        parts[e.project_name.lower()] += 1
        parts[e.name.lower()] += 1
        parts[e.institution.lower()] += 1
    grams: Counter[str] = Counter()
    for text, weight in parts.items():
        for length in lengths:
            for i in range(len(text) - length + 1):
                grams[text[i:i + length]] += weight
    vocab = [*COURSE_TOPICS, *MAJORS, *OCCUPATIONS, *SKILL_FIELDS, *CITIES]

    def candidate(length: int) -> str:
        roll = rnd.random()
        if roll < 0.35:  # an institution: its brand (字号), or city + brand from the start
            brand = rnd.choice(BRAND) + rnd.choice(BRAND)
            return brand if length == 2 else (rnd.choice(CITIES) + brand)[:length]
        if roll < 0.5:  # the beginning of a course name
            return (rnd.choice(COURSE_TOPICS) + rnd.choice(COURSE_SUFFIXES))[:length]
        word = rnd.choice(vocab)  # a word, or a part of one
        if len(word) < length:
            return ""
        start = rnd.randrange(len(word) - length + 1)
        return word[start:start + length]

    buckets = ((1, max_hits // 20), (max_hits // 20 + 1, max_hits // 4), (max_hits // 4 + 1, max_hits))
    zero = max(1, per_length // 6)
    chosen: list[str] = []
    for length in lengths:
        want = {b: (per_length - zero) // 3 + (1 if k < (per_length - zero) % 3 else 0) for k, b in enumerate(buckets)}
        got: list[str] = []
        for _ in range(20_000):
            if not any(want.values()):
                break
            q = candidate(length)
            if len(q) != length or q in got or not all("\u4e00" <= ch <= "\u9fff" for ch in q):
                continue
            hits = grams[q]
            for b in buckets:
                if want[b] and b[0] <= hits <= b[1]:
                    want[b] -= 1
                    got.append(q)
                    break
        absent = [w[:length] for w in ABSENT_WORDS if len(w) >= length and grams[w[:length]] == 0]
        got.extend(rnd.sample(absent, min(zero, len(absent))))
        chosen.extend(got)
    return chosen


# ---------------------------------------------------------------------------------------------
# Accounts and tokens

ACCOUNT_COLUMNS = ("id", "tenant_id", "kind", "username", "status", "real_name", "id_number_masked", "phone",
                   "email", "gender", "ethnicity", "nationality", "address", "region", "profile", "unit_id",
                   "source", "failed_logins", "created_at", "activated_at", "updated_at")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红娥玲芬燕彬浩宇轩然涵欣怡晨雨思佳诺博文嘉俊"


def person_name(rnd: random.Random) -> str:
    return rnd.choice(SURNAMES) + rnd.choice(GIVEN) + (rnd.choice(GIVEN) if rnd.random() < 0.7 else "")


def account_rows(first_id: int, tenant_id: int, units: Sequence[int | None], kind: str, seed: int,
                 prefix: str) -> Iterable[tuple]:
    """One active account per entry of ``units`` (its unit), ids from ``first_id``."""
    rnd = random.Random(seed)
    for k, unit in enumerate(units):
        i = first_id + k
        masked = f"33{rnd.randrange(10**4):04d}**********{rnd.randrange(10**2):02d}"
        yield (i, tenant_id, kind, f"{prefix}{i}", "active", person_name(rnd), masked,
               f"1{rnd.randrange(3, 10)}{rnd.randrange(10**9):09d}", f"{prefix}{i}@example.com",
               rnd.choice("男女"), "汉族", "中国", "", "", "{}", unit, "import", 0, NOW, NOW, NOW)


async def load_accounts(bulk: Bulk, tenant_id: int, units: Sequence[int | None], kind: str = "learner",
                        seed: int = 3, prefix: str = "bench") -> list[int]:
    start = await bulk.next_id("account")
    await bulk.load("account", ACCOUNT_COLUMNS, account_rows(start, tenant_id, units, kind, seed, prefix))
    return list(range(start, start + len(units)))


async def grant(bulk: Bulk, tenant_id: int, account_id: int, role: str, unit_id: int) -> None:
    await bulk.load("staff_role", ("tenant_id", "account_id", "role", "unit_id", "created_at"),
                    [(tenant_id, account_id, role, unit_id, NOW)])


async def issue_tokens(accounts: dict[str, tuple[int, int]]) -> dict[str, str]:
    """Bearer tokens for ``{label: (account_id, tenant_id)}``, issued with the platform's own
    ``issue_token`` (the tables must be bound: call it inside the app's lifespan)."""
    from core.security.tokens import issue_token

    return {label: await issue_token("account", account_id, tenant_id, 12)
            for label, (account_id, tenant_id) in accounts.items()}


# ---------------------------------------------------------------------------------------------
# Achievements, rules, applications

ACHIEVEMENT_COLUMNS = ("id", "tenant_id", "learner_id", "category", "subtype", "catalog_entry_id", "name", "institution",
                       "fields", "obtained_at", "status", "source", "certificate_no", "review_due_at", "rule_id",
                       "application_id", "created_at", "updated_at")
TYPED = (  # hand-typed outcomes of Zhejiang's taxonomy: (category, subtype, name pattern)
    ("social_training", "social_training", "{city}社区学院{topic}培训结业证书"),
    ("informal", "competition", "{city}职业技能大赛{occupation}项目三等奖"),
    ("informal", "volunteer_service", "{city}社区志愿服务（{n}小时）"),
    ("informal", "work_experience", "{city}{brand}科技有限公司{occupation}岗位工作经历"),
    ("informal", "honor", "{city}优秀志愿者"),
)


def achievement_row(i: int, tenant_id: int, learner_id: int, entry: tuple[int, Entry] | None, status: str,
                    rnd: random.Random, created: datetime) -> tuple:
    """One achievement: from the catalog entry ``(id, entry)`` (status ``catalog``), or hand-typed."""
    obtained = date(2012, 1, 1) + timedelta(days=rnd.randrange(14 * 365))
    if entry is not None:
        entry_id, e = entry
        return (i, tenant_id, learner_id, e.category, e.subtype, entry_id, e.name, e.institution, e.fields, obtained,
                status, "self", "", None, None, None, created, created)
    category, subtype, pattern = rnd.choice(TYPED)
    name = pattern.format(city=rnd.choice(CITIES), topic=rnd.choice(COURSE_TOPICS), occupation=rnd.choice(OCCUPATIONS),
                          brand=rnd.choice(BRAND) + rnd.choice(BRAND), n=rnd.randrange(20, 400))
    fields = msgspec.json.encode({"achievement_name": name, "description": ""}).decode()
    return (i, tenant_id, learner_id, category, subtype, None, name, "", fields, obtained, status, "self",
            f"ZJ{rnd.randrange(10**10):010d}" if rnd.random() < 0.5 else "", None, None, None, created, created)


RULE_COLUMNS = ("id", "tenant_id", "agreement_id", "name", "description", "target_entry_id", "credits", "ratio",
                "valid_from", "valid_to", "status", "created_at", "retired_at")
SOURCE_COLUMNS = ("id", "tenant_id", "rule_id", "catalog_entry_id")


@dataclass
class Rules:
    sources: dict[int, list[int]]  # rule id -> source entry ids
    targets: dict[int, int]  # rule id -> target entry id
    usable: set[int]  # published and in force today


async def load_rules(bulk: Bulk, tenant_id: int, entries: dict[int, Entry], n: int, source_pool: Sequence[int],
                     target_pool: Sequence[int], seed: int = 11, agreements: int = 200) -> Rules:
    """``n`` conversion rules, each with one (60 %) or two sources from ``source_pool`` and a
    target from ``target_pool``, grouped under ``agreements`` agreements. 90 % are published
    and in force; the rest retired, expired or not yet valid."""
    rnd = random.Random(seed)
    today = date.today()
    first_agreement = await bulk.next_id("agreement")
    agreement_names = [f"{rnd.choice(CITIES)}{rnd.choice(SCHOOL_KINDS)}学分互认协议（第{k + 1}批）" for k in range(agreements)]
    await bulk.load("agreement", ("id", "tenant_id", "name", "description", "created_at"), (
        (first_agreement + k, tenant_id, name, name, NOW) for k, name in enumerate(agreement_names)))
    first = await bulk.next_id("conversion_rule")
    next_source = await bulk.next_id("conversion_rule_source")
    rules = Rules({}, {}, set())
    rule_rows, source_rows = [], []
    for k in range(n):
        rule_id = first + k
        sources = rnd.sample(source_pool, 2 if rnd.random() < 0.4 else 1)
        target = rnd.choice(target_pool)
        while target in sources:
            target = rnd.choice(target_pool)
        roll = rnd.random()
        status, valid_from, valid_to, retired = "published", today - timedelta(days=rnd.randrange(30, 3000)), None, None
        if roll < 0.04:
            status, retired = "retired", NOW
        elif roll < 0.07:
            valid_to = today - timedelta(days=rnd.randrange(1, 900))
            valid_from = valid_to - timedelta(days=1000)
        elif roll < 0.10:
            valid_from = today + timedelta(days=rnd.randrange(1, 200))
        elif roll < 0.40:
            valid_to = today + timedelta(days=rnd.randrange(30, 2000))
        description = f"{'、'.join(entries[s].name for s in sources)}转{entries[target].name}"
        name = f"{description[:185]}（{k + 1}）"  # unique per tenant
        rule_rows.append((rule_id, tenant_id, first_agreement + rnd.randrange(agreements), name, description,
                          target, float(rnd.choice((1, 2, 3, 4, 5, 6))), rnd.choice((100, 100, 100, 80, 60)),
                          valid_from, valid_to, status, NOW, retired))
        for s in sources:
            source_rows.append((next_source, tenant_id, rule_id, s))
            next_source += 1
        rules.sources[rule_id] = sources
        rules.targets[rule_id] = target
        if status == "published" and valid_from <= today and (valid_to is None or valid_to >= today):
            rules.usable.add(rule_id)
    await bulk.load("conversion_rule", RULE_COLUMNS, rule_rows, rebuild_indexes=True)
    await bulk.load("conversion_rule_source", SOURCE_COLUMNS, source_rows, rebuild_indexes=True)
    return rules


APPLICATION_COLUMNS = ("id", "tenant_id", "learner_id", "kind", "achievement_id", "rule_id", "target_entry_id", "status",
                       "chain", "current_step", "step_role", "step_unit_id", "idempotency_key", "target_achievement_id",
                       "created_at", "updated_at", "decided_at", "step_started_at", "step_due_at")


@dataclass(frozen=True)
class Chain:
    """A chain resolved by the platform's own ``resolve_chain`` for one unit and kind."""

    json: str
    steps: tuple[tuple[str, int | None], ...]  # (role, unit id) per step


async def resolved_chains(tenant_id: int, hooks, units: Sequence[dict], kinds: Sequence[tuple[str, str, str]]
                          ) -> dict[tuple[int, str], Chain]:
    """``(unit id, kind) -> Chain`` for every unit of ``units`` (``{id, code, path}``) where the
    plugin's chain resolves; ``kinds`` are ``(kind, category, subtype)``. Tables must be bound."""
    from core.reviews.engine import ChainError, resolve_chain

    out = {}
    for unit in units:
        for kind, category, subtype in kinds:
            chain = hooks.review_chain(kind, category, subtype)
            if chain is None:
                continue
            try:
                resolved = await resolve_chain(tenant_id, chain, unit)
            except ChainError:
                continue
            out[unit["id"], kind] = Chain(msgspec.json.encode(resolved).decode(),
                                          tuple((s.role, s.unit_id) for s in resolved.steps))
    return out


def application_row(i: int, tenant_id: int, learner_id: int, kind: str, achievement_id: int | None,
                    rule_id: int | None, target: int | None, status: str, chain: Chain, created: datetime,
                    rnd: random.Random) -> tuple:
    """An application as ``submit`` → ``_create`` and ``decide`` leave it: ``step_role`` and
    ``step_unit_id`` name the current step (a decided one keeps the step it was decided at)."""
    last = len(chain.steps) - 1
    if status in ("submitted", "withdrawn"):
        step = 0
    elif status == "in_review":
        step = rnd.randint(1, last) if last else 0
    elif status == "approved":
        step = last
    else:  # rejected at some step
        step = rnd.randint(0, last)
    role, unit = chain.steps[step]
    decided = created + timedelta(days=rnd.randrange(1, 20)) if status in ("approved", "rejected", "withdrawn") else None
    updated = decided or (created + timedelta(days=rnd.randrange(0, 5)) if step else created)
    # The current step began at the last move and takes the default ten working days.
    return (i, tenant_id, learner_id, kind, achievement_id, rule_id, target, status, chain.json, step, role, unit, None,
            None, created, updated, decided, updated, _step_due(local_date(updated)))


@functools.cache
def _step_due(day: date) -> datetime:
    # The deadline depends only on the day a step began: one calendar walk per day, not per row.
    return workdays.due_at(local_midnight(day), DEFAULT_STEP_DAYS)


# ---------------------------------------------------------------------------------------------
# Measuring


async def asgi_get(app, path: str, params: dict[str, str] | None = None,
                   headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """GET ``path`` by calling the ASGI app directly: the app's own cost, without the
    in-process HTTP client's (httpx builds, parses and copies every request and response)."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "",
             "query_string": urlencode(params or {}).encode(),
             "headers": [(b"host", b"bench.local"),
                         *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items())],
             "client": ("127.0.0.1", 50000), "server": ("bench.local", 80)}
    status, body = [], []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
        elif message["type"] == "http.response.body":
            body.append(message.get("body", b""))

    await app(scope, receive, send)
    return status[0], b"".join(body)



def pct(samples: Sequence[float], p: float) -> float:
    data = sorted(samples)
    return data[min(len(data) - 1, int(len(data) * p / 100))] if data else float("nan")


@dataclass
class Series:
    label: str
    samples: list[float] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def p95(self) -> float:
        return pct(self.samples, 95)

    def line(self) -> str:
        return f"  {self.label:<58} p50 {self.p50:7.2f} ms   p95 {self.p95:7.2f} ms   (n={len(self.samples)})"


async def timed(series: Series, call: Callable[[], Awaitable]) -> object:
    started = time.perf_counter()
    result = await call()
    series.samples.append((time.perf_counter() - started) * 1000)
    return result


def ratio_line(label: str, sql: Series, api: Series, target: str = "") -> str:
    return f"  {label:<58} {sql.p50 / api.p50:5.2f}{'   (' + target + ')' if target else ''}"


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def temp_home() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="creditbank-bench-")
