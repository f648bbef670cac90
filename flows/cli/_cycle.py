"""``run-cycle``, ``rerun``, ``serve`` and ``demo``: the orchestrated cycle from the command line.

Runs are embedded by default (no server to start: Prefect brings up a temporary one with its
state in the home folder); ``serve`` registers the deployments with a running server instead.
Prefect is imported only inside the commands, after :func:`ecocluster.flows._runtime.configure`.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from ecocluster.core.errors import ConfigurationError
from ecocluster.core.home import Home
from ecocluster.flows import _runner, _runtime
from ecocluster.flows.cli._context import console, home_of, plain, require_known

if TYPE_CHECKING:
    from ecocluster.flows import _demo, _tour
    from ecocluster.flows._summary import CycleSummary


RerunStage = Literal[
    "collect", "check", "draft", "register"
]  # ecocluster.flows._outcome.RERUN_STAGES (a test keeps them equal)


def _run_with_progress(home: Home, run: Callable[[Callable[[str], None]], CycleSummary | _tour.Tour]) -> Any:
    """Run ``run(show)`` with one live status line fed by the cycle's progress reports.

    The temporary Prefect server was started first thing (:func:`_runtime.start_temporary_server`),
    so it comes up while ``run`` imports the stage packages and ingests; the first flow waits for it.
    """
    _runtime.quiet()
    from ecocluster.flows import _progress

    with console.status("starting the cycle (Prefect, embedded)…") as status:

        def show(message: str) -> None:
            status.update(plain(message))

        _progress.listen(show)
        try:
            return run(show)
        finally:
            _progress.forget(show)


def _embedded(home: Home) -> None:
    """Prefect's settings for this home, and its temporary server on its way up."""
    _runtime.configure(home)
    _runtime.start_temporary_server(home)


def _ready(show: Callable[[str], None]) -> None:
    show("waiting for the temporary Prefect server…")
    _runtime.wait_for_server()
    _runtime.quiet()  # the stage packages are imported by now; some reset their loggers


def _where(location: str) -> str:
    """A path relative to the working directory when it lies below it (shorter to read and copy)."""
    try:
        return str(Path(location).relative_to(Path.cwd()))
    except ValueError:
        return location


def _print(summary: CycleSummary) -> None:
    counts = ", ".join(f"{n} {s}" for s, n in sorted(summary.counts().items())) or "no member due"
    console.print(
        f"\n[bold]{summary.kind} cycle {summary.year}[/]: "
        f"{len(summary.members)} member(s) in scope — {counts}"
    )
    groups = (
        ("registered", "Validated and registered"),
        ("approved", "Approved, package not built yet"),
        ("waiting", "Waiting for a verifier's signature"),
        ("rejected", "Rejected by the verifier"),
        ("blocked", "Blocked before verification"),
        ("not due", "Not due this year (data checked)"),
        ("not started", "Not started"),
    )
    notes = {n.member_id: n.text for n in summary.member_notes}
    for state, title in groups:
        members = summary.in_state(state)
        if not members:
            continue
        console.print(f"\n[bold]{title}[/] ({len(members)})")
        for m in members:
            console.print(
                f"  [bold]{plain(m.member_id)}[/] ({plain(m.cluster_id)}, {plain(m.due)})", soft_wrap=True
            )
            for reason in m.reasons:
                console.print(f"    - {plain(reason)}", soft_wrap=True)
            if state == "waiting" and m.member_id in notes:
                console.print(f"    - {plain(notes[m.member_id])}", soft_wrap=True)
            shown = ("validated", "registration") if state == "registered" else ("",)
            for a in m.artefacts:
                if a.kind.startswith(shown):
                    console.print(f"    {plain(a.kind)}: {plain(_where(a.location))}", soft_wrap=True)
    if summary.joint:
        from ecocluster.flows._summary import JOINT_ROLE

        console.print("\n[bold]Joint statements[/]", soft_wrap=True)
        for j in summary.joint:
            console.print(f"  {plain(j)}: {plain(_where(j.location))}", soft_wrap=True)
        console.print(f"  {JOINT_ROLE}", soft_wrap=True)
    for note in summary.notes:
        console.print(f"• {plain(note)}", soft_wrap=True)


