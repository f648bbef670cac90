"""Commands of the verify and register stages: PKI, review, approve, register, intake, offline verify.

Passwords come from the environment (``ECOCLUSTER_CA_PASSWORD``, ``ECOCLUSTER_KEY_PASSWORD``,
``ECOCLUSTER_CB_PASSWORD``) or a prompt; they are never options, so they stay out of shell history.
"""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from ecocluster.core.errors import ApprovalRefused, ConfigurationError, EcoclusterError, InputUnreadable
from ecocluster.flows.cli._context import connect, console, home_of, located_home, plain, require_known

if TYPE_CHECKING:
    from ecocluster.core.home import Home
    from ecocluster.signing import Check, InboxLimits, PackageReport, QualificationPolicy, TrustAnchors
    from ecocluster.signing.signers import Secrets

pki_app = typer.Typer(
    help="The accreditation body's CA: initialise, issue verifier certificates, revoke, "
    "reissue the CRL; record consultancies (conflicts of interest).",
    no_args_is_help=True,
)
review_app = typer.Typer(help="What the verifier reviews.", no_args_is_help=True)
register_app = typer.Typer(
    name="register", help="Registration packages for approved members; the register's monthly change file."
)


@register_app.command("feed")
def register_feed(
    ctx: typer.Context,
    country: Annotated[str, typer.Option("--country", help="The competent body's country code, e.g. IT.")],
    month: Annotated[str, typer.Option("--month", help="The month, YYYY-MM.")],
    out: Annotated[
        Path,
        typer.Option("--out", help="The change file to write (JSON, ecocluster/emas-register-changes/v2)."),
    ],
) -> None:
    """Competent body: the register's changes of one month (EMAS Art. 12), for the Commission."""
    from ecocluster import signing

    code = signing.check_country(country)
    home = home_of(ctx)
    with connect(home.warehouse_path, read_only=True) as con:
        data = signing.register_month(con, code, month)
    out.write_bytes(data)
    feed = json.loads(data)
    console.print(
        f"{len(feed['changes'])} change(s) of the {code} register in {feed['month']}, "
        f"{feed['registerSize']} entries after it: {escape(str(out))}"
    )


@register_app.command("sweep")
def register_sweep(
    ctx: typer.Context,
    country: Annotated[str, typer.Option("--country", help="The competent body's country code, e.g. IT.")],
    body_key: Annotated[
        Path | None,
        typer.Option("--body-key", help="Folder of the body's key (default <home>/competent-body/<CC>)."),
    ] = None,
) -> None:
    """Competent body, daily: register the requests whose waiting period ended; send notices before
    an updated statement is due; suspend, then delete, entries whose statement is overdue."""
    from ecocluster import signing

    code = signing.check_country(country)
    home = home_of(ctx)
    with connect(home.warehouse_path) as con:
        done = signing.register_sweep(
            home,
            con,
            signing.open_store(home),
            code,
            _secret("ECOCLUSTER_CB_PASSWORD", "competent body key password"),
            key_folder=body_key,
        )
    for r in done.completed:
        console.print(
            f"{plain(r.outcome)}: {plain(r.member_id or '')} as {plain(r.registration_no or '')} "
            f"(waiting period ended {r.waiting_until})\n    receipt: {plain(r.receipt_key)}",
            emoji=False,
            soft_wrap=True,
        )
    for n in done.notices:
        console.print(f"notice {n.threshold}: {plain(n.message)}", emoji=False, soft_wrap=True)
    console.print(
        f"{len(done.completed)} request(s) completed, {len(done.notices)} notice(s) sent in {code}",
        soft_wrap=True,
    )


@register_app.command("requester")
def register_requester(
    ctx: typer.Context,
    country: Annotated[str, typer.Option("--country", help="The competent body's country code, e.g. IT.")],
    member: Annotated[str, typer.Option("--member", help="The registered organisation (member id).")],
    cert: Annotated[
        Path,
        typer.Option("--cert", help="PEM certificate entitled to speak for it (e.g. the coordinator's)."),
    ],
) -> None:
    """Competent body: register a certificate entitled to ask for the organisation's own suspension or
    deletion (the coordinator's seal on behalf of its member, or the organisation's own)."""
    from ecocluster import signing

    code = signing.check_country(country)
    try:
        certificate = signing.read_pem_certificate(cert.read_bytes())
    except (OSError, ValueError) as e:
        raise ConfigurationError(f"--cert {cert}: not a readable PEM certificate ({e})") from e
    with connect(home_of(ctx).warehouse_path) as con:
        digest = signing.register_requester(con, code, member, certificate, dt.date.today())
    console.print(
        f"{escape(certificate.subject.rfc4514_string())} may ask for {escape(member)}'s suspension or "
        f"deletion in {code} (certificate sha256 {digest})",
        soft_wrap=True,
    )


