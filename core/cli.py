"""The ``creditbank`` command line."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import click

from core import cli_words, db, startup, wiring
from core.errors import DomainError
from core.plugins import PluginRegistry
from core.settings import Settings, SettingsError

cli_words.install()


def _run(work: Callable[[Settings, PluginRegistry], Awaitable[int | None]]) -> None:
    """Run ``work`` with a connected, migrated database; exit with its status."""
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc

    async def main() -> int | None:
        plugins = PluginRegistry.discover()
        wiring.install()  # a service run from the CLI reacts to domain events as the app does
        engine = db.make_engine(settings)
        async with db.connected(engine):
            await startup.prepare(settings, plugins, engine, sync_tenants=False)
            return await work(settings, plugins)

    try:
        sys.exit(asyncio.run(main()) or 0)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc


def with_database(func):
    @functools.wraps(func)
    def wrapper(**kwargs):
        _run(lambda settings, plugins: func(settings, plugins, **kwargs))

    return wrapper


@click.group(help="学分银行平台：多租户、省份插件。")
def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("piccolo").setLevel(logging.WARNING)  # 'Running Sqlite version …' on every command


@main.command(help="迁移数据库、加载 tenants/ 并启动服务（门户 + API）。")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
def serve(host: str, port: int, workers: int) -> None:
    import uvicorn

    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    _prepare_for_workers(settings)
    click.echo(f"学分银行平台 http://{host}:{port}/  数据库：{settings.database_kind}  租户目录：{settings.tenants_dir}")
    # A worker imports the whole platform before it answers the supervisor's health check; on
    # a loaded 2-core machine that takes longer than uvicorn's 5 s, and it killed and respawned
    # workers that were only starting (issue 13 item 5). proxy_headers=False: uvicorn would
    # otherwise believe X-Forwarded-For from loopback and rewrite the client address itself;
    # core.web.security believes it only from CREDITBANK_TRUSTED_PROXIES.
    uvicorn.run("core.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="info", access_log=False, proxy_headers=False,
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS)


WORKER_HEALTHCHECK_SECONDS = 60


def _prepare_for_workers(settings: Settings) -> None:
    """Migrate, check the key, sweep dead jobs and sync tenants once, here, before uvicorn
    starts the workers, and tell them so. A wrong secret key stops here (exit 1). With the
    database away the workers prepare it themselves, under the same lock, once it is back."""
    async def work() -> None:
        plugins = PluginRegistry.discover()
        engine = db.make_engine(settings)
        async with db.connected(engine):
            await startup.prepare(settings, plugins, engine)

    try:
        asyncio.run(work())
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    except Exception as exc:
        if not db.is_unavailable(exc):
            raise
        click.echo(f"数据库暂时无法连接（{type(exc).__name__}），服务进程将在数据库恢复后自行完成迁移和租户同步", err=True)
        return
    os.environ[startup.PREPARED_ENV] = "1"


@main.command(help="执行尚未执行的数据库迁移。")
@with_database
async def migrate(settings: Settings, plugins: PluginRegistry) -> None:
    click.echo("数据库已是最新。")


@main.group(help="租户（托管的学分银行）。")
def tenants() -> None:
    pass


@tenants.command("sync", help="按 tenants/ 中的文件创建或更新租户，并导入组织机构。")
@with_database
async def tenants_sync(settings: Settings, plugins: PluginRegistry) -> int:
    from core.seeding import sync_tenant_files

    failed = 0
    for result in await sync_tenant_files(settings.tenants_dir, plugins):
        if result.ok:
            click.echo(f"✓ {result.slug}：{result.message}，新增单位 {result.units_added} 个")
        else:
            failed += 1
            click.echo(f"✗ {result.message}", err=True)
    return 1 if failed else 0


@tenants.command("export", help="把租户写成一个文件夹（租户文件 + 单位、名录、规则 CSV），可放进 git，用 tenants load 重建。")
@click.argument("slug")
@click.option("--to", "folder", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="写入的文件夹")
@with_database
async def tenants_export(settings: Settings, plugins: PluginRegistry, slug: str, folder: Path) -> None:
    from core.platform.onboarding import export_tenant
    from core.tenancy.service import TenantRegistry

    counts = await export_tenant(slug, folder, TenantRegistry(plugins))
    click.echo(f"已写入 {folder / (slug + '.toml')}：单位 {counts['org_units']} 个，名录 {counts['catalog']} 条，"
               f"规则 {counts['rules']} 条")


@tenants.command("load", help="按一个文件夹中的租户文件（如 tenants export 所写）创建或更新租户。")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_database
async def tenants_load(settings: Settings, plugins: PluginRegistry, folder: Path) -> int:
    from core.seeding import sync_tenant_files

    failed = 0
    for result in await sync_tenant_files(folder, plugins):
        if result.ok:
            click.echo(f"✓ {result.slug}：{result.message}，新增单位 {result.units_added} 个")
        else:
            failed += 1
            click.echo(f"✗ {result.message}", err=True)
    return 1 if failed else 0


@tenants.command("list", help="列出租户。")
@with_database
async def tenants_list(settings: Settings, plugins: PluginRegistry) -> None:
    from core.hierarchy.service import unit_count
    from core.tenancy.service import TenantRegistry, list_tenants

    registry = TenantRegistry(plugins)
    click.echo(f"{'租户':<12} {'插件':<12} {'状态':<8} {'单位数':>7}  名称  域名")
    for tenant in await list_tenants(registry):
        units = await unit_count(registry.by_slug[tenant.slug].id) if tenant.slug in registry.by_slug else 0
        state = tenant.error or tenant.status
        click.echo(f"{tenant.slug:<14} {tenant.plugin:<14} {state:<10} 单位 {units:>4}  {tenant.name}  {' '.join(tenant.hosts)}")


@main.group("platform-admin", help="平台管理员（国家级管理员）。")
def platform_admin() -> None:
    pass


@platform_admin.command("create", help="创建平台管理员。")
@click.option("--username", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_database
async def platform_admin_create(settings: Settings, plugins: PluginRegistry, username: str, password: str) -> None:
    from core.platform.service import create_admin

    await create_admin(username, password)
    click.echo(f"已创建平台管理员 {username}")


@main.group(help="学分银行工作人员。")
def staff() -> None:
    pass


@staff.command("create", help="创建可直接登录的工作人员账号（用于初始化，例如管理中心管理员）。")
@click.option("--tenant", required=True, help="租户 slug")
@click.option("--unit", required=True, help="所在单位编码")
@click.option("--role", required=True, type=click.Choice(["tenant_admin", "unit_admin", "committee"]))
@click.option("--username", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "real_name", default="", help="姓名")
@with_database
async def staff_create(settings: Settings, plugins: PluginRegistry, tenant: str, unit: str, role: str,
                       username: str, password: str, real_name: str) -> None:
    from core.accounts.staff import create_staff

    context = await load_tenant(plugins, tenant)
    await create_staff(context, unit, role, username, password, real_name)
    click.echo(f"已创建 {context.name} 的工作人员 {username}（{role} @ {unit}）")


async def load_tenant(plugins: PluginRegistry, slug: str):
    """The loaded tenant ``slug``, or a clear error naming it."""
    from core.tenancy.service import TenantRegistry

    registry = TenantRegistry(plugins)
    await registry.reload()
    tenant = registry.by_slug.get(slug)
    if tenant is None:
        reason = registry.broken.get(slug, "不存在（先运行 creditbank tenants sync）")
        raise click.ClickException(f"租户 {slug} {reason}")
    return tenant


@main.group(help="组织机构（各级单位）。")
def units() -> None:
    pass


@units.command("list", help="按树形列出租户的全部单位：编码、层级、名称（单位编码用于开户、分配工作人员和导入）。")
@click.option("--tenant", required=True, help="租户 slug")
@with_database
async def units_list(settings: Settings, plugins: PluginRegistry, tenant: str) -> None:
    from core.hierarchy.service import whole_tree

    context = await load_tenant(plugins, tenant)
    tree = await whole_tree(context.id, context.hooks.org_levels)
    if not tree:
        click.echo(f"{context.name} 尚无单位：在平台控制台导入组织机构，或运行 creditbank tenants sync")
        return
    click.echo("单位编码（缩进表示上下级）    名称（层级）")
    for depth, unit in tree:
        click.echo(f"{'  ' * depth + unit.code:<28}{unit.name}（{unit.level_label}）")
    click.echo(f"共 {len(tree)} 个单位")


@main.command(help="投递通知发件箱（生产环境作为独立进程运行；可同时运行多个）。")
@click.option("--once", is_flag=True, help="投递当前到期的消息后退出")
@with_database
async def sender(settings: Settings, plugins: PluginRegistry, once: bool) -> None:
    from core.notifications.sender import Sender

    worker = Sender(settings, plugins)
    if once:
        click.echo(f"已处理 {await worker.run_once(limit=10**9)} 条通知")
        return
    click.echo("通知发送进程已启动（Ctrl-C 退出）")
    await worker.run_forever()


@main.group(help="通知发件箱。")
def notifications() -> None:
    pass


@notifications.command("requeue", help="把发送失败的通知放回发送队列（重试期限重新计算）。")
@click.option("--tenant", default=None, help="租户 slug（默认全部租户）")
@click.option("--failed", is_flag=True, default=True, help="发送失败的通知（默认，目前唯一可选）")
@with_database
async def notifications_requeue(settings: Settings, plugins: PluginRegistry, tenant: str | None, failed: bool) -> None:
    from core.notifications.service import requeue_failed

    tenant_id = (await load_tenant(plugins, tenant)).id if tenant else None
    click.echo(f"已放回发送队列 {await requeue_failed(tenant_id)} 条通知")


@main.group(help="审核：每日提醒与逾期督办。")
def reviews() -> None:
    pass


@reviews.command("remind", help="逾期超过省份规定工作日的审核报送上级单位督办，并给每位审核人发送当日待办提醒"
                                "（每天运行一次或多次均可，不会重复发送）。")
@click.option("--tenant", default=None, help="租户 slug（默认全部租户）")
@click.option("--now", "at", default=None, help="按此时间运行（ISO 8601，用于补发或演练）；默认当前时间")
@with_database
async def reviews_remind(settings: Settings, plugins: PluginRegistry, tenant: str | None, at: str | None) -> None:
    from datetime import datetime

    from core.clock import aware, utcnow
    from core.reviews import reminders
    from core.tenancy.service import TenantRegistry

    try:
        now = aware(datetime.fromisoformat(at)) if at else utcnow()
    except ValueError:
        raise click.ClickException(f"--now 的时间格式应为 ISO 8601（如 2026-12-03T09:00+08:00），收到“{at}”") from None
    if tenant:
        tenants = [await load_tenant(plugins, tenant)]
    else:
        registry = TenantRegistry(plugins)
        await registry.reload()
        tenants = list(registry.by_slug.values())
    for loaded in tenants:
        done = await reminders.run(loaded, now, settings.base_url)
        click.echo(f"{loaded.slug}：督办 {done.escalated} 件，提醒 {done.digests} 人")


@main.group(help="统计报表：按单位、按时段的计数器。")
def reports() -> None:
    pass


async def _report_tenants(plugins: PluginRegistry, tenant: str | None) -> list:
    from core.tenancy.service import TenantRegistry

    if tenant:
        return [await load_tenant(plugins, tenant)]
    registry = TenantRegistry(plugins)
    await registry.reload()
    return sorted(registry.by_slug.values(), key=lambda t: t.slug)


@reports.command("rebuild", help="按现有数据重新计算单位统计报表的计数器（学习者、成果、申请）。")
@click.option("--tenant", default=None, help="租户 slug（默认全部租户）")
@with_database
async def reports_rebuild(settings: Settings, plugins: PluginRegistry, tenant: str | None) -> None:
    import time

    from core.reports import counters

    for loaded in await _report_tenants(plugins, tenant):
        started = time.perf_counter()
        outcomes = await counters.rebuild(loaded.id)
        seconds = time.perf_counter() - started
        click.echo(f"{loaded.slug}：已重新计算，成果 {outcomes} 条，用时 {seconds:.1f} 秒"
                   + (f"（每秒 {outcomes / seconds:,.0f} 条）" if outcomes and seconds > 0 else ""))


@reports.command("check", help="核对计数器与实际数据是否一致；不一致时列出第一处差异并以状态 1 退出。")
@click.option("--tenant", default=None, help="租户 slug（默认全部租户）")
@with_database
async def reports_check(settings: Settings, plugins: PluginRegistry, tenant: str | None) -> int:
    from core.reports import counters

    status = 0
    for loaded in await _report_tenants(plugins, tenant):
        differences = await counters.check(loaded.id)
        if differences:
            click.echo(f"{loaded.slug}：计数器与实际数据不一致（{len(differences)} 处），第一处：{differences[0]}"
                       "；请运行 creditbank reports rebuild", err=True)
            status = 1
        else:
            click.echo(f"{loaded.slug}：计数器与实际数据一致")
    return status


@main.group(help="审计日志：签名检查点、校验哈希链、校验导出文件、归档（docs/audit.md）。")
def audit() -> None:
    pass


async def _audit_chains(plugins: PluginRegistry, tenant: str | None) -> list[int]:
    from core.audit.verify import chains

    if tenant == "platform":
        return [0]
    if tenant:
        return [(await load_tenant(plugins, tenant)).id]
    return await chains()


@audit.command("checkpoint", help="为每条哈希链的当前链头签名（至少每天运行一次，例如由 cron 调度）。")
@with_database
async def audit_checkpoint(settings: Settings, plugins: PluginRegistry) -> None:
    from core.audit.signing import AuditSigner

    for row in await AuditSigner(settings.secret_key).checkpoint_all():
        click.echo(f"链 {row['chain']}：第 {row['seq']} 条 {row['hash'][:16]}… 已签名（密钥 {row['key_id']}）")


@audit.command("verify", help="重新计算哈希链并核对检查点和归档，指出第一条被修改、插入或缺失的事件。")
@click.option("--tenant", default=None, help="租户 slug，或 platform（平台自身的事件）；默认全部")
@click.option("--no-archive-files", is_flag=True, help="不读取存储中的归档文件（只核对归档记录）")
@with_database
async def audit_verify(settings: Settings, plugins: PluginRegistry, tenant: str | None, no_archive_files: bool) -> int:
    from core.audit import archive
    from core.audit.verify import verify_chain
    from core.storage import storage_from_url

    check = None if no_archive_files else archive.FileCheck(storage_from_url(settings.storage_url))
    broken = 0
    for chain in await _audit_chains(plugins, tenant):
        report = await verify_chain(chain, check_archive=check)
        if report.intact:
            click.echo(f"✓ 链 {chain}：{report.events} 条事件完好（已归档 {report.archived} 条，检查点 {report.checkpoints} 个）")
        else:
            broken += 1
            assert report.problem is not None
            click.echo(f"✗ 链 {chain}：{report.problem.message}", err=True)
    return 1 if broken else 0


@audit.command("verify-export", help="离线校验审计日志导出文件（JSON Lines）：只需导出文件和平台公钥，不连接数据库。")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--public-key", "key_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="平台审计公钥（PEM，creditbank audit public-key 输出）")
def audit_verify_export(file: Path, key_file: Path) -> None:
    from core.audit import offline

    report = offline.verify_file(file, key_file)
    if not report.intact:
        raise click.ClickException(report.message)
    click.echo(f"✓ {report.message}")


@audit.command("public-key", help="输出平台审计签名公钥（PEM），交给外部审计方用于离线校验。")
@with_database
async def audit_public_key(settings: Settings, plugins: PluginRegistry) -> None:
    from core.audit.signing import AuditSigner, active_public_key, public_pem

    click.echo(public_pem(await active_public_key(AuditSigner(settings.secret_key))), nl=False)


@audit.command("archive", help="把超过在线保留期（CREDITBANK_AUDIT_RETENTION_DAYS，至少 180 天）的事件签名归档到存储后移出数据库。")
@click.option("--now", "at", default=None, help="按此时间计算保留期（ISO 8601，用于演练）；默认当前时间")
@with_database
async def audit_archive(settings: Settings, plugins: PluginRegistry, at: str | None) -> None:
    from datetime import datetime

    from core.audit import archive
    from core.audit.signing import AuditSigner
    from core.clock import aware
    from core.storage import storage_from_url

    try:
        now = aware(datetime.fromisoformat(at)) if at else None
    except ValueError:
        raise click.ClickException(f"--now 的时间格式应为 ISO 8601（如 2026-12-03T09:00+08:00），收到“{at}”") from None
    try:
        done = await archive.archive_all(AuditSigner(settings.secret_key), storage_from_url(settings.storage_url),
                                         settings.audit_retention_days, now)
    except archive.ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    for row in done:
        click.echo(f"链 {row['chain']}：第 {row['from_seq']}–{row['to_seq']} 条已归档到 {row['storage_key']}")
    if not done:
        click.echo("没有超过保留期的事件")


@main.group(help="省份插件：生成新插件、检查插件是否符合约定。")
def plugin() -> None:
    pass


@plugin.command("new", help="生成一个可直接安装运行的省份插件包（含租户文件和一致性测试）。")
@click.argument("name")
@click.option("--title", default="", help="省份学分银行的中文名称")
@click.option("--dir", "folder", default=".", type=click.Path(file_okay=False, path_type=Path), show_default=True)
def plugin_new(name: str, title: str, folder: Path) -> None:
    from core.scaffold import write_plugin

    try:
        root = write_plugin(name, title, folder, PluginRegistry.discover().names())
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已生成 {root}")
    click.echo(f"下一步：pip install -e {root} && creditbank plugin check {name}")
    click.echo(f"再把 {root}/tenants/ 中的文件复制到租户目录并运行 creditbank tenants sync")


@plugin.command("check", help="对已安装的插件运行一致性检查，逐条说明缺失或错误之处。")
@click.argument("name")
def plugin_check(name: str) -> None:
    from core.conformance import check_plugin
    from core.plugins import PluginError

    registry = PluginRegistry.discover()
    try:
        hooks = registry.hooks(name)
    except PluginError as exc:
        raise click.ClickException(str(exc)) from exc
    problems = check_plugin(name, hooks.plugin)
    if not problems:
        click.echo(f"✓ 插件 {name} 符合全部钩子约定")
        return
    for problem in problems:
        click.echo(f"✗ {problem}")
    raise click.ClickException(f"插件 {name} 有 {len(problems)} 处问题")


@main.group(help="文件存储（证明材料、身份证扫描件）。")
def storage() -> None:
    pass


@storage.command("check", help="找出没有数据库记录的文件，以及文件已丢失的记录。")
@click.option("--delete-orphans", is_flag=True, help="列出将删除的无记录文件（演练，不删除）")
@click.option("--apply", is_flag=True, help="与 --delete-orphans 一起使用：真正删除")
@with_database
async def storage_check(settings: Settings, plugins: PluginRegistry, delete_orphans: bool, apply: bool) -> int:
    from core.storage import storage_from_url
    from core.storage.check import check_storage

    store = storage_from_url(settings.storage_url)
    report = await check_storage(store)
    click.echo(f"存储中的文件 {report.files} 个，数据库引用 {report.rows} 个")
    for key in report.missing_files:
        click.echo(f"✗ 文件缺失（有记录无文件）：{key}")
    deleting = delete_orphans and apply
    for key in report.orphan_files:
        suffix = "（已删除）" if deleting else "（将删除）" if delete_orphans else ""
        click.echo(f"? 无记录的文件：{key}{suffix}")
        if deleting:
            await store.delete(key)
    if delete_orphans and not apply and report.orphan_files:
        click.echo("以上为演练，未删除任何文件；确认后加 --apply 删除")
    if not (report.missing_files or report.orphan_files):
        click.echo("✓ 文件与记录一一对应")
    return 1 if report.missing_files else 0


@main.command(help="备份：数据库、存储的文件和密钥打包为一个 tar.gz（含清单和每个成员的 SHA-256）。")
@click.option("--to", "target", required=True, type=click.Path(dir_okay=False, path_type=Path), help="备份文件路径")
@with_database
async def backup(settings: Settings, plugins: PluginRegistry, target: Path) -> None:
    from core.backup import backup as make_backup

    summary = await make_backup(settings, target)
    click.echo(f"已备份到 {summary.path}（{summary.size / 1024 / 1024:.1f} MB）：数据库 {settings.database_kind}，"
               f"文件 {summary.files} 个，密钥 1 份")
    click.echo("备份中含平台密钥：请像保管密钥一样保管备份文件")


@main.command(help="从 creditbank backup 生成的备份恢复数据库、文件和密钥（恢复前请停止平台）。")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="目标已有数据时仍然恢复：用备份覆盖现有的数据库和文件")
def restore(archive: Path, force: bool) -> None:
    from core.backup import restore as restore_backup

    try:
        settings = Settings.from_env()
        summary = asyncio.run(restore_backup(settings, archive, force=force))
    except (DomainError, SettingsError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已从备份恢复（备份创建于 {summary.created_at}）：数据库 {summary.database}，文件 {summary.files} 个，"
               f"密钥已写入 {summary.key_path}")
    if summary.key_differs_from_env:
        click.echo("注意：环境变量 CREDITBANK_SECRET_KEY 与备份中的密钥不同，平台将拒绝启动；"
                   f"请去掉该变量（使用 {summary.key_path}）或改为备份中的密钥", err=True)


@main.group("import", help="批量导入（学习者、名录、规则），带进度条和被拒绝行的报告。")
def import_group() -> None:
    pass


def _small_import(kind: str, help_text: str):
    """``creditbank import catalog|rules --tenant T FILE``: row by row, with a report."""

    @import_group.command(kind, help=help_text)
    @click.option("--tenant", required=True, help="租户 slug")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
    @with_database
    async def command(settings: Settings, plugins: PluginRegistry, tenant: str, file: Path) -> int:
        from core.imports import catalog_rules
        from core.imports.jobs import heartbeat
        from core.imports.learners import create_job
        from core.imports.reader import ImportFileError

        context = await load_tenant(plugins, tenant)
        job_id = await create_job(context.id, kind, file.name, None)
        run = catalog_rules.import_catalog if kind == "catalog" else catalog_rules.import_rules
        try:
            async with heartbeat(job_id, settings.job_stale_seconds):
                summary = await run(tenant=context, path=file, filename=file.name, job_id=job_id)
        except ImportFileError as exc:
            raise click.ClickException(str(exc)) from exc
        for error in summary.errors[:50]:
            click.echo(f"第 {error.row} 行：{error.message}", err=True)
        click.echo(f"共 {summary.total} 行：新增 {summary.created}，更新或跳过 {summary.skipped}，失败 {summary.failed}")
        return 1 if summary.failed else 0

    return command


_small_import("catalog", "从 CSV 或 XLSX 导入名录条目（成果大类、成果小类、项目名称、成果名称、资历机构名称 + 名录字段）。")
_small_import("rules", "从 CSV 或 XLSX 导入转换规则（协议、规则名称、源成果、目标成果、学分、转换比例）。")

# Imported last: the import commands build on ``with_database`` above.
from core.import_cli import learners as import_learners_command  # noqa: E402

import_group.add_command(import_learners_command)


if __name__ == "__main__":
    main()
