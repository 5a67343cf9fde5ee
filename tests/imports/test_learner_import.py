"""Learner import: file formats, row checks and their reports, idempotent re-runs, what is
stored for each account, the job row, and ``creditbank import learners``."""

from __future__ import annotations

import csv
import itertools
from datetime import date, datetime, timedelta
from pathlib import Path

import click
import msgspec
import pytest
from click.testing import CliRunner

from core.accounts import usernames
from core.accounts.identity import check_digit, mask_id_number
from core.accounts.tables import Account, ImportJob
from core.hierarchy.tables import OrgUnit
from core.imports import learners as service
from core.imports.learners import ImportSummary, LearnerRows, create_job, import_learners
from core.imports.reader import ImportFileError, open_table, read_rows
from core.plugins import PluginRegistry
from core.security.pii import PiiProtector
from core.settings import Settings
from core.tenancy.tables import Tenant

ZH = ["姓名", "证件号码", "手机号码", "电子邮箱", "所属单位", "性别", "民族", "出生日期", "联系地址"]
EN = ["real_name", "id_number", "phone", "email", "unit_code", "gender", "ethnicity", "birth_date", "address"]
_serial = itertools.count(1)


def make_id(region: str = "440106", birth: str = "19900307") -> str:
    first17 = f"{region}{birth}{next(_serial) % 1000:03d}"
    return first17 + check_digit(first17)


def wrong_check_digit(number: str) -> str:
    return number[:17] + next(c for c in "0123456789X" if c != number[17])


def write_csv(path: Path, header: list[str], rows: list[list[str]], bom: bool = True) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def learner(name: str, number: str, phone: str = "", email: str = "", unit: str = "GD-GOU",
            gender: str = "", ethnicity: str = "", birth: str = "", address: str = "") -> list[str]:
    return [name, number, phone, email, unit, gender, ethnicity, birth, address]


class Tenancy(msgspec.Struct):
    id: int
    slug: str
    hooks: object
    pii: PiiProtector


@pytest.fixture
async def tenants(client, settings: Settings, plugins: PluginRegistry) -> dict[str, Tenancy]:
    """The tenants of tenants/, seeded by starting the app (the ``client`` fixture)."""
    pii = PiiProtector(settings.secret_key)
    return {
        row["slug"]: Tenancy(row["id"], row["slug"], plugins.hooks(row["plugin"]), pii)
        for row in await Tenant.select(Tenant.id, Tenant.slug, Tenant.plugin)
    }


async def run(tenant: Tenancy, path: Path, filename: str | None = None, **kwargs) -> tuple[ImportSummary, int]:
    job_id = await create_job(tenant.id, "learners", filename or path.name, None)
    summary = await import_learners(tenant_id=tenant.id, hooks=tenant.hooks, pii=tenant.pii, path=path,
                                    filename=filename or path.name, job_id=job_id, **kwargs)
    return summary, job_id


async def accounts(tenant: Tenancy) -> list[dict]:
    """The tenant's accounts in the order of their rows in the file (several connections may
    write a file's batches, so ids need not follow the rows)."""
    rows = await Account.select().where(Account.tenant_id == tenant.id)
    return sorted(rows, key=lambda r: (_profile(r).get("import_job", 0), _profile(r).get("import_row", 0), r["id"]))


def _profile(row: dict) -> dict:
    value = row["profile"]
    return msgspec.json.decode(value) if isinstance(value, (str, bytes)) else value


async def unit_id(tenant: Tenancy, code: str) -> int:
    return (await OrgUnit.select(OrgUnit.id).where((OrgUnit.tenant_id == tenant.id) & (OrgUnit.code == code)).first())["id"]


# ---------------------------------------------------------------------------------------------
# Formats


