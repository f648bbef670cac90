"""Commands of review rounds: the verifier raises findings, the member or coordinator answers, the
verifier accepts, reopens or closes; the verifier's sampling plan for a cluster. Thin: each command
parses its options and calls ``signing`` (``ecocluster.signing._review``,
``ecocluster.signing._sampling``)."""

from __future__ import annotations

import datetime as dt
import getpass
import os
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ecocluster.core.errors import ConfigurationError, ReviewRefused
from ecocluster.flows.cli._context import connect, console, home_of, located_home
from ecocluster.flows.cli._signing import ACCREDITATION, TSA, _accreditation_file, _signer_secrets

if TYPE_CHECKING:
    from ecocluster.signing import Finding

finding_app = typer.Typer(
    help="Review rounds: the verifier's findings on a statement and their answers.",
    no_args_is_help=True,
)

_BY = typer.Option("--by", help="Who acts, as the review trail records it (default: your login name).")


def _who(by: str | None) -> str:
    return (by or getpass.getuser()).strip()[:200] or "unknown"


def _print(finding: Finding) -> None:
    console.print(
        f"finding {finding.finding_id}: {finding.kind.value}, {finding.state.value}, owner "
        f"{finding.owner.value}, due {finding.deadline}"
    )


@finding_app.command("add")
def add(
    ctx: typer.Context,
    statement: Annotated[
        str, typer.Option("--statement", help="The member draft's id (or a unique prefix).")
    ],
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="non-conformity | misstatement | non-compliance | "
            "request-for-information | recommended-improvement",
        ),
    ],
    text: Annotated[str, typer.Option("--text", help="What was found and what is expected.")],
    deadline: Annotated[
        dt.datetime | None,
        typer.Option("--deadline", formats=["%Y-%m-%d"], help="Answer due (default: 20 working days)."),
    ] = None,
    owner: Annotated[str, typer.Option("--owner", help="Who answers: member | coordinator.")] = "member",
    value: Annotated[
        str | None, typer.Option("--value", help="Path of the statement value concerned.")
    ] = None,
    check: Annotated[str | None, typer.Option("--check", help="The check result concerned.")] = None,
    section: Annotated[
        str | None, typer.Option("--section", help="The submission section concerned.")
    ] = None,
    by: Annotated[str | None, _BY] = None,
) -> None:
    """Raise a finding on a statement; prints the new finding's id on the last line."""
    from ecocluster import signing

    with connect(home_of(ctx).warehouse_path) as con:
        found = signing.raise_finding(
            con,
            statement,
            kind,
            text,
            by=_who(by),
            owner=owner,
            deadline=deadline.date() if deadline else None,
            value_path=value,
            check_name=check,
            section=section,
        )
    _print(found)
    console.print(found.finding_id)


@finding_app.command("answer")
def answer(
    ctx: typer.Context,
    finding_id: Annotated[str, typer.Argument(help="The finding's id (F-…).")],
    text: Annotated[str, typer.Option("--text", help="The answer.")],
    file: Annotated[
        list[Path] | None,
        typer.Option(
            "--file", help="Evidence (PDF, PNG, JPEG, XLSX, DOCX, CSV, TXT; 10 MB each); repeat for more."
        ),
    ] = None,
    by: Annotated[str | None, _BY] = None,
) -> None:
    """Answer an open finding with text and evidence files."""
    from ecocluster import signing

    home = home_of(ctx)
    with connect(home.warehouse_path) as con:
        found = signing.answer_finding(
            con, signing.open_store(home), finding_id, text, by=_who(by), files=tuple(file or ())
        )
    _print(found)


_SIGNER = typer.Option(
    "--signer",
    help="Sign the decision: file:KEY?cert=CERT (passphrase in ECOCLUSTER_KEY_PASSWORD) "
    "or pkcs11:token=NAME;object=LABEL (PIN in ECOCLUSTER_TOKEN_PIN). Unsigned, the decision "
    "does not count for an approval (rule finding-decision).",
)


# The three decisions on an answer share their arguments and their body (_decide).
_FindingId = Annotated[str, typer.Argument(help="The finding's id (F-…).")]
_Note = Annotated[str, typer.Option("--note", help="Why (required to reopen).")]
_Signer = Annotated[str | None, _SIGNER]
_By = Annotated[str | None, _BY]
_Accreditation = Annotated[Path | None, ACCREDITATION]