@register_app.command("request")
def register_request(
    country: Annotated[str, typer.Option("--country", help="The competent body's country code, e.g. IT.")],
    member: Annotated[str, typer.Option("--member", help="The registered organisation (member id).")],
    registration_no: Annotated[
        str, typer.Option("--registration-no", help="Its registration number, e.g. IT-000001.")
    ],
    kind: Annotated[str, typer.Option("--type", help="suspension or deletion.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the organisation asks (on the receipt).")],
    signer: Annotated[str, typer.Option("--signer", help="Signer URI (file:KEY?cert=CERT or pkcs11:…).")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the request (NAME.request.dsse.json).")],
    cluster: Annotated[
        str | None, typer.Option("--cluster", help="The cluster, so the receipt goes to its folder.")
    ] = None,
) -> None:
    """Organisation or its coordinator: sign a request to suspend or delete the registration, to be
    delivered into the body's inbox (competent-body/<CC>/inbox/…); no warehouse is touched."""
    from ecocluster import signing
    from ecocluster.signing import signers

    code = signing.check_country(country)
    kinds = {"suspension": signing.RequestType.SUSPENSION, "deletion": signing.RequestType.DELETION}
    if kind not in kinds:
        raise typer.BadParameter("must be suspension or deletion", param_hint="--type")
    if not out.name.endswith(signing.REQUEST_SUFFIX):
        raise typer.BadParameter(f"the file name must end in {signing.REQUEST_SUFFIX}", param_hint="--out")
    _refuse_taken(out.parent, out.name.removesuffix(signing.REQUEST_SUFFIX))
    request = signing.OrganisationRequest(
        kinds[kind], code, member, registration_no, cluster, reason.strip(), dt.date.today()
    )
    with signers.open_signer(signer, _signer_secrets()) as chosen:
        data = signing.sign_organisation_request(request, chosen)
    out.write_bytes(data)
    console.print(f"{kind} of {escape(registration_no)} signed: {escape(str(out))}", soft_wrap=True)


def _secret(env: str, prompt: str) -> bytes:
    value = os.environ.get(env) or typer.prompt(prompt, hide_input=True)
    return value.encode()


def _stored_package(ctx: typer.Context, key: str) -> list[tuple[str, bytes]]:
    """A package from this home's object store, the version the pipeline wrote, and its archive
    renewals up to the first that does not extend the one before (that one is named and left out);
    for an approval's validated PDF, each of its generations inside its package
    (ecocluster.signing.as_packages): (key, package bytes), newest first."""
    from ecocluster import signing

    home = home_of(ctx)
    store = signing.open_store(home)
    with connect(home.warehouse_path, read_only=True) as con:
        try:
            chain, refused = signing.as_packages(con, store, key)
            if refused is not None:
                console.print(f"[yellow]not used:[/] {plain(refused)}", soft_wrap=True)
            return chain[::-1]
        except KeyError:
            built = "" if key.endswith(".tar") else " (or no package holds that PDF yet)"
            raise typer.BadParameter(
                f"nothing at {store.location(key)}{built}; `ecocluster register` lists the packages' keys"
            ) from None
        except ValueError as e:  # a key the store cannot hold ("..", absolute)
            raise typer.BadParameter(str(e)) from None


def safe(text: object) -> str:
    """Any string from a package, envelope or receipt, made inert for the terminal on one line."""
    return plain(text, one_line=True)


_OUTCOME = {"PASS": "[green]PASS[/]", "FAIL": "[bold red]FAIL[/]", "NOT CHECKED": "[yellow]NOT CHECKED[/]"}


def _print_checks(checks: Sequence[Check]) -> bool:
    """One line per check; True only when every check passed (NOT CHECKED is not a pass)."""
    for c in checks:
        where = f" [{c.file}]" if c.file else ""
        console.print(
            f"{_OUTCOME[c.outcome.value]} {safe(c.name + where)}: {safe(c.detail)}",
            emoji=False,
            soft_wrap=True,
        )
    return bool(checks) and all(c.ok for c in checks)


def _qualification_policy(home: Home) -> QualificationPolicy | None:
    """``[signing] trusted_list`` and ``[intake] require`` (ecocluster.signing.QualificationPolicy), read
    before any package."""
    from ecocluster.signing import QualificationPolicy

    config = home.config()
    return QualificationPolicy.from_config(config.signing, config.intake)


def _must_be_file(path: Path, option: str, error: type[EcoclusterError]) -> Path:
    """A path given on the command line that must name a readable file: a clear error, not a traceback."""
    if not path.is_file():
        why = "is a folder" if path.is_dir() else "does not exist"
        raise error(f"{option} {path} {why}: give the path of a file")
    return path


ACCREDITATION_NO = typer.Option("--accreditation-no", help="The verifier's accreditation number.")
NACE_SCOPE_HELP = (
    "NACE Rev. 2 scope, comma-separated: section letters, divisions, groups or classes, e.g. I,84.11 or 55.10"
)


@pki_app.command("init")
def pki_init(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="Accreditation body name.")] = "Accreditation Body",
) -> None:
    """Create the accreditation-body CA and an empty CRL in <home>/pki/ca."""
    from ecocluster import signing

    home = home_of(ctx, create=True)
    path = signing.init_ca(home, name, _secret("ECOCLUSTER_CA_PASSWORD", "CA key password"))
    connect(home.warehouse_path).close()  # the verifiers it issues are registered there: the home is made
    console.print(f"CA certificate: {path} (give it to readers as --trust)")