async def test_csv_with_bom_and_chinese_headers(tenants, tmp_path):
    gd = tenants["guangdong"]
    first, second = make_id(birth="19851103"), make_id(birth="20010230"[:6] + "28")
    path = write_csv(tmp_path / "学员.csv", ZH, [
        learner("张三", first, "13812345678", "Zhang.San@Example.COM", "GD-GOU", "男", "汉族", "1985-11-03", "广州市天河区"),
        learner("李四", second, "", "", "GD-GOU-TP01", "F", "", "2001/02/28", ""),
    ])
    summary, job_id = await run(gd, path)
    assert (summary.total, summary.created, summary.skipped, summary.failed, summary.errors) == (2, 2, 0, 0, [])

    a, b = await accounts(gd)
    assert (a["real_name"], a["kind"], a["status"], a["source"]) == ("张三", "learner", "imported", "import")
    # guangdong: the username is the ID number, so it is stored masked, found by its keyed hash
    assert (a["username"], a["username_hash"]) == usernames.protect(gd.pii, first) == (mask_id_number(first), a["username_hash"])
    assert a["username_hash"] and a["username_hash"] != a["id_number_hash"]
    assert a["password_hash"] is None and a["activated_at"] is None
    assert a["phone"] == "13812345678" and a["email"] == "zhang.san@example.com"
    assert (a["gender"], a["ethnicity"], a["address"]) == ("男", "汉族", "广州市天河区")
    assert a["birth_date"] == date(1985, 11, 3)
    assert a["unit_id"] == await unit_id(gd, "GD-GOU")
    assert a["created_at"] and a["updated_at"]
    assert (b["gender"], b["phone"], b["email"], b["birth_date"]) == ("女", None, None, date(2001, 2, 28))
    assert b["unit_id"] == await unit_id(gd, "GD-GOU-TP01")

    job = await ImportJob.select().where(ImportJob.id == job_id).first()
    assert (job["status"], job["total"], job["done"], job["failed"], job["created"]) == ("done", 2, 2, 0, 2)
    assert job["finished_at"] is not None and job["kind"] == "learners" and job["filename"] == "学员.csv"


async def test_the_id_number_is_stored_encrypted_hashed_and_masked_never_in_the_clear(tenants, tmp_path):
    gd = tenants["guangdong"]
    number = make_id()
    await run(gd, write_csv(tmp_path / "a.csv", ZH, [learner("王五", number)]))
    (row,) = await accounts(gd)
    assert row["id_number_hash"] == gd.pii.lookup_hash(number)
    assert gd.pii.decrypt(row["id_number_enc"]) == number
    assert row["id_number_masked"] == mask_id_number(number) == number[:4] + "*" * 10 + number[-4:]
    # Not even the username holds it, though the province's scheme makes the ID number the username.
    for column, value in row.items():
        assert number not in str(value), column
        assert number[:17] not in str(value), column


async def test_csv_with_english_headers_no_bom_and_the_national_username_scheme(tenants, tmp_path):
    ouc = tenants["national_ouc"]
    number = make_id(region="620102").replace("X", "x")  # a lower-case x is accepted and normalised
    path = write_csv(tmp_path / "students.csv", EN, [learner("赵六", number, "+86 139-1234-5678", unit="OUC-GS")], bom=False)
    summary, _ = await run(ouc, path)
    assert (summary.created, summary.failed) == (1, 0), summary.errors
    (row,) = await accounts(ouc)
    assert row["username"] == "S" + mask_id_number(number.upper())
    assert row["username_hash"] == usernames.protect(ouc.pii, "S" + number.upper())[1] == usernames.protect(ouc.pii, "S" + number)[1]
    assert row["phone"] == "13912345678"
    assert row["id_number_hash"] == ouc.pii.lookup_hash(number.upper())


async def test_columns_in_any_order_extra_columns_ignored_and_optional_columns_absent(tenants, tmp_path):
    gd = tenants["guangdong"]
    number = make_id()
    path = write_csv(tmp_path / "a.csv", ["备注", "*证件号码", "所属单位", "姓名"], [["x", number, "GD", "钱七"]])
    summary, _ = await run(gd, path)
    assert summary.created == 1, summary.errors
    (row,) = await accounts(gd)
    assert (row["real_name"], row["phone"], row["gender"], row["birth_date"]) == ("钱七", None, "", date(1990, 3, 7))