def _decide(
    ctx: typer.Context,
    event: str,
    finding_id: str,
    note: str,
    signer: str | None,
    by: str | None,
    accreditation: Path | None,
) -> None:
    """Record the verifier's ``event`` on the finding, signed and timestamped when ``--signer`` is given."""
    from ecocluster import signing
    from ecocluster.signing import signers

    step = {
        "accept": signing.accept_finding,
        "reopen": signing.reopen_finding,
        "close": signing.close_finding,
    }[event]
    home = home_of(ctx)
    tsa = None if signer is None else signing.tsa_url(home)  # refused before a passphrase is asked
    with ExitStack() as stack:
        chosen = (
            None if signer is None else stack.enter_context(signers.open_signer(signer, _signer_secrets()))
        )
        con = stack.enter_context(connect(home.warehouse_path))
        _print(
            step(
                con,
                finding_id,
                by=_who(by),
                note=note,
                signer=chosen,
                tsa_url=tsa,
                accreditation=_accreditation_file(accreditation),
            )
        )
    if signer is None:
        console.print(
            f"recorded unsigned: it counts for an approval once signed, `ecocluster finding {event} "
            f"{escape(finding_id)} --signer URI` (rule finding-decision)"
        )


@finding_app.command("accept")
def accept(
    ctx: typer.Context,
    finding_id: _FindingId,
    note: _Note = "",
    signer: _Signer = None,
    by: _By = None,
    accreditation: _Accreditation = None,
) -> None:
    """Accept the answer: the finding no longer blocks the approval (once signed)."""
    _decide(ctx, "accept", finding_id, note, signer, by, accreditation)


@finding_app.command("reopen")
def reopen(
    ctx: typer.Context,
    finding_id: _FindingId,
    note: _Note = "",
    signer: _Signer = None,
    by: _By = None,
    accreditation: _Accreditation = None,
) -> None:
    """The answer is not enough: open the finding again for another round."""
    _decide(ctx, "reopen", finding_id, note, signer, by, accreditation)


@finding_app.command("close")
def close(
    ctx: typer.Context,
    finding_id: _FindingId,
    note: _Note = "",
    signer: _Signer = None,
    by: _By = None,
    accreditation: _Accreditation = None,
) -> None:
    """Close the finding (resolved, or withdrawn with a note); closed is final."""
    _decide(ctx, "close", finding_id, note, signer, by, accreditation)


@finding_app.command("follow-up")
def follow_up(
    ctx: typer.Context,
    statement: Annotated[
        str, typer.Option("--statement", help="The member draft's id (or a unique prefix).")
    ],
    by: Annotated[str | None, _BY] = None,
) -> None:
    """Ask what became of last year's recommended improvements (a request for information each)."""
    from ecocluster import signing

    with connect(home_of(ctx).warehouse_path) as con:
        raised = signing.follow_up_improvements(con, statement, by=_who(by))
    for found in raised:
        _print(found)
    console.print(f"{len(raised)} follow-up finding(s) raised")


