"""Commands of the portal: serve it, manage its accounts, verify its audit log."""

from __future__ import annotations

import getpass
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from ecocluster.flows.cli._context import console, home_of

if TYPE_CHECKING:
    import sqlite3


def _cli_actor() -> str:
    """Who the audit log names for a change made from the shell."""
    return f"cli:{getpass.getuser()}"


def _audited(con: sqlite3.Connection, action: str, email: str, outcome: str) -> None:
    """The audit entry of an account change made from the shell: by the shell's user, as admin."""
    from ecocluster.portal import record

    record(con, who=_cli_actor(), role="admin", action=action, obj=email.strip().lower(), outcome=outcome)


commands = typer.Typer()


@commands.command()
def portal(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option(help="Address to listen on; keep 127.0.0.1 behind a TLS reverse proxy.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    behind_tls: Annotated[
        bool,
        typer.Option(
            "--behind-tls",
            help="A TLS reverse proxy terminates HTTPS in front: cookies get Secure and the "
            "proxy's X-Forwarded-* headers from 127.0.0.1 are trusted.",
        ),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes (one per core: page rendering holds Python's lock); each keeps "
            "its own read connection to the warehouse and lets writers in the same way.",
        ),
    ] = 1,
) -> None:
    """Serve the web portal over this home (members' desk and the public register)."""
    import os

    import uvicorn

    from ecocluster.portal import create_app

    home = home_of(ctx)
    console.print(f"portal on http://{host}:{port}/ over {home.root} (Ctrl-C stops it)")
    if workers > 1:  # each worker process builds its own app from the environment
        os.environ.update(
            ECOCLUSTER_HOME=str(home.root), ECOCLUSTER_PORTAL_BEHIND_TLS="1" if behind_tls else "0"
        )
    uvicorn.run(
        create_app(home, secure_cookies=behind_tls)
        if workers == 1
        else "ecocluster.portal:app_from_environment",
        factory=workers > 1,
        workers=workers,
        host=host,
        port=port,
        proxy_headers=behind_tls,
        forwarded_allow_ips="127.0.0.1" if behind_tls else None,
        log_level="warning",
        server_header=False,
    )


user_app = typer.Typer(help="Portal accounts.", no_args_is_help=True)


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The person's e-mail address (their sign-in name).")],
    role: Annotated[str, typer.Option(help="member, coordinator, verifier, competent-body or admin.")],
    scope: Annotated[
        str, typer.Option(help="Member id, cluster id, accreditation number, country, or * (admin).")
    ],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    lang: Annotated[str, typer.Option("--lang", help="Language of the person's pages: en, it or lv.")] = "en",
    cluster: Annotated[
        list[str] | None,
        typer.Option(
            "--cluster",
            help="A cluster a verifier reviews (repeat for several): their queue and what they may open.",
        ),
    ] = None,
    invite: Annotated[
        bool,
        typer.Option(
            "--invite",
            help="Print a one-time first-login link (valid 72 h) where the person sets their password "
            "and enrols their second factor.",
        ),
    ] = False,
    portal_url: Annotated[
        str,
        typer.Option(
            "--portal-url", help="The portal's address as the person reaches it, for the --invite link."
        ),
    ] = "http://127.0.0.1:8000",
) -> None:
    """Create a portal account; verifiers, competent bodies and admins get a TOTP secret to enrol
    (shown on the first-login page with --invite, printed here otherwise)."""
    from ecocluster.portal import add_user, create_invite, open_portal_db

    if invite and password_stdin:
        raise typer.BadParameter("--invite lets the person choose the password; leave out --password-stdin")
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    con = open_portal_db(home_of(ctx))
    try:
        secret = add_user(con, email, role, scope, password=password, language=lang, clusters=cluster or ())
        token = create_invite(con, email) if invite else None
        link = " with a first-login link" if invite else ""
        _audited(con, "user.add", email, f"created {role} {scope}{link}")
    finally:
        con.close()
    console.print(f"added {escape(email)} as {escape(role)} for {escape(scope)}")
    if token is not None:
        console.print(
            f"first-login link (one use, 72 h; send it to the person only): "
            f"{escape(portal_url.rstrip('/'))}/welcome/{token}",
            soft_wrap=True,
        )
        return
    if secret:
        console.print(f"second factor: enrol this secret in an authenticator app (TOTP, 30 s): {secret}")
    if password is None:
        console.print(
            "no password yet: the account cannot sign in until `ecocluster user password "
            f"{escape(email)} --password-stdin` sets one"
        )


@user_app.command("password")
def user_password(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The account whose password to set.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
) -> None:
    """Set an account's password (read from stdin, or asked for without echo)."""
    from ecocluster.portal import open_portal_db, set_password

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else getpass.getpass("new password: ")
    con = open_portal_db(home_of(ctx))
    try:
        set_password(con, email, password)
        _audited(con, "user.password", email, "set")
    finally:
        con.close()
    console.print(f"password set for {escape(email)}")


@user_app.command("disable")
def user_disable(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The account to disable; its sessions end at once.")],
) -> None:
    """Disable a portal account and end its sessions."""
    from ecocluster.portal import disable_user, open_portal_db

    con = open_portal_db(home_of(ctx))
    try:
        disable_user(con, email)
        _audited(con, "user.disable", email, "disabled")
    finally:
        con.close()
    console.print(f"disabled {escape(email)}")


audit_app = typer.Typer(help="The portal's audit log.", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify(ctx: typer.Context) -> None:
    """Check every link of the audit log's hash chain; exit 3 at the first broken one."""
    from ecocluster.portal import open_portal_db, verify_audit

    con = open_portal_db(home_of(ctx))
    try:
        n = verify_audit(con)
    finally:
        con.close()
    console.print(f"audit log intact: {n} entries, every link verified")