async def test_xlsx(tenants, tmp_path):
    from openpyxl import Workbook

    gd = tenants["guangdong"]
    first, second, bad = make_id(birth="19770415"), make_id(birth="19920101"), make_id(birth="19920101")
    book = Workbook()
    sheet = book.active
    sheet.append(ZH)
    sheet.append(["孙八", first, 13700001111, "sun@example.com", "GD-GOU", "男", "汉族", datetime(1977, 4, 15), "深圳"])
    sheet.append(["周九", second, "13700002222", None, "GD-GOU-TP02", None, None, None, None])
    sheet.append([None] * 9)  # a blank row is not a row
    sheet.append(["吴十", bad, None, None, "GD-GOU", None, None, date(1992, 1, 2), None])
    book.save(tmp_path / "学员.xlsx")

    summary, _ = await run(gd, tmp_path / "学员.xlsx")
    assert (summary.total, summary.created, summary.failed) == (3, 2, 1)
    assert summary.errors[0].row == 5 and "出生日期" in summary.errors[0].message
    a, b = await accounts(gd)
    assert (a["real_name"], a["phone"], a["birth_date"]) == ("孙八", "13700001111", date(1977, 4, 15))
    assert (b["real_name"], b["unit_id"]) == ("周九", await unit_id(gd, "GD-GOU-TP02"))


# ---------------------------------------------------------------------------------------------
# Rejected rows


async def test_rejected_rows_are_reported_by_row_number_and_good_rows_land(tenants, tmp_path):
    gd = tenants["guangdong"]
    good, other_good = make_id(), make_id(birth="19700101")
    future = (date.today() + timedelta(days=400)).strftime("%Y%m%d")
    rows = [
        learner("甲", good),                                                  # 2
        learner("乙", wrong_check_digit(make_id())),                          # 3
        learner("丙", make_id(birth=future)),                                 # 4
        learner("丁", make_id(birth="19900307"), birth="1990-03-08"),         # 5
        learner("戊", make_id(), phone="1381234567"),                         # 6
        learner("己", make_id(), email="not-an-email"),                       # 7
        learner("庚", make_id(), unit="GD-NOWHERE"),                          # 8
        learner("辛", good),                                                  # 9
        learner("", make_id()),                                               # 10
        [""] * 9,                                                             # 11: blank
        learner("壬", other_good, gender="未知"),                             # 12
        learner("癸", other_good, unit="ZJ"),                                 # 13: another tenant's unit
        learner("子", other_good),                                            # 14
    ]
    summary, job_id = await run(gd, write_csv(tmp_path / "a.csv", ZH, rows))
    reasons = {e.row: e.message for e in summary.errors}
    assert list(reasons) == sorted(reasons)
    assert set(reasons) == {3, 4, 5, 6, 7, 8, 9, 10, 12, 13}
    assert "校验位" in reasons[3]
    assert "在未来" in reasons[4]
    assert "出生日期 1990-03-08 与证件号码中的出生日期 1990-03-07 不符" in reasons[5]
    assert "手机号码格式不正确" in reasons[6]
    assert "电子邮箱格式不正确" in reasons[7]
    assert "所属单位“GD-NOWHERE”不存在" in reasons[8]
    assert reasons[9] == "证件号码与第 2 行重复"
    assert "姓名不能为空" in reasons[10]
    assert "性别" in reasons[12]
    assert "所属单位“ZJ”不存在" in reasons[13]
    assert (summary.total, summary.created, summary.skipped, summary.failed) == (12, 2, 0, 10)
    assert {a["real_name"] for a in await accounts(gd)} == {"甲", "子"}

    job = await ImportJob.select().where(ImportJob.id == job_id).first()
    stored = job["errors"] if isinstance(job["errors"], list) else msgspec.json.decode(job["errors"])
    assert stored == [{"row": e.row, "message": e.message} for e in summary.errors]
    assert (job["status"], job["total"], job["done"], job["failed"], job["created"]) == ("done", 12, 12, 10, 2)