@finding_app.command("extend")
def extend(
    ctx: typer.Context,
    finding_id: Annotated[str, typer.Argument(help="The finding's id (F-…).")],
    until: Annotated[
        dt.datetime, typer.Option("--until", formats=["%Y-%m-%d"], help="The deadline asked for.")
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why more time is needed.")],
    by: Annotated[str | None, _BY] = None,
) -> None:
    """Ask the verifier for a later deadline for an open finding."""
    from ecocluster import signing

    with connect(home_of(ctx).warehouse_path) as con:
        number = signing.request_extension(con, finding_id, until.date(), reason, by=_who(by))
    console.print(
        f"extension request {number} for finding {finding_id} until {until.date()}: waiting for the verifier"
    )


@finding_app.command("extension")
def extension(
    ctx: typer.Context,
    finding_id: Annotated[str, typer.Argument(help="The finding's id (F-…).")],
    grant: Annotated[bool, typer.Option("--grant/--refuse", help="Grant or refuse the pending request.")],
    note: Annotated[str, typer.Option("--note", help="Why.")] = "",
    by: Annotated[str | None, _BY] = None,
) -> None:
    """Grant (the deadline moves) or refuse a pending extension request."""
    from ecocluster import signing

    with connect(home_of(ctx).warehouse_path) as con:
        _print(signing.decide_extension(con, finding_id, grant=grant, by=_who(by), note=note))


@finding_app.command("reminders")
def reminders(
    ctx: typer.Context,
    today: Annotated[
        dt.datetime | None,
        typer.Option("--today", formats=["%Y-%m-%d"], help="The day to remind as of (default: today)."),
    ] = None,
    send: Annotated[
        bool,
        typer.Option(
            "--send",
            help="Send them now, as the daily review-reminders flow does "
            "(once per finding, deadline and threshold).",
        ),
    ] = False,
) -> None:
    """Open findings due in one of the cycle's reminder_days, or overdue; --send sends them."""
    from ecocluster import signing

    home = home_of(ctx)
    days, day = (
        home.config().cycle.reminder_days,
        today.date() if today else dt.date.today(),
    )
    with connect(home.warehouse_path, read_only=not send) as con:
        due = (
            signing.send_reminders(con, signing.open_store(home), day, days)
            if send
            else signing.finding_reminders(con, day, days)
        )
    for reminder in due:
        console.print(f"{'sent' if send else 'reminder'}: {escape(str(reminder))}")
    console.print(f"{len(due)} reminder(s){' sent' if send else ''}")


@finding_app.command("decide")
def decide_offline(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="The review export folder (`ecocluster review export`).")],
    signer: Annotated[str, _SIGNER],
    out: Annotated[
        Path, typer.Option("--out", help="The answers file to write (a new name) for the coordinator.")
    ],
    accept: Annotated[
        list[str] | None, typer.Option("--accept", help="ID[=NOTE]: accept the answer; repeatable.")
    ] = None,
    reopen: Annotated[
        list[str] | None, typer.Option("--reopen", help="ID=REASON: another round; repeatable.")
    ] = None,
    close: Annotated[
        list[str] | None, typer.Option("--close", help="ID[=NOTE]: close the finding; repeatable.")
    ] = None,
    tsa: Annotated[str | None, TSA] = None,
    accreditation: Annotated[Path | None, ACCREDITATION] = None,
) -> None:
    """Verifier's machine, no warehouse: sign decisions on an exported review's findings, each
    timestamped by the TSA, into one answers file; the coordinator applies it with `ecocluster
    finding import FILE`. Offline (TSA unreachable) nothing is written: exit 75."""
    from ecocluster import signing
    from ecocluster.signing import signers

    choices = signing.decision_choices(accept or (), reopen or (), close or ())
    if out.exists():
        raise ConfigurationError(f"{out} exists; an answers file is never overwritten: choose another --out")
    url = tsa or signing.tsa_url(located_home(ctx))  # refused before the signer asks for a passphrase
    with signers.open_signer(signer, _signer_secrets()) as chosen:
        answers = signing.decide_offline(
            folder, choices, chosen, tsa_url=url, accreditation=_accreditation_file(accreditation)
        )
    with out.open("xb") as f:
        f.write(answers)
    for finding_id, event, _note in choices:
        console.print(f"{event}: finding {escape(finding_id)}")
    console.print(
        f"{len(choices)} signed decision(s) in {escape(str(out))}; give it to the coordinator "
        "(`ecocluster finding import FILE`)"
    )


@finding_app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The verifier's answers file (`ecocluster finding decide`).")],
) -> None:
    """Apply a verifier's signed decisions from an offline review; each is verified alone, refusals are
    named and recorded (exit 65 when any was refused)."""
    from ecocluster import signing

    home = home_of(ctx)
    data = signing.read_answers(file)
    with connect(home.warehouse_path) as con:
        outcomes = signing.import_answers(con, signing.trust_anchors(home), data)
    for o in outcomes:
        rule = f", rule {o.rule}" if o.rule else ""
        console.print(
            f"{o.item}{' (' + escape(o.finding_id) + ')' if o.finding_id else ''}: {o.outcome}{rule}: "
            f"{escape(o.message)}",
            soft_wrap=True,
        )
    refused = sum(o.outcome is signing.Imported.REFUSED for o in outcomes)
    console.print(f"{len(outcomes) - refused} applied or already there, {refused} refused")
    if refused:
        raise typer.Exit(ReviewRefused.exit_code)