def _tonnes(value: float | None) -> str:
    return "not computed" if value is None else f"{value:,.1f} t"


def _print_showcase(show: _tour.Showcase) -> None:
    """One member's CO2e (computed from its energy by carrier, factors cited in its statement)
    and the VSME report written from the same statement."""
    console.print(
        f"\n[bold]Figures of {plain(show.member_id)}[/] (statement {show.statement_id[:16]})", soft_wrap=True
    )
    co2e = show.co2e
    if co2e is None:
        console.print("  CO₂e: no energy by carrier reported", soft_wrap=True)
    else:
        totals = co2e["totals"]
        datasets = sorted({f["factor"]["dataset"] for f in co2e["figures"]})
        console.print(
            f"  CO₂e from energy by carrier: scope 1 {_tonnes(totals['scope1'])}, scope 2 location-based "
            f"{_tonnes(totals['scope2_location'])}, market-based {_tonnes(totals['scope2_market'])} "
            f"(factors: {plain(', '.join(datasets))})",
            soft_wrap=True,
        )
        for gap in co2e["gaps"]:
            where = f" for {gap['country']} {gap['year']}" if gap.get("country") else ""
            console.print(
                f"    not computed: {plain(gap['carrier'])} — "
                f"{plain(gap['reason'].replace('_', ' '))}{where}",
                soft_wrap=True,
            )
    console.print(
        f"  VSME report (EFRAG template and xBRL-JSON, {len(show.vsme.facts)} facts):", soft_wrap=True
    )
    for path in (show.vsme.workbook, show.vsme.xbrl_json):
        console.print(f"    {plain(_where(str(path)))}", soft_wrap=True)


def _print_tour(tour: _tour.Tour, home: Home) -> None:
    ingested = tour.ingested
    console.print(
        f"sample clusters written to {plain(_where(str(ingested.sample)))}; "
        f"{plain(ingested.collect.notes[0]) if ingested.collect.notes else ''}",
        soft_wrap=True,
    )
    intended = [r for r in ingested.rejections if r.intended]
    if intended:
        files = "1 file" if len(intended) == 1 else f"{len(intended)} files"
        console.print(f"{files} rejected, as intended by the sample:", soft_wrap=True)
        for r in intended:
            console.print(f"  {plain(_where(r.path))} — {plain(r.intended)}", soft_wrap=True)
    for r in ingested.unintended:
        console.print(
            f"[bold red]unexpected rejection[/] {plain(_where(r.path))}: {plain('; '.join(r.reasons))}",
            soft_wrap=True,
        )
    _print(tour.summary)
    from ecocluster.signing import DEMO_NACE, DEMO_PASSWORD

    console.print(
        f"\n[bold yellow]DEMO[/]: {len(tour.signed)} statement(s) signed by the DEMO Verifier (DEMO-V-0001) "
        f"of a DEMO accreditation body, accredited for NACE {', '.join(DEMO_NACE)}; keys in "
        f"{plain(_where(str(home.root / 'verifiers')))} (key password: "
        f"[bold]{plain(DEMO_PASSWORD.decode())}[/]). Every signature and package names them: not valid "
        "for a real registration.",
        soft_wrap=True,
    )
    if tour.datadocs:
        console.print(
            f"Data Docs (check results, open in a browser): {plain(_where(str(tour.datadocs)))}",
            soft_wrap=True,
        )
    if tour.showcase:
        _print_showcase(tour.showcase)
    for run in tour.bodies:
        _print_body(run)
    registered = tour.summary.in_state("registered")
    blocked = tour.summary.in_state("blocked")
    prog = (
        "ecocluster" if shutil.which("ecocluster") else _where(sys.argv[0])
    )  # make demo: .venv/bin/ecocluster
    home_opt = "" if home.root == Path(".ecocluster").resolve() else f" --home {home.root}"
    package = next(
        (a.location for m in registered for a in m.artefacts if a.kind == "registration package"), None
    )
    console.print("\n[bold]Try next[/]")
    tries = [f"{prog}{home_opt} status", f"{prog}{home_opt} check report --member MEMBER"]
    if package:
        tries.append(f"{prog}{home_opt} verify {_where(package)}   # as the competent body does, offline")
    if blocked:
        tries.append(
            f"{prog}{home_opt} rerun --member {blocked[0].member_id} --stage collect "
            "--submissions CORRECTED_FILE"
        )
    waiting = tour.summary.in_state("waiting")
    if waiting:
        demo_keys = _where(str(home.root / "verifiers" / "DEMO-V-0001"))
        tries.append(f"{prog}{home_opt} statement list --member {waiting[0].member_id}   # its draft's id")
        # the demo's TSA served only while the demo signed; an approval needs one answering (infra/tsa.sh)
        tries.append(
            f"export ECOCLUSTER_TSA_URL=$(ECOCLUSTER_TSA_PASSWORD={DEMO_PASSWORD.decode()} infra/tsa.sh "
            f"start {_where(str(home.root))})   # the home's DEMO timestamp authority, for approve"
        )
        tries.append(
            f"ECOCLUSTER_KEY_PASSWORD={DEMO_PASSWORD.decode()} {prog}{home_opt} approve --statement ID "
            f"--key {demo_keys}/key.pem --cert {demo_keys}/cert.pem   # as a verifier (NACE scope permitting)"
        )
    if tour.showcase:
        tries.append(
            f"{prog}{home_opt} export vsme --member {tour.showcase.member_id} --out vsme   # VSME B3–B7"
        )
    tries.append(f"{prog}{home_opt} run-cycle --kind three-year")
    for t in tries:
        console.print(f"  {plain(t)}", soft_wrap=True)