async def test_a_row_with_several_problems_names_them_all(tenants, tmp_path):
    gd = tenants["guangdong"]
    path = write_csv(tmp_path / "a.csv", ZH, [learner("某", "123", "12", "x@", "NOPE")])
    summary, _ = await run(gd, path)
    message = summary.errors[0].message
    for part in ("证件号码应为 18 位", "手机号码", "电子邮箱", "所属单位“NOPE”"):
        assert part in message


async def test_running_the_same_file_again_creates_nothing_twice(tenants, tmp_path):
    gd = tenants["guangdong"]
    first, second = make_id(), make_id()
    path = write_csv(tmp_path / "a.csv", ZH, [learner("甲", first), learner("乙", second), learner("丙", "bad")])
    summary, _ = await run(gd, path)
    assert (summary.created, summary.skipped, summary.failed) == (2, 0, 1)
    again, job_id = await run(gd, path)
    assert (again.total, again.created, again.skipped, again.failed) == (3, 0, 2, 1)
    assert len(await accounts(gd)) == 2
    job = await ImportJob.select().where(ImportJob.id == job_id).first()
    assert (job["status"], job["created"], job["failed"], job["done"]) == ("done", 0, 1, 3)


async def test_duplicates_and_existing_accounts_across_batches(tenants, tmp_path):
    """Batches of two rows: a repeat in a later batch is still found, by the row it repeats."""
    gd = tenants["guangdong"]
    a, b, c, existing = make_id(), make_id(), make_id(), make_id()
    await run(gd, write_csv(tmp_path / "before.csv", ZH, [learner("旧", existing)]))
    path = write_csv(tmp_path / "a.csv", ZH, [
        learner("甲", a), learner("乙", b),          # rows 2, 3
        learner("丙", c), learner("甲2", a),         # rows 4, 5: a repeats row 2
        learner("旧2", existing), learner("乙2", b),  # rows 6, 7: existing is skipped, b repeats row 3
        learner("旧3", existing),                     # row 8: skipped as well
    ])
    progress: list[int] = []
    summary, _ = await run(gd, path, batch_rows=2, on_progress=progress.append)
    assert [(e.row, e.message) for e in summary.errors] == [(5, "证件号码与第 2 行重复"), (7, "证件号码与第 3 行重复")]
    assert (summary.total, summary.created, summary.skipped, summary.failed) == (7, 3, 2, 2)
    assert progress == [2, 4, 6, 7]
    assert {r["real_name"] for r in await accounts(gd)} == {"甲", "乙", "丙", "旧"}


async def test_a_username_taken_by_another_account_rejects_the_row(tenants, tmp_path):
    gd = tenants["guangdong"]
    number = make_id()
    now = datetime.now().astimezone()
    username, username_hash = usernames.protect(gd.pii, number)  # as an account made before the import stores it
    await Account(tenant_id=gd.id, kind="learner", username=username, username_hash=username_hash, status="active",
                  real_name="某学员", source="register", created_at=now, updated_at=now).save()
    summary, _ = await run(gd, write_csv(tmp_path / "a.csv", ZH, [learner("甲", number), learner("乙", make_id())]))
    assert (summary.created, summary.failed) == (1, 1)
    assert summary.errors[0].row == 2 and "用户名已被其他账号占用" in summary.errors[0].message


async def test_every_rejected_row_reaches_on_error_but_the_job_keeps_the_first_thousand(tenants, tmp_path, monkeypatch):
    gd = tenants["guangdong"]
    monkeypatch.setattr(service, "MAX_STORED_ERRORS", 3)
    path = write_csv(tmp_path / "a.csv", ZH, [learner(f"人{i}", "bad") for i in range(5)] + [learner("好", make_id())])
    seen = []
    summary, job_id = await run(gd, path, on_error=seen.append)
    assert [e.row for e in seen] == [2, 3, 4, 5, 6]
    assert [e.row for e in summary.errors] == [2, 3, 4]
    assert (summary.failed, summary.created) == (5, 1)
    job = await ImportJob.select(ImportJob.errors).where(ImportJob.id == job_id).first()
    stored = job["errors"] if isinstance(job["errors"], list) else msgspec.json.decode(job["errors"])
    assert len(stored) == 3


