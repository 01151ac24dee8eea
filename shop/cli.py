"""flask commands: demo, seed-demo, seed-bench, create-admin and the scheduled jobs (expire-orders,
confirm-deliveries, retry-refunds, expire-quotes)."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask_migrate import upgrade
from werkzeug.serving import run_simple

from shop.extensions import db


def register(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(seed_bench_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(expire_orders_command)
    app.cli.add_command(confirm_deliveries_command)
    app.cli.add_command(retry_refunds_command)
    app.cli.add_command(expire_quotes_command)


def _progress(label: str):
    """A click progress bar usable as a callback: progress(done, total)."""
    state: dict = {}

    def report(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = click.progressbar(length=total, label=label, show_pos=True)
            bar.__enter__()
        bar.update(done - bar.pos)
        if done >= total:
            bar.__exit__(None, None, None)
            state.clear()

    return report


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="접속을 받을 주소")
@click.option("--port", default=5000, show_default=True, type=int, help="포트")
@click.option("--no-serve", is_flag=True, help="데이터베이스만 준비하고 서버는 띄우지 않음")
def demo_command(host: str, port: int, no_serve: bool) -> None:
    """Create or upgrade the database, load demo data when it is empty, print demo accounts and serve."""
    from shop.demo.seed import DEMO_ACCOUNTS, database_is_empty, demo_loaded, seed_demo

    click.echo(f"데이터베이스: {db.engine.url.render_as_string(hide_password=True)}")
    upgrade()
    if database_is_empty():
        click.echo("빈 데이터베이스입니다. 데모 데이터를 불러옵니다…")
        seed_demo(progress=_progress)
    else:
        click.echo("기존 데이터가 있어 데모 데이터는 다시 불러오지 않습니다.")
    if demo_loaded():
        click.echo("\n데모 계정 (비밀번호는 모두 같습니다):")
        for account in DEMO_ACCOUNTS:
            click.echo(f"  {account['label']:<12} {account['email']:<32} {account['password']}")
    if no_serve:
        return
    click.echo(f"\n함께장터가 http://{host}:{port} 에서 열립니다. 종료: Ctrl+C")
    # app.run() refuses to block inside a `flask` command, so serve through werkzeug directly.
    run_simple(host, port, current_app._get_current_object(), threaded=True)


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo catalog (safe to run twice)."""
    from shop.demo.seed import seed_demo

    upgrade()
    seed_demo(progress=_progress)
    click.echo("데모 데이터 준비 완료")


@click.command("seed-bench")
@click.option("--products", default=100_000, show_default=True, type=click.IntRange(1, 2_000_000))
@click.option("--enterprises", default=2_000, show_default=True, type=click.IntRange(1, 100_000))
def seed_bench_command(products: int, enterprises: int) -> None:
    """Bulk catalog for performance work."""
    from shop.demo.bench import seed_bench

    upgrade()
    result = seed_bench(products=products, enterprises=enterprises, progress=_progress)
    click.echo(", ".join(f"{key}={value}" for key, value in result.items()))


@click.command("create-admin")
@click.option("--email", prompt="이메일")
@click.option("--name", prompt="이름", default="지원센터 관리자")
@click.option("--password", prompt="비밀번호", hide_input=True, confirmation_prompt=True)
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create a center staff account."""
    from shop.accounts.services import AccountError, create_admin

    try:
        user = create_admin(email=email, name=name, password=password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"관리자 계정을 만들었습니다: {user.email}")


@click.command("expire-orders")
def expire_orders_command() -> None:
    """Cancel unpaid orders past their payment deadline and give their stock back (run every minute)."""
    from shop.orders.services import expire_overdue_orders

    numbers = expire_overdue_orders()
    click.echo(f"만료 처리한 주문 {len(numbers)}건" + (": " + ", ".join(numbers) if numbers else ""))


@click.command("confirm-deliveries")
def confirm_deliveries_command() -> None:
    """구매확정 for deliveries older than AUTO_CONFIRM_DAYS (run daily)."""
    from shop.orders.services import auto_confirm_deliveries

    click.echo(f"자동 구매확정 {auto_confirm_deliveries()}건")


@click.command("retry-refunds")
def retry_refunds_command() -> None:
    """Ask the payment provider again for refunds it could not take (same idempotency key)."""
    from shop.payments.services import retry_requested_refunds

    click.echo(f"환불 재요청 {retry_requested_refunds()}건")


@click.command("expire-quotes")
def expire_quotes_command() -> None:
    """Answered quotations past their valid-until date lapse (run daily, after midnight KST)."""
    from shop.core.korea import kst_today
    from shop.procurement.quotes import expire_lapsed_quotes

    click.echo(f"유효기한이 지난 견적 {expire_lapsed_quotes(kst_today())}건")