@pki_app.command("issue-verifier")
def pki_issue(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="Verifier's name.")],
    accreditation_no: Annotated[str, ACCREDITATION_NO],
    nace: Annotated[
        str,
        typer.Option(help=NACE_SCOPE_HELP),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            help="Folder for the verifier's key and certificate (new or "
            "empty: an existing key is never overwritten)."
        ),
    ] = None,
) -> None:
    """Issue a verifier key + certificate; the encrypted key goes only to --out (the verifier's folder).

    The scope must be NACE Rev. 2 codes, the accreditation number letters, digits and hyphens, and
    the new key's passphrase (ECOCLUSTER_KEY_PASSWORD) at least 12 characters."""
    from ecocluster import signing

    home = home_of(ctx)
    files = signing.issue_verifier(
        home,
        name=name,
        accreditation_no=accreditation_no,
        nace=tuple(nace.split(",")),
        ca_password=_secret("ECOCLUSTER_CA_PASSWORD", "CA key password"),
        key_password=_secret("ECOCLUSTER_KEY_PASSWORD", "new verifier key password"),
        out=out,
    )
    with connect(home.warehouse_path) as con:
        signing.register_verifier(con, files.load_cert())
    console.print(f"verifier key (encrypted, keep private): {files.key}\ncertificate: {files.cert}")