# ---------------------------------------------------------------------------------------------
# Files that cannot be imported


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("a.csv", "姓名,手机号码,所属单位\n张三,13812345678,GD\n".encode(), "缺少必填列：证件号码（id_number）"),
    ("a.csv", "证件号码,所属单位\n110105194912310021,GD\n".encode(), "缺少必填列：姓名（real_name）"),
    ("a.csv", "姓名,证件号码,所属单位\n张三,110105194912310021,GD\n".encode("gbk"), "不是 UTF-8 编码"),
    ("a.csv", "姓名,证件号码,所属单位\n".encode("utf-16"), "UTF-16 编码"),
    ("a.pdf", b"%PDF-1.4 something", "文件类型 .pdf 不受支持"),
    ("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "不支持旧版 Excel"),
    ("a.xlsx", b"this is not a workbook", "不是有效的 XLSX"),
    ("a.csv", b"", "是空的"),
    ("a.csv", "姓名,证件号码,所属单位,姓名\n".encode(), "与前面的列重复"),
])
async def test_a_file_that_cannot_be_imported_fails_the_job(tenants, tmp_path, name, content, expected):
    gd = tenants["guangdong"]
    path = tmp_path / name
    path.write_bytes(content)
    job_id = await create_job(gd.id, "learners", name, None)
    with pytest.raises(ImportFileError) as raised:
        await import_learners(tenant_id=gd.id, hooks=gd.hooks, pii=gd.pii, path=path, filename=name, job_id=job_id)
    assert expected in str(raised.value)
    job = await ImportJob.select().where(ImportJob.id == job_id).first()
    assert job["status"] == "failed" and expected in job["message"] and job["finished_at"] is not None
    assert await accounts(gd) == []


async def test_create_job_starts_pending(tenants):
    job_id = await create_job(tenants["guangdong"].id, "learners", "x.csv", 42)
    job = await ImportJob.select().where(ImportJob.id == job_id).first()
    assert (job["status"], job["created_by"], job["total"], job["errors"] in ([], "[]")) == ("pending", 42, 0, True)


# ---------------------------------------------------------------------------------------------
# The row checks themselves (no database)


def _checker(tmp_path: Path, units: dict[str, int], template: str = "{id_number}") -> tuple[LearnerRows, Path]:
    path = write_csv(tmp_path / "h.csv", ZH, [])
    with open_table(path, "h.csv", service.LEARNER_COLUMNS) as table:
        return LearnerRows(table, units, template, PiiProtector("k")), path


def test_the_fast_path_and_the_careful_path_agree(tmp_path):
    """Every row is checked by the fast path or, failing that, by the validators of
    core.accounts.identity: on clean rows both give the same values."""
    checker, _ = _checker(tmp_path, {"U1": 7})
    rows = [learner("甲", make_id(birth=f"19{60 + i % 40:02d}0{1 + i % 9}1{i % 10}"), f"13{i % 10}1234567{i % 10}",
                    f"u{i}@example.com" if i % 2 else "", "U1", "男" if i % 3 else "", "汉族",
                    "" if i % 4 else "", "某地") for i in range(200)]
    fast = checker.check(list(enumerate(rows, start=2)))
    assert not fast.errors
    for record, row in zip(fast.records, rows):
        slow = checker.check_row_slowly(row)
        idn, name, phone, email, unit_id, gender, ethnic, born, address = slow
        assert record[0] and record[2] == name
        assert (record[1], record[13]) == usernames.protect(checker.pii, idn)
        assert record[6:13] == (phone, email, gender, ethnic, born, address, unit_id)
        assert record[5] == mask_id_number(idn)


def test_lookup_hash_and_ciphertext_match_the_pii_protector(tmp_path):
    pii = PiiProtector("another-secret")
    numbers = [make_id() for _ in range(20)]
    hashes, sealed = pii.protect_many(numbers)
    assert hashes == [pii.lookup_hash(n) for n in numbers]
    assert [pii.decrypt(s) for s in sealed] == numbers
    assert len(set(sealed)) == len(sealed)  # a fresh nonce each