commands = typer.Typer()


@commands.command("run-cycle")
def run_cycle_cmd(
    ctx: typer.Context,
    kind: Annotated[Literal["annual", "three-year"], typer.Option(help="annual or three-year")] = "annual",
    year: Annotated[
        int | None, typer.Option(help="Reporting year (default: latest in the warehouse).")
    ] = None,
    submissions: Annotated[
        list[Path] | None,
        typer.Option("--submissions", help="Files or folders to ingest first (the collect stage)."),
    ] = None,
) -> None:
    """Run a whole cycle in-process; without approvals it stops at the verifier hand-off."""
    home = home_of(ctx, create=bool(submissions))
    _embedded(home)

    def run(show: Callable[[str], None]) -> CycleSummary:
        from ecocluster.flows.cycles import annual_cycle, three_year_cycle

        _ready(show)
        flow = annual_cycle if kind == "annual" else three_year_cycle
        return flow(year, str(home.root), [str(p) for p in submissions or ()])

    _print(_run_with_progress(home, run))


@commands.command("rerun")
def rerun_cmd(
    ctx: typer.Context,
    member: Annotated[str, typer.Option("--member", help="The member to rerun.")],
    stage: Annotated[RerunStage, typer.Option(help="This stage and every later one.")] = "check",
    year: Annotated[int | None, typer.Option(help="Reporting year (default: latest).")] = None,
    submissions: Annotated[
        list[Path] | None,
        typer.Option(
            "--submissions", exists=True, help="Corrected files to ingest first (with --stage collect)."
        ),
    ] = None,
) -> None:
    """Rerun one member from one stage on (idempotent: finished work is not redone).

    The run is handed to the home's ecocluster runner (started by the first rerun, kept for
    30 idle minutes: `ecocluster runner stop`), so it takes seconds, and Prefect records it.
    """
    home = home_of(ctx)
    require_known(home, members=[member])
    paths = [str(p.absolute()) for p in submissions or ()]  # the runner has its own working directory
    if not _runner.usable(home):  # a home path too long for a Unix socket: run here, the slow way
        _embedded(home)

        def run(show: Callable[[str], None]) -> CycleSummary:
            from ecocluster.flows.cycles import rerun

            _ready(show)
            return rerun(member, stage, year, str(home.root), paths)

        _print(_run_with_progress(home, run))
        return

    def ask(show: Callable[[str], None]) -> CycleSummary:
        from ecocluster.flows._summary import CycleSummary, decode

        reply = _runner.request(
            home,
            {"command": "rerun", "member": member, "stage": stage, "year": year, "submissions": paths},
            show,
        )
        return decode(CycleSummary, str(reply["summary"]))

    with console.status("handing the rerun to the ecocluster runner…") as status:
        summary = ask(lambda message: status.update(plain(message)))
    _print(summary)