@pki_app.command("accredit")
def pki_accredit(
    ctx: typer.Context,
    cert: Annotated[
        Path, typer.Argument(help="The verifier's certificate (PEM) from a qualified trust service provider.")
    ],
    accreditation_no: Annotated[str, ACCREDITATION_NO],
    scope: Annotated[
        str,
        typer.Option(help=NACE_SCOPE_HELP),
    ],
    until: Annotated[str, typer.Option(help="Last day (UTC) the accreditation holds, e.g. 2029-12-31.")],
    since: Annotated[
        str | None, typer.Option("--from", help="First day it holds (default: now), e.g. 2027-01-01.")
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(help="The accredited verifier's name (default: the certificate's commonName)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="File to write (new names only; default: CERT's name + .accreditation.json)."),
    ] = None,
) -> None:
    """Sign an accreditation statement for a verifier whose certificate a trust service provider issued
    (a QES): number, NACE scope and validity bound to that certificate's SHA-256. The verifier signs
    with it (`ecocluster sign --accreditation FILE`)."""
    from ecocluster import signing

    try:
        certificate = signing.load_certs(_must_be_file(cert, "CERT", InputUnreadable).read_bytes())[0]
    except (OSError, IndexError, ConfigurationError) as e:
        raise InputUnreadable(f"{cert} is not a readable PEM certificate") from e
    target = out or cert.with_name(cert.name.removesuffix(".pem") + ".accreditation.json")
    if target.exists() or target.is_symlink():
        raise ConfigurationError(f"{target} exists; an accreditation statement is never overwritten")
    end = _since(until) or dt.datetime.now(dt.UTC)  # until is required: never None
    if end.time() == dt.time(0, 0):  # a day given: it holds to its end
        end += dt.timedelta(days=1, seconds=-1)
    statement = signing.accredit(
        home_of(ctx),
        certificate,
        _secret("ECOCLUSTER_CA_PASSWORD", "CA key password"),
        accreditation_no=accreditation_no,
        nace=tuple(scope.split(",")),
        until=end,
        since=_since(since),
        name=name,
    )
    target.write_bytes(statement)
    console.print(f"accreditation statement: {escape(str(target))} (the verifier signs with --accreditation)")


class Reason(StrEnum):
    key_compromise = "key-compromise"
    superseded = "superseded"
    cessation_of_operation = "cessation-of-operation"
    affiliation_changed = "affiliation-changed"


def _since(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError as e:
        raise typer.BadParameter(f"{value!r} is not a date such as 2026-03-01 or 2026-03-01T09:30") from e
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


@pki_app.command("revoke")
def pki_revoke(
    ctx: typer.Context,
    cert: Annotated[Path, typer.Argument(help="Verifier certificate PEM.")],
    reason: Annotated[
        Reason,
        typer.Option(
            help="Why (CRLReason): key-compromise invalidates signatures "
            "made after --since; the others only later ones."
        ),
    ],
    since: Annotated[
        str | None,
        typer.Option(help="Date (UTC) from which the key is unsafe (InvalidityDate), e.g. 2026-03-01."),
    ] = None,
) -> None:
    """Revoke a verifier certificate: reissue the CRL with it listed, its reason and invalidity date."""
    from ecocluster import signing

    try:
        certificate = signing.load_certs(cert.read_bytes())[0]
    except OSError as e:
        raise typer.BadParameter(f"{cert}: {e.strerror}") from e
    crl = signing.revoke(
        home_of(ctx),
        certificate,
        _secret("ECOCLUSTER_CA_PASSWORD", "CA key password"),
        reason=reason.value,
        since=_since(since),
    )
    console.print(f"revoked ({reason.value}); new CRL: {crl}")


@pki_app.command("withdraw")
def pki_withdraw(
    ctx: typer.Context,
    statement: Annotated[Path, typer.Argument(help="The accreditation statement (JSON) this body issued.")],
    reason: Annotated[
        Reason,
        typer.Option(
            help="Why (CRLReason): cessation-of-operation for a withdrawal or suspension, superseded "
            "for a reissued statement; decisions attested before it takes effect stay valid."
        ),
    ],
    since: Annotated[
        str | None,
        typer.Option(help="Date (UTC) from which the accreditation no longer holds (default: now)."),
    ] = None,
) -> None:
    """Withdraw an accreditation statement before its end date: reissue the CRL with the statement listed."""
    from ecocluster import signing

    data = _must_be_file(statement, "STATEMENT", InputUnreadable).read_bytes()
    crl = signing.withdraw_accreditation(
        home_of(ctx),
        data,
        _secret("ECOCLUSTER_CA_PASSWORD", "CA key password"),
        reason=reason.value,
        since=_since(since),
    )
    console.print(f"withdrawn ({reason.value}); new CRL: {escape(str(crl))} (publish it to every reader)")


@pki_app.command("crl")
def pki_crl(ctx: typer.Context) -> None:
    """Reissue the CRL with a new nextUpdate (30 days); run it before the current one goes stale."""
    from ecocluster import signing

    crl = signing.refresh_crl(home_of(ctx), _secret("ECOCLUSTER_CA_PASSWORD", "CA key password"))
    console.print(f"new CRL: {crl}")


@pki_app.command("consulted")
def pki_consulted(
    ctx: typer.Context,
    accreditation_no: Annotated[str, ACCREDITATION_NO],
    member: Annotated[str, typer.Option("--member", help="The member concerned.")],
    note: Annotated[str, typer.Option(help="What the consultancy was, e.g. energy audit 2024.")] = "",
) -> None:
    """Record that a verifier consulted for a member: their approvals of it are then refused (rule conflict)."""  # noqa: E501  # the command's help: typer's command list keeps a docstring's line breaks
    from ecocluster import signing

    with connect(home_of(ctx).warehouse_path) as con:
        number = signing.mark_consulted(con, accreditation_no, member, note)
    console.print(
        f"recorded: verifier {number} consulted for member {escape(member)}; "
        "their approvals of it will be refused (rule conflict)"
    )


@review_app.command("export")
def review_export(
    ctx: typer.Context,
    member: Annotated[str, typer.Option("--member", help="The member concerned.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the review files into.")],
) -> None:
    """Write the member's current draft (JSON, PDF), check report and evidence list to OUT."""
    from ecocluster import signing

    home = home_of(ctx)
    require_known(home, members=[member])
    with connect(home.warehouse_path) as con:
        for path in signing.export_review(
            con, signing.open_store(home), member, out, trust=signing.trust_anchors(home)
        ):
            console.print(str(path))


# `sign` and `finding decide`: where the verifier's signatures are timestamped.
ACCREDITATION = typer.Option(
    "--accreditation",
    help="The accreditation body's signed accreditation statement for your certificate "
    "(`ecocluster pki accredit`), needed when a trust service provider issued it (a QES).",
)
# A statement is about 1 KB; anything far larger is not one and is not read whole.
_MAX_ACCREDITATION_BYTES = 64 * 1024


def _accreditation_file(path: Path | None) -> bytes | None:
    """The ``--accreditation`` file's bytes (judged by the rules, not here), or None."""
    if path is None:
        return None
    with _must_be_file(path, "--accreditation", InputUnreadable).open("rb") as f:
        data = f.read(_MAX_ACCREDITATION_BYTES + 1)
    if len(data) > _MAX_ACCREDITATION_BYTES:
        raise InputUnreadable(f"--accreditation {path} is larger than an accreditation statement can be")
    return data


TSA = typer.Option(
    "--tsa",
    help="RFC 3161 timestamp authority URL (default: [signing] tsa_url of --home, "
    "else ECOCLUSTER_TSA_URL); it must answer while signing.",
)
_SIGNER_HELP = (
    "Signer URI: file:KEY?cert=CERT (passphrase in ECOCLUSTER_KEY_PASSWORD), "
    "pkcs11:token=NAME;object=LABEL[?module-path=SO&cert=CERT] (PIN in ECOCLUSTER_TOKEN_PIN) or "
    "csc:https://SERVICE?credential=ID, a remote signing service (access token in ECOCLUSTER_CSC_TOKEN)."
)


def _signer_uri(signer: str | None, key: Path | None, cert: Path | None) -> str:
    """``--signer``, or ``--key/--cert`` as the ``file:`` URI they always meant."""
    from ecocluster.signing import signers

    if signer is not None and (key or cert):
        raise typer.BadParameter("give --signer or --key/--cert, not both")
    if signer is not None:
        return signer
    if key is None or cert is None:
        raise typer.BadParameter("name the signer: --signer URI, or --key and --cert")
    return signers.file_uri(key, cert)


def _signer_secrets() -> Secrets:
    from ecocluster.signing import signers

    return signers.env_secrets(prompt=lambda what: str(typer.prompt(what, hide_input=True)))


def _refuse_taken(folder: Path, name: str) -> None:
    """A signed decision is never overwritten: checked before the signer is even opened."""
    taken = sorted(folder.glob(f"{glob.escape(name)}.*")) if folder.is_dir() else []
    if taken:
        raise ConfigurationError(
            f"{taken[0]} exists; a signed decision is never overwritten: choose another --out"
        )


def _write_new(folder: Path, name: str, files: dict[str, bytes]) -> list[Path]:
    """Write ``NAME.suffix`` files, each created exclusively."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for suffix, data in files.items():
        with (folder / f"{name}.{suffix}").open("xb") as f:
            f.write(data)
        paths.append(folder / f"{name}.{suffix}")
    return paths


commands = typer.Typer()


@commands.command()
def approve(
    ctx: typer.Context,
    statement: Annotated[
        str,
        typer.Option(
            "--statement", help="Statement id or a unique prefix of it (as `statement show` takes)."
        ),
    ],
    signer: Annotated[str | None, typer.Option(help=_SIGNER_HELP)] = None,
    key: Annotated[
        Path | None,
        typer.Option(
            "--key",
            exists=True,
            dir_okay=False,
            help="The verifier's encrypted private key (PEM), any path (= --signer file:KEY?cert=CERT).",
        ),
    ] = None,
    cert: Annotated[
        Path | None,
        typer.Option(
            "--cert",
            exists=True,
            dir_okay=False,
            help="The verifier's certificate (PEM), any path; a chain.pem next to it is sent along.",
        ),
    ] = None,
    reject: Annotated[
        bool, typer.Option("--reject", help="Sign a rejection instead (give --reason).")
    ] = False,
    reason: Annotated[
        list[str] | None, typer.Option("--reason", help="Why the statement is rejected (repeatable).")
    ] = None,
    place: Annotated[str, typer.Option(help="Place of signature.")] = "",
    opinion: Annotated[
        str | None,
        typer.Option(
            "--opinion",
            help="satisfactory | with-comments | not-verified (a rejection); signed "
            "with the site visit and the review's recommended improvements.",
        ),
    ] = None,
    site_visit: Annotated[str, typer.Option("--site-visit", help="in-person | virtual | none")] = "none",
    accreditation: Annotated[Path | None, ACCREDITATION] = None,
) -> None:
    """Sign an approval (or --reject with --reason) of a draft statement and record it."""
    from ecocluster import signing, statements
    from ecocluster.signing import signers

    home = home_of(ctx)
    try:
        signed_opinion = None if opinion is None else signing.Opinion(opinion)
        visit = signing.SiteVisit(site_visit)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None
    reject = reject or signed_opinion is signing.Opinion.NOT_VERIFIED  # "not verified" is a rejection
    decision = signing.REJECTED if reject else signing.APPROVED
    uri = _signer_uri(signer, key, cert)
    tsa = signing.tsa_url(home)  # refused before the signer asks for a passphrase or PIN
    with connect(home.warehouse_path) as con, signers.open_signer(uri, _signer_secrets()) as chosen:
        statement_id = statements.show(con, statement).statement_id  # a unique prefix is enough
        verified = signing.approve(
            con,
            signing.open_store(home),
            signing.trust_anchors(home),
            statement_id,
            chosen,
            decision=decision,
            reasons=tuple(reason or ()),
            place=place,
            opinion=signed_opinion,
            site_visit=visit,
            tsa_url=tsa,
            accreditation=_accreditation_file(accreditation),
        )
    console.print(
        f"{plain(verified.decision)}: member {plain(verified.member_id)}, statement "
        f"{plain(verified.statement_id[:12])}…, verifier {plain(verified.verifier.accreditation_no)}",
        soft_wrap=True,
    )


@commands.command("sign")
def sign_cmd(
    ctx: typer.Context,
    request: Annotated[
        Path,
        typer.Argument(
            help="The review export folder (or the hand-off request / statement JSON beside its files)."
        ),
    ],
    signer: Annotated[str, typer.Option(help=_SIGNER_HELP)],
    out: Annotated[Path, typer.Option("--out", help="Folder for the decision files (new names only).")],
    tsa: Annotated[str | None, TSA] = None,
    reject: Annotated[
        bool, typer.Option("--reject", help="Sign a rejection instead (give --reason).")
    ] = False,
    reason: Annotated[
        list[str] | None,
        typer.Option("--reason", help="A reason for the rejection (repeat for several)."),
    ] = None,
    place: Annotated[str, typer.Option(help="Place of signature.")] = "",
    accreditation: Annotated[Path | None, ACCREDITATION] = None,
) -> None:
    """Verifier's machine, no warehouse: sign the decision on a reviewed draft, have the TSA timestamp
    it (NAME.tsr) and write the files to drop or upload to the coordinator's approvals inbox
    (inbox/approvals/). Offline (TSA unreachable) nothing is written: exit 75, sign again online."""
    from ecocluster import signing
    from ecocluster.signing import signers

    review = signing.read_review(request)
    _refuse_taken(out, review.name)
    url = tsa or signing.tsa_url(located_home(ctx))  # refused before the signer asks for a passphrase or PIN
    decision = signing.REJECTED if reject else signing.APPROVED
    with signers.open_signer(signer, _signer_secrets()) as chosen:
        signed = signing.sign_draft(
            review.draft,
            review.statement_json,
            chosen,
            tsa_url=url,
            decision=decision,
            reasons=tuple(reason or ()),
            place=place,
            roots=review.cas,
            crls=review.crls,
            accreditation=_accreditation_file(accreditation),
        )
    for path in _write_new(out, review.name, signed.files()):
        console.print(escape(str(path)))
    console.print(
        f"{decision}: member {escape(review.draft.member_id)}, statement {review.draft.statement_id[:12]}…; "
        "put these files into the coordinator's inbox/approvals/"
    )


@register_app.callback(invoke_without_command=True)
def register_cmd(
    ctx: typer.Context,
    member: Annotated[
        str | None, typer.Option("--member", help="Only this member (default: every approved one).")
    ] = None,
) -> None:
    """Build and deliver registration packages for approved members (`register feed`: the register's
    monthly change file)."""
    if ctx.invoked_subcommand is not None:  # `register feed`: nothing to load here
        return
    from ecocluster import signing

    home = home_of(ctx)
    with connect(home.warehouse_path) as con:
        if member is not None:
            why = signing.why_no_package(con, member)
            if why is not None:
                raise PackageNotBuilt(why)
        deliveries = signing.build_packages(
            con,
            signing.open_store(home),
            signing.trust_anchors(home),
            members=[member] if member else None,
        )
    for d in deliveries:
        what = "delivered" if d.new else "already delivered (unchanged)"
        console.print(
            f"{what}: {safe(d.member_id)} {d.reporting_year} -> {safe(d.key)}",
            emoji=False,
            soft_wrap=True,
        )
    new = sum(d.new for d in deliveries)
    console.print(
        f"{new} package(s) delivered, {len(deliveries) - new} already there"
        if deliveries
        else "no approved statement to package (approve statements first)",
        soft_wrap=True,
    )


@commands.command("intake-key")
def intake_key(
    ctx: typer.Context,
    country: Annotated[str, typer.Option("--country", help="The competent body's country code, e.g. IT.")],
    out: Annotated[
        Path | None,
        typer.Option(help="Folder for the body's key and certificate (default <home>/competent-body/<CC>)."),
    ] = None,
) -> None:
    """Competent body: create its own receipt-signing key (once; never replaced)."""
    from ecocluster import signing

    code = signing.check_country(country)
    home = home_of(ctx, create=True)  # a competent body's first command: it makes the body's home
    cert = signing.init_body_key(
        out or signing.body_key_folder(home, code),
        code,
        _secret("ECOCLUSTER_CB_PASSWORD", "new competent body key password"),
    )
    connect(home.warehouse_path).close()  # the body's register lives there: the home is made
    console.print(
        f"competent body {code}: key created; certificate {safe(cert)} "
        "(give it to readers of receipts: `ecocluster verify RECEIPT --trust CERT`)",
        emoji=False,
        soft_wrap=True,
    )


@commands.command()
def intake(
    ctx: typer.Context,
    country: Annotated[
        str, typer.Option("--country", help="The competent body's country code, e.g. IT.")
    ] = "IT",
    retry: Annotated[
        bool,
        typer.Option(
            "--retry",
            help="Look again at packages refused for a reason the body's own configuration may have caused.",
        ),
    ] = False,
    body_key: Annotated[
        Path | None,
        typer.Option("--body-key", help="Folder of the body's key (default <home>/competent-body/<CC>)."),
    ] = None,
) -> None:
    """Competent body: verify delivered packages, register or renew, write signed receipts."""
    from ecocluster import signing

    code = signing.check_country(country)  # an unknown country is refused before any home is looked at
    home = home_of(ctx)
    policy = _qualification_policy(home)  # an unusable trusted list is refused before any package
    with connect(home.warehouse_path) as con:
        receipts = signing.intake(
            home,
            con,
            signing.open_store(home),
            signing.trust_anchors(home),
            code,
            _secret("ECOCLUSTER_CB_PASSWORD", "competent body key password"),
            retry=retry,
            key_folder=body_key,
            qualification=policy,
        )
    for r in receipts:
        number = f" as {r.registration_no}" if r.registration_no else ""
        if r.outcome == "received":
            number = f" ({r.request_type}), waiting until {r.waiting_until}"
        why = f" (rule {r.rule}{', retriable with --retry' if r.retriable else ''})" if r.rule else ""
        console.print(
            f"{r.outcome}: {safe(r.member_id or 'unattributed package')}{safe(number)}{safe(why)}: "
            f"{safe(r.package_key)}\n    receipt: {safe(r.receipt_key)}",
            emoji=False,
            soft_wrap=True,
        )
        for reason in r.reasons:
            console.print(f"    {safe(reason)}", emoji=False, soft_wrap=True)
    shown = ("received", "registered", "renewed", "refused")
    counts = {o: sum(r.outcome == o for r in receipts) for o in shown}
    counts |= {o: n for o in signing.DECIDED if (n := sum(r.outcome == o for r in receipts))}
    console.print(
        ", ".join(f"{n} {o}" for o, n in counts.items())
        if receipts
        else f"nothing new in the {code} inbox"
        + ("" if retry else " (refusals are looked at again with --retry)")
    )


@commands.command()
def verify(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(help="Package (.tar or bag folder), approval envelope or receipt (.json).")
    ],
    trust: Annotated[
        list[Path] | None,
        typer.Option("--trust", help="Trusted CA PEM (for a receipt: the competent body's certificate)."),
    ] = None,
    cert: Annotated[Path | None, typer.Option(help="Verifier cert, for a bare envelope.")] = None,
    crl: Annotated[list[Path] | None, typer.Option(help="The accreditation body's current CRL PEM.")] = None,
    stored: Annotated[
        bool,
        typer.Option(
            "--stored",
            help="PATH is a package's key, or an approval's validated PDF's, in this home's "
            "object store: verify the version the pipeline wrote and its newest valid archive renewal.",
        ),
    ] = False,
    timestamp: Annotated[
        Path | None,
        typer.Option(help="RFC 3161 .tsr of a bare envelope (default: NAME.tsr beside NAME.dsse.json)."),
    ] = None,
    tsa_trust: Annotated[
        list[Path] | None,
        typer.Option("--tsa-trust", help="CA PEM (with its CRL) trusted for timestamp authorities."),
    ] = None,
    at: Annotated[
        datetime | None, typer.Option(help="Verify as of this UTC time (default now), e.g. years later.")
    ] = None,
) -> None:
    """Verify a package, an approval or a receipt offline; prints each check. Exit 0 only if all pass
    (for a bare envelope: a verified approval whose named verifier signed it), 3 if any fails, 65 for
    a PATH or --cert that is missing or a folder, 78 for unusable --trust/--crl files."""
    from ecocluster import signing

    for option, given in (("--trust", trust), ("--crl", crl)):
        for anchor in given or ():
            _must_be_file(anchor, option, ConfigurationError)
    if not stored and not path.exists():
        raise InputUnreadable(f"PATH {path} does not exist: give the path of a file")
    if (
        not stored
        and path.is_file()
        and path.suffix == ".json"
        and path.stat().st_size <= signing.MAX_RECEIPT_BYTES
        and signing.is_receipt(path.read_bytes())
    ):
        if not trust:
            raise ConfigurationError(
                "a receipt is checked against the competent body's certificate: pass it with --trust"
            )
        report = signing.verify_receipt(path.read_bytes(), signing.trust_anchors_from(tuple(trust)).cas)
        raise typer.Exit(0 if _print_checks(report.checks) else 3)
    home = located_home(ctx) if trust else home_of(ctx)  # with --trust no home is needed, and none is made
    anchors = signing.trust_anchors(
        home, cas=tuple(trust or ()), crls=tuple(crl or ()), tsa=tuple(tsa_trust or ())
    )
    now = at.replace(tzinfo=at.tzinfo or UTC) if at else None
    policy = _qualification_policy(home)  # with a trusted list configured, the QES is reported
    if stored:
        report = _verify_stored(_stored_package(ctx, path.as_posix()), anchors, policy, now)
    elif path.is_dir():
        report = signing.verify_package(path, anchors, qualification=policy, now=now)
    elif _must_be_file(path, "PATH", InputUnreadable).suffix == ".json":
        limits = signing.DEFAULT_LIMITS
        cert_file = (
            signing.InboxFile.from_path(
                _must_be_file(cert, "--cert", InputUnreadable), limits.certificate_bytes
            )
            if cert
            else b""
        )
        report = signing.verify_envelope(
            signing.InboxFile.from_path(path, limits.envelope_bytes),
            cert_file,
            anchors,
            limits=limits,
            timestamp=_timestamp_of(path, timestamp, limits),
            now=now,
            qualification=policy,
        )
    else:
        with path.open("rb") as handle:  # one byte past the limit is enough to refuse an oversized one
            report = signing.verify_archive(
                handle.read(signing.MAX_PACKAGE_BYTES + 1), anchors, qualification=policy, now=now
            )
    raise typer.Exit(0 if _print_checks(report.checks) else ApprovalRefused.exit_code)


def _verify_stored(
    versions: list[tuple[str, bytes]],
    anchors: TrustAnchors,
    policy: QualificationPolicy | None,
    now: datetime | None,
) -> PackageReport:
    """The newest archive renewal's report; an older generation (the original last) only when a
    newer one fails, so an original stays accepted while it is valid. Says which was verified."""
    from ecocluster import signing

    reports = []
    for key, data in versions:
        reports.append(signing.verify_archive(data, anchors, qualification=policy, now=now))
        if reports[-1].ok:
            if len(versions) > 1:
                which = "the original" if key == versions[-1][0] else f"archive renewal {key}"
                console.print(f"verified {plain(which)} ({len(versions) - 1} renewal(s) stored)")
            return reports[-1]
    return reports[0]


def _timestamp_of(envelope: Path, given: Path | None, limits: InboxLimits) -> bytes | None:
    """A bare envelope's RFC 3161 token: ``--timestamp``, else ``NAME.tsr`` beside ``NAME.dsse.json``;
    read within the envelope's size limit (a larger or missing one is refused by rule timestamp)."""
    from ecocluster.signing import InboxFile

    tsr = given or envelope.with_name(envelope.name.removesuffix(".dsse.json").removesuffix(".json") + ".tsr")
    return InboxFile.from_path(tsr, limits.envelope_bytes).data if tsr.is_file() else None


class PackageNotBuilt(EcoclusterError):
    """``register --member`` named a member that gets no package, with the reason."""

    exit_code = 65  # EX_DATAERR