def test_usernames_follow_the_template_masked_with_the_hash_login_computes():
    pii = PiiProtector("test-secret-key")
    ids = ["11010519491231002X", "110105194912310011"]
    masked = [mask_id_number(i) for i in ids]

    def made(template: str) -> tuple[list[str], list[str | None]]:
        return service._username_maker(template, pii)(ids, masked)

    for template in ("{id_number}", "S{id_number}", "{id_number}@gd", "1{id_number}", "{id_number:.6}x"):
        assert made(template) == usernames.protect_many(pii, [template.format(id_number=i) for i in ids]), template
    assert made("S{id_number}") == (["S1101**********002X", "S1101**********0011"],
                                    [usernames.protect(pii, "S" + i)[1] for i in ids])
    assert made("{id_number:.6}x") == (["110105x", "110105x"], [None, None])  # no ID number in it: stored as it is


def test_the_reader_streams_numbered_rows_and_skips_blank_ones(tmp_path):
    path = write_csv(tmp_path / "a.csv", ["姓名", "证件号码", "所属单位"],
                     [["甲", "1", "U"], [], ["", "", ""], ["乙", "2"], ["丙", "3", "U", "extra"]])
    rows = list(read_rows(path, "a.csv", service.LEARNER_COLUMNS))
    assert rows == [
        (2, {"real_name": "甲", "id_number": "1", "unit_code": "U"}),
        (5, {"real_name": "乙", "id_number": "2", "unit_code": ""}),
        (6, {"real_name": "丙", "id_number": "3", "unit_code": "U"}),
    ]
    with open_table(path, "a.csv", service.LEARNER_COLUMNS) as table:
        assert table.estimate_rows() == 5
        assert [len(b) for b in table.batches(2)] == [1, 1, 1]


# ---------------------------------------------------------------------------------------------
# The command line


def _cli_env(home: Path) -> dict[str, str]:
    from tests.conftest import TENANTS_DIR

    env = {"CREDITBANK_HOME": str(home), "CREDITBANK_TENANTS_DIR": str(TENANTS_DIR), "CREDITBANK_SECRET_KEY": "test-secret-key"}
    from tests.conftest import database_env

    env.update(database_env())
    return env


def _cli() -> click.Group:
    """``creditbank`` with ``import learners`` mounted, whether or not core.cli mounts it yet."""
    from core.cli import main
    from core.import_cli import learners

    group = click.Group("creditbank", commands=dict(main.commands))
    existing = main.commands.get("import")
    imports = click.Group("import", commands=dict(existing.commands) if isinstance(existing, click.Group) else {})
    imports.add_command(learners)
    group.add_command(imports)
    return group


def test_the_import_learners_command(home, tmp_path):
    runner, env, cli = CliRunner(), _cli_env(home), _cli()
    assert runner.invoke(cli, ["tenants", "sync"], env=env).exit_code == 0
    rows = [learner(f"学员{i}", make_id()) for i in range(3)]
    rows += [learner(f"坏{i}", wrong_check_digit(make_id())) for i in range(60)]
    path = write_csv(tmp_path / "学员.csv", ZH, rows)
    report = tmp_path / "rejected.csv"

    result = runner.invoke(cli, ["import", "learners", "--tenant", "guangdong", str(path), "--report", str(report)], env=env)
    assert result.exit_code == 0, result.output
    assert "共 63 行，新增 3 个账号，跳过 0 行（证件号码已存在），拒绝 60 行" in result.output
    assert "被拒绝的行（前 50 行）" in result.output
    assert "第 5 行：证件号码校验位错误" in result.output
    assert "第 54 行" in result.output and "第 55 行" not in result.output
    assert "共 60 行被拒绝" in result.output
    with report.open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    assert lines[0] == ["行号", "原因"] and len(lines) == 61 and lines[-1][0] == "64"

    again = runner.invoke(cli, ["import", "learners", "--tenant", "guangdong", str(path)], env=env)
    assert again.exit_code == 0 and "新增 0 个账号，跳过 3 行" in again.output


