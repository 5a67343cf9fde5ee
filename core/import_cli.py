"""``creditbank import learners --tenant T FILE``: the learner import from the command line.

The command is mounted under the ``import`` group of ``core.cli``; it runs the same service as
the HTTP upload, with a progress bar and a report of the rejected rows. A top-level module (it
looks up ``core.cli.with_database``), beside ``core/cli.py``, above the imports package.
"""

from __future__ import annotations

import functools
from pathlib import Path

import click

from core.imports.jobs import heartbeat
from core.imports.learners import LEARNER_COLUMNS, RowError, create_job, import_learners
from core.imports.reader import ImportFileError, XlsxLimits, open_table
from core.plugins import PluginError, PluginRegistry
from core.security.pii import PiiProtector
from core.settings import Settings
from core.tabular import CsvWriter

SHOWN_ERRORS = 50


def with_database(func):
    """``core.cli.with_database``, looked up when the command runs: ``core.cli`` imports this
    module to mount the command, so importing it back at load time would be circular."""

    @functools.wraps(func)
    def wrapper(**kwargs):
        from core.cli import with_database as connect

        return connect(func)(**kwargs)

    return wrapper


@click.command("learners", help="从 CSV（UTF-8）或 XLSX 文件导入学习者账号（导入后需激活）。")
@click.option("--tenant", required=True, help="租户（学分银行）的 slug，如 guangdong")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="把全部被拒绝的行（行号、原因）写入这个 CSV 文件")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@with_database
async def learners(settings: Settings, plugins: PluginRegistry, tenant: str, report_path: Path | None,
                   file: Path) -> int:
    from core.tenancy.tables import Tenant

    row = await Tenant.select(Tenant.id, Tenant.plugin).where(Tenant.slug == tenant).first()
    if row is None:
        raise click.ClickException(f"租户 {tenant} 不存在（用 creditbank tenants list 查看已有租户）")
    try:
        hooks = plugins.hooks(row["plugin"])
    except PluginError as exc:
        raise click.ClickException(f"租户 {tenant} 无法加载：{exc}") from exc

    limits = XlsxLimits.from_settings(settings)
    estimate = _estimate(file, limits)
    job_id = await create_job(row["id"], "learners", file.name, None)
    shown: list[RowError] = []
    report = _Report(report_path) if report_path else None

    def on_error(error: RowError) -> None:
        if len(shown) < SHOWN_ERRORS:
            shown.append(error)
        if report:
            report.write(error)

    try:
        with click.progressbar(length=estimate or 0, label=f"导入 {file.name}", show_pos=True) as bar:
            def on_progress(done: int) -> None:
                bar.update(done - bar.pos)

            async with heartbeat(job_id, settings.job_stale_seconds):
                summary = await import_learners(
                    tenant_id=row["id"], hooks=hooks, pii=PiiProtector(settings.secret_key), path=file,
                    filename=file.name, job_id=job_id, on_progress=on_progress, on_error=on_error,
                    xlsx_limits=limits)
    except ImportFileError as exc:
        raise click.ClickException(f"导入失败（任务 {job_id}）：{exc}") from exc
    finally:
        if report:
            report.close()

    click.echo(f"导入完成（任务 {job_id}）：共 {summary.total} 行，新增 {summary.created} 个账号，"
               f"跳过 {summary.skipped} 行（证件号码已存在），拒绝 {summary.failed} 行。")
    if summary.failed:
        title = f"被拒绝的行（前 {SHOWN_ERRORS} 行）：" if summary.failed > len(shown) else "被拒绝的行："
        click.echo(title)
        for error in shown:
            click.echo(f"  第 {error.row} 行：{error.message}")
        click.echo(f"共 {summary.failed} 行被拒绝。", nl=False)
        if report_path:
            click.echo(f"完整清单已写入 {report_path}")
        else:
            click.echo("用 --report 文件名.csv 可保存完整清单。" if summary.failed > len(shown) else "")
    return 0


def _estimate(file: Path, limits: XlsxLimits) -> int | None:
    try:
        with open_table(file, file.name, LEARNER_COLUMNS, limits) as table:
            return table.estimate_rows()
    except ImportFileError:
        return None  # the import itself reports it


class _Report:
    """The rejected rows as CSV (UTF-8 with a BOM, so that Excel opens it as such), written as
    they are rejected; a reason that quotes the file cannot run as a formula (core.tabular)."""

    def __init__(self, path: Path) -> None:
        self._fh = path.open("w", encoding="utf-8-sig", newline="")
        self._writer = CsvWriter(self._fh)
        self._writer.writerow(["行号", "原因"])

    def write(self, error: RowError) -> None:
        self._writer.writerow([error.row, error.message])

    def close(self) -> None:
        self._fh.close()
