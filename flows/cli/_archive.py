"""Archive-timestamp commands: keep what write-once storage holds verifiable past its TSA certificates."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ecocluster.flows.cli._context import connect, console, home_of, located_home, plain
from ecocluster.flows.cli._signing import TSA

archive_app = typer.Typer(
    help="Archive timestamps: renew the document timestamps of stored validated PDFs and packages.",
    no_args_is_help=True,
)


@archive_app.command("renew")
def renew(
    ctx: typer.Context,
    within: Annotated[
        int | None,
        typer.Option(
            "--within",
            min=1,
            max=3650,
            help="Renew what expires within this many days (default: [signing] archive_renew_days).",
        ),
    ] = None,
    tsa: Annotated[str | None, TSA] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Only list what is due: no timestamp asked for, nothing written."),
    ] = False,
) -> None:
    """Add a new document timestamp to every stored validated PDF and package whose newest one's TSA
    certificate expires within the horizon, beside the locked original (archive-renewals/), one
    line each as it goes; a rerun within the horizon writes nothing. Exit 0 done (or nothing due),
    3 an original left alone because a recorded renewal does not extend it (rule named), 75 TSA or
    store unreachable (the renewals before it are kept; rerun), 78 no TSA configured."""
    import datetime as dt

    from ecocluster import signing
    from ecocluster.core.errors import ApprovalRefused

    home = home_of(ctx)
    days = within or signing.archive_renew_days(home)
    url = "" if dry_run else tsa or signing.tsa_url(home)
    store, trust = signing.open_store(home), signing.trust_anchors(home)
    with connect(home.warehouse_path, read_only=dry_run) as con:
        run = signing.renew_archive(
            con,
            store,
            trust,
            url,
            within=dt.timedelta(days=days),
            progress=lambda m: console.print(plain(m), soft_wrap=True),
            dry_run=dry_run,
        )
    done = f"{len(run.due)} due" if dry_run else f"{len(run.renewed)} renewed"
    console.print(
        f"{done}, {run.covered} covered beyond {days} days, {len(run.refused)} refused", soft_wrap=True
    )
    if run.refused:
        raise typer.Exit(ApprovalRefused.exit_code)


@archive_app.command("renew-file")
def renew_file(
    ctx: typer.Context,
    package: Annotated[Path, typer.Argument(help="A delivered registration package (.tar) to renew.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the renewed package (a new file).")],
    tsa: Annotated[str | None, TSA] = None,
    trust: Annotated[
        list[Path] | None, typer.Option("--trust", help="Trusted CA PEM (default: the home's anchors).")
    ] = None,
    crl: Annotated[list[Path] | None, typer.Option(help="The accreditation body's current CRL PEM.")] = None,
    tsa_trust: Annotated[
        list[Path] | None,
        typer.Option("--tsa-trust", help="CA PEM (with its CRL) trusted for timestamp authorities."),
    ] = None,
) -> None:
    """Renew a package file on its own, as a competent body renews the copy it keeps: its PDF gets
    the last timestamp's validation data and a new document timestamp, the bag is rebuilt around
    it, the original file is left as it is. Exit 0 written, 3 not renewable (rule named), 65 PACKAGE
    unreadable, 2 OUT exists, 75 TSA unreachable, 78 no TSA or trust anchors."""
    from ecocluster import signing
    from ecocluster.core.errors import InputUnreadable

    if not package.is_file():
        raise InputUnreadable(f"PACKAGE {package} is not a file: give a delivered package's .tar")
    if out.exists():  # the copy being renewed, or anything else, is never overwritten
        raise typer.BadParameter(
            f"{out} exists; choose a new file for the renewed package", param_hint="--out"
        )
    home = located_home(ctx) if trust else home_of(ctx)
    anchors = signing.trust_anchors(
        home, cas=tuple(trust or ()), crls=tuple(crl or ()), tsa=tuple(tsa_trust or ())
    )
    url = tsa or signing.tsa_url(home)
    with package.open("rb") as handle:
        data = handle.read(signing.MAX_PACKAGE_BYTES + 1)
    renewed = signing.extend_package(data, url, anchors)
    out.write_bytes(renewed)
    expiry = signing.newest_timestamp_expiry(signing.read_tar(renewed)["data/statement-validated.pdf"])
    console.print(f"{plain(out)}: renewed, covered until {expiry.date()}", soft_wrap=True)