def test_the_command_refuses_an_unknown_tenant_and_a_file_without_id_numbers(home, tmp_path):
    runner, env, cli = CliRunner(), _cli_env(home), _cli()
    assert runner.invoke(cli, ["tenants", "sync"], env=env).exit_code == 0
    path = write_csv(tmp_path / "a.csv", ["姓名", "所属单位"], [["张三", "GD"]])
    unknown = runner.invoke(cli, ["import", "learners", "--tenant", "atlantis", str(path)], env=env)
    assert unknown.exit_code == 1 and "租户 atlantis 不存在" in unknown.output
    missing = runner.invoke(cli, ["import", "learners", "--tenant", "guangdong", str(path)], env=env)
    assert missing.exit_code == 1 and "缺少必填列：证件号码（id_number）" in missing.output


async def test_an_id_number_excel_turned_into_a_number_is_explained(tenants, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(ZH)
    book.active.append(["甲", float(make_id()[:17] + "1"), None, None, "GD"])
    book.save(tmp_path / "a.xlsx")
    summary, _ = await run(tenants["guangdong"], tmp_path / "a.xlsx")
    assert summary.failed == 1 and "设为文本格式" in summary.errors[0].message


async def test_a_csv_with_a_nul_byte_is_refused_before_anything_lands(tenants, tmp_path):
    path = tmp_path / "a.csv"
    good = "".join(f"甲,{make_id()},GD\n" for _ in range(3000))  # past the first 64 KiB, which is sniffed
    path.write_bytes(("姓名,证件号码,所属单位\n" + good).encode() + b"\xe4\xb9\x99\x00,1,GD\n")
    with pytest.raises(ImportFileError, match="第 3002 行含有空字符"):
        await run(tenants["guangdong"], path)
    assert await accounts(tenants["guangdong"]) == []


async def test_each_account_records_the_job_and_row_it_came_from(tenants, tmp_path):
    gd = tenants["guangdong"]
    _, job_id = await run(gd, write_csv(tmp_path / "a.csv", ZH, [learner("甲", "bad"), learner("乙", make_id())]))
    (row,) = await accounts(gd)
    assert _profile(row) == {"import_job": job_id, "import_row": 3}


async def test_two_imports_of_one_file_at_once_create_each_learner_once(tenants, tmp_path):
    import asyncio

    gd = tenants["guangdong"]
    path = write_csv(tmp_path / "a.csv", ZH, [learner(f"人{i}", make_id()) for i in range(40)])
    (one, _), (two, _) = await asyncio.gather(run(gd, path, batch_rows=7), run(gd, path, batch_rows=7))
    assert one.created + two.created == 40 and one.skipped + two.skipped == 40
    assert one.failed == two.failed == 0
    assert len(await accounts(gd)) == 40


async def test_untidy_but_valid_values_are_accepted_and_normalised(tenants, tmp_path):
    gd = tenants["guangdong"]
    number = make_id(birth="19900307")
    path = write_csv(tmp_path / "a.csv", ZH, [
        learner(" 钱 ", f" {number.lower()} ", "+86 138-1234-5678", " Qian@Example.CN\n", " GD-GOU ", " m ", " 汉族 ",
                "1990年3月7日", " 广州 "),
    ])
    summary, _ = await run(gd, path)
    assert (summary.created, summary.failed) == (1, 0), summary.errors
    (row,) = await accounts(gd)
    assert (row["real_name"], row["username"], row["phone"], row["email"]) == ("钱", mask_id_number(number.upper()), "13812345678", "qian@example.cn")
    assert (row["gender"], row["ethnicity"], row["address"], row["unit_id"]) == ("男", "汉族", "广州", await unit_id(gd, "GD-GOU"))


def test_the_command_module_imports_on_its_own():
    """core.cli imports it to mount the command; importing it first must work as well."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "import core.import_cli, core.cli"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