runner_app = typer.Typer(
    name="runner", help="The home's long-lived runner that makes `rerun` fast.", no_args_is_help=True
)


@runner_app.command("stop")
def runner_stop(ctx: typer.Context) -> None:
    """Stop the home's runner (the next rerun starts a new one)."""
    home = home_of(ctx)
    console.print("runner stopped" if _runner.stop(home) else f"no runner is running for {plain(home.root)}")


@commands.command("serve")
def serve_cmd(ctx: typer.Context) -> None:
    """Serve the deployments (annual, three-year, approvals inbox, rerun) to $PREFECT_API_URL.

    Refuses without a server (deployments served to a throwaway one would vanish with it) and
    ends with exit 75 and a plain message when the server goes away.
    """
    home = home_of(ctx)
    _runtime.configure(home)
    url = _runtime.configured_api_url()
    if not url:
        raise ConfigurationError(
            "`ecocluster serve` needs a Prefect server that outlives it: run "
            "`export PREFECT_API_URL=$(infra/prefect-server.sh start)` first"
        )
    _runtime.quiet()
    from ecocluster.flows._deploy import serve

    console.print(f"serving the deployments to {plain(url)}; Ctrl-C stops")
    _runtime.while_server_answers(url, lambda: serve(home))


@commands.command("demo")
def demo_cmd(ctx: typer.Context) -> None:
    """Sample clusters → ingest → full annual cycle, with a DEMO verifier signing the clean drafts."""
    home = home_of(ctx, create=True)
    _embedded(home)
    from ecocluster.flows import _tour

    tour = _run_with_progress(
        home, lambda show: _tour.run(home, before_cycle=lambda: _ready(show), progress=show)
    )
    _print_tour(tour, home)
    _print_demo_accounts(home)
    if tour.ingested.unintended:
        raise typer.Exit(1)


def _print_body(run: _demo.BodyRun) -> None:
    """What a DEMO competent body did with the demo's packages, by its country profile."""
    from ecocluster.signing import RequestType

    p = run.profile
    console.print(
        f"\n[bold yellow]DEMO[/] competent body {run.country} ({plain(p.competent_body)}; country profile "
        f"{plain(p.version)}: applications in {', '.join(p.languages) or 'any language'}, first registration "
        f"after {p.waiting[RequestType.FIRST_REGISTRATION].describe()}):",
        soft_wrap=True,
    )
    if not run.received and not run.completed:
        console.print("  no new package (taken in by an earlier demo in this home)", soft_wrap=True)
    for r in run.received:
        why = f" (rule {r.rule})" if r.rule else ""
        console.print(
            f"  {run.received_on}: {plain(r.member_id or 'unattributed')} {plain(r.message)}{plain(why)}",
            soft_wrap=True,
        )
    if run.advanced_to:
        console.print(
            f"  DEMO clock advanced to {run.advanced_to} (a real body waits the period out; the demo does "
            "not): the intake run then completes the waiting requests",
            soft_wrap=True,
        )
    for r in run.completed:
        console.print(f"  {run.advanced_to}: {plain(r.member_id or '')} {plain(r.message)}", soft_wrap=True)


def _print_demo_accounts(home: Home) -> None:
    """Create the portal's DEMO accounts (once) and say how to open the portal with them."""
    from ecocluster.portal import DEMO_PASSWORD, add_demo_accounts, open_portal_db

    con = open_portal_db(home)
    try:
        made = add_demo_accounts(con)
    finally:
        con.close()
    console.print(
        f"\nportal: `ecocluster --home {home.root} portal`, then http://127.0.0.1:8000/ — "
        f"DEMO accounts, password {DEMO_PASSWORD!r} (never use them in production):"
    )
    for demo in made:
        second = f", TOTP secret {demo.totp_secret}" if demo.totp_secret else ""
        console.print(f"  DEMO {demo.role:<12} {demo.email} ({demo.scope}){second}")
    if not made:
        console.print(
            "  (created by an earlier demo run: member.it@, member.lv@, "
            "coordinator@, verifier@, competent-body.it@, "
            "admin@demo.example)"
        )