@finding_app.command("list")
def list_(
    ctx: typer.Context,
    statement: Annotated[
        str | None, typer.Option("--statement", help="Only this statement's findings.")
    ] = None,
    member: Annotated[str | None, typer.Option("--member", help="Only this member's findings.")] = None,
) -> None:
    """List findings with their state, owner, deadline and answers."""
    from ecocluster import signing

    with connect(home_of(ctx).warehouse_path, read_only=True) as con:
        found = signing.findings(con, statement_id=statement, member_id=member)
    table = Table(title="Findings", show_edge=False)
    for column in ("finding", "member", "kind", "state", "owner", "due", "answers", "text"):
        table.add_column(column)
    for f in found:
        table.add_row(
            f.finding_id,
            escape(f.member_id),
            f.kind.value,
            f.state.value,
            f.owner.value,
            str(f.deadline),
            str(len(f.answers)),
            escape(f.text[:80]),
        )
    console.print(table)
    blocking = sum(f.blocks_approval for f in found)
    console.print(f"{len(found)} finding(s), {blocking} blocking an approval (open or answered)")


@finding_app.command("verify-log")
def verify_log(
    ctx: typer.Context,
    statement: Annotated[
        str | None, typer.Option("--statement", help="Only this statement's review trail.")
    ] = None,
) -> None:
    """Check the review trail's hash chain; exit 3 naming the first edited, deleted or reordered event."""
    from ecocluster import signing

    with connect(home_of(ctx).warehouse_path, read_only=True) as con:
        report = signing.verify_review_log(con, None if statement is None else [statement])
    older = f", {report.unchained} older than the chain (migration 025)" if report.unchained else ""
    console.print(
        f"review log intact: {report.statements} statement(s), {report.links} event(s), every link "
        f"verified{older}"
    )


sampling_app = typer.Typer(
    help="The verifier's sampling plan: which members of a cluster are visited.",
    no_args_is_help=True,
)


@sampling_app.command("plan")
def sampling_plan(
    ctx: typer.Context,
    cluster: Annotated[str, typer.Option("--cluster", help="The cluster's id.")],
    key: Annotated[
        Path,
        typer.Option(
            "--key", exists=True, dir_okay=False, help="The verifier's encrypted private key (PEM), any path."
        ),
    ],
    cert: Annotated[
        Path,
        typer.Option(
            "--cert", exists=True, dir_okay=False, help="The verifier's certificate (PEM), any path."
        ),
    ],
    year: Annotated[
        int | None, typer.Option("--year", help="Reporting year (default: the latest cycle).")
    ] = None,
    always: Annotated[
        list[str] | None,
        typer.Option(
            "--always",
            help="MEMBER=REASON, a member always visited: accident-risk | ied | seveso | hazardous-waste "
            "| third-country; repeat for more.",
        ),
    ] = None,
    factor: Annotated[
        float,
        typer.Option(
            "--factor", help="Sample size ceil(factor * sqrt(eligible)); 2 is the German multisite practice."
        ),
    ] = 1.0,
) -> None:
    """Sign and record the cluster's sampling plan; prints the visited members and, last, the plan's digest."""  # noqa: E501  # the command's help: typer's command list keeps a docstring's line breaks
    from ecocluster import signing

    given: dict[str, tuple[signing.SamplingReason, ...]] = {}
    for item in always or ():
        member, _, reason = item.partition("=")
        try:
            given[member.strip()] = (*given.get(member.strip(), ()), signing.SamplingReason(reason.strip()))
        except ValueError:
            raise typer.BadParameter(
                f"--always {item!r}: expected MEMBER=REASON with a reason of "
                f"{', '.join(r.value for r in signing.SamplingReason)}"
            ) from None
    files = signing.KeyFiles.of(key, cert)
    secret = (
        os.environ.get("ECOCLUSTER_KEY_PASSWORD") or typer.prompt("verifier key password", hide_input=True)
    ).encode()
    home = home_of(ctx)
    with connect(home.warehouse_path) as con:
        request = signing.sampling_request(con, cluster, year, always=given, factor=factor)
        plan = signing.sign_plan(request, files.load_key(secret), files.load_cert())
        where = signing.record_plan(con, signing.open_store(home), plan)
    console.print(
        f"cluster {escape(cluster)} {request.reporting_year}: {len(plan.visited)} of {len(request.units)} "
        f"member(s) visited ({len(plan.always)} always, {len(plan.drawn)} drawn; seed {plan.seed[:16]}…)"
    )
    for member in plan.visited:
        console.print(f"  {escape(member)}{' (always)' if member in plan.always else ''}")
    console.print(f"plan stored at {escape(where)}")
    console.print(plan.sha256)
