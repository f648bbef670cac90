"""Registration as competent bodies run it (issue 18): country profiles as data with the body's
overrides, request types from signed facts, waiting periods on a fake clock (intake's ``today``:
no registration number before the period ends), suspension and deletion of overdue entries with
notices before, and golden files per country profile for receipts and the monthly change file.

Packages are genuine (the DEMO verifier's, or ``forge``: really signed over an edited statement).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import duckdb
import pytest

from ecocluster import signing
from ecocluster.core.errors import ConfigurationError
from ecocluster.core.home import Home
from ecocluster.core.store import LocalStore
from ecocluster.signing import _feed, _intake, _overdue, _profiles
from ecocluster.signing._dsse import Envelope, canonical_json
from ecocluster.signing._offline import Check, Outcome
from ecocluster.signing._profiles import RequestType
from ecocluster.warehouse import desk
from ecocluster.warehouse.db import transaction
from tests.golden import assert_golden
from tests.signing import test_package_attacks
from tests.signing.rows import add_member
from tests.signing.test_package_attacks import CB, World, forge

world = test_package_attacks.world  # its module fixture: genuine IT-HOT-1, IT-HOT-2 and LV-NOV-1 packages
# A Monday; Latvia's Midsummer (23 and 24 June, and 22 June in 2026, moved from the 27th) come within
# 22 working days.
DAY = dt.date(2026, 6, 15)
COUNTRIES = ("IT", "LV", "DE", "NL", "ES")


# --- the profiles as data --------------------------------------------------------------------------------


def _paths(raw: dict[str, Any]) -> list[str]:
    """The profile's value paths as provenance names them: one level into each table but the calendar."""
    return [
        f"{key}.{sub}" if isinstance(value, dict) and key != "calendar" else key
        for key, value in raw.items()
        if key != "provenance"
        for sub in (value if isinstance(value, dict) and key != "calendar" else [""])
    ]


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_value_of_a_shipped_profile_says_where_it_comes_from(country) -> None:
    data = _profiles.shipped()
    raw = data["profiles"][country]
    provenance = raw["provenance"]
    assert sorted(_paths(raw)) == sorted(provenance), "each value has exactly one provenance line"
    for path, said in provenance.items():
        assert said.startswith(("cited: ", "assumption: ")), (path, said)
        if said.startswith("cited: "):
            assert any(source in said for source in data["sources"]), (path, said)


def test_the_issue_values_are_in_the_profiles() -> None:
    it, lv, de, nl, es = (_profiles.profile(c) for c in COUNTRIES)
    assert (it.waiting[RequestType.FIRST_REGISTRATION], it.channel) == (
        _profiles.Waiting(90, "calendar"),
        "online",
    )
    assert it.fee.for_member("medium", public_body=True) == "exempt (public body)"
    assert (
        it.fee.for_member("large", public_body=False)
        == "size class large: amount per the body's fee schedule"
    )
    assert (lv.waiting[RequestType.FIRST_REGISTRATION], lv.languages) == (
        _profiles.Waiting(22, "working"),
        ("lv",),
    )
    assert lv.fee.for_member("large", public_body=False) == "free"
    assert de.waiting[RequestType.FIRST_REGISTRATION] == _profiles.Waiting(28, "calendar")
    assert (nl.waiting[RequestType.FIRST_REGISTRATION].days, nl.objection_extension_days) == (14, 14)
    assert (es.channel, es.max_package_bytes, es.calendar) == ("online-only", 20 * 1024 * 1024, ("ES", "CT"))


def test_working_days_skip_weekends_and_the_countrys_holidays() -> None:
    lv = _profiles.profile("LV")
    assert lv.waiting_until(RequestType.FIRST_REGISTRATION, DAY) == dt.date(
        2026, 7, 20
    )  # 15 July without them
    assert lv.waiting_until(RequestType.ANNUAL_UPDATE, DAY) == DAY
    assert _profiles.profile("IT").waiting_until(RequestType.FIRST_REGISTRATION, DAY) == DAY + dt.timedelta(
        90
    )


def test_the_body_overrides_its_profile_and_a_mistyped_key_is_refused(home) -> None:
    home.config_path.write_text(
        '[register.IT]\nlanguages = ["it", "de"]\n'
        '[register.IT.waiting.renewal]\ndays = 5\nunit = "calendar"\n',
        encoding="utf-8",
    )
    it = _profiles.profile("IT", home)
    assert (it.languages, it.waiting[RequestType.RENEWAL].days, it.version.endswith("+config")) == (
        ("it", "de"),
        5,
        True,
    )
    for wrong, named in (
        ("[register.IT.waiting.first-registration]\ndayz = 3\n", "dayz"),
        ("[register.IT.waiting.first-registration]\nunit = 'working'\n", "calendar"),
        ("[register.IT.waiting.first-registration]\ndays = -1\n", "days"),
    ):
        home.config_path.write_text(wrong, encoding="utf-8")
        with pytest.raises(ConfigurationError, match=named):
            _profiles.profile("IT", home)


def test_a_country_without_a_shipped_profile_gets_the_default() -> None:
    fr = _profiles.profile("FR")
    assert fr.languages == () and fr.waiting[RequestType.FIRST_REGISTRATION].days == 0


# --- intake on a fake clock ---------------------------------------------------------------------------


@pytest.fixture
def body(home: Home) -> Callable[..., list[signing.Receipt]]:
    """The IT and LV competent bodies' intake in a fresh warehouse; ``today`` is the body's clock."""
    for country in ("IT", "LV"):
        signing.init_body_key(home.root / "competent-body" / country, country, CB)
    store = LocalStore(home.objects_dir)

    def run(
        con: duckdb.DuckDBPyConnection,
        world: World,
        packages: dict[str, bytes],
        today: dt.date,
        country: str = "IT",
    ) -> list[signing.Receipt]:
        for name, data in packages.items():
            store.put(f"competent-body/{country}/inbox/CL/{name}.tar", data)
        return signing.intake(home, con, store, world.trust, country, CB, today=today)

    run.store = store  # type: ignore[attr-defined]
    return run


def _numbers(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return con.execute("SELECT member_id, registration_no, status FROM body_register ORDER BY all").fetchall()


def _predicate(store: LocalStore, key: str) -> dict[str, Any]:
    return dict(Envelope.from_json(store.get(key)).statement()["predicate"])


def test_no_number_before_the_italian_90_days_end(world, con, body) -> None:
    [received] = body(con, world, {"hot-2": world.packages["IT-HOT-2"]}, DAY)
    until = DAY + dt.timedelta(days=90)
    assert (received.outcome, received.registration_no, received.waiting_until) == ("received", None, until)
    assert received.message == f"received, waiting until {until}"
    predicate = _predicate(body.store, received.receipt_key)
    assert (predicate["message"], predicate["requestType"], predicate["registrationNo"]) == (
        f"received, waiting until {until}",
        "first-registration",
        None,
    )
    assert _numbers(con) == [] and json.loads(_feed.month_file(con, "IT", "2026-06"))["changes"] == []
    assert body(con, world, {}, until - dt.timedelta(days=1)) == []  # a day early: still nothing
    assert _numbers(con) == []
    [done] = body(con, world, {}, until)
    assert (done.outcome, done.registration_no, done.request_type) == (
        "registered",
        "IT-000001",
        "first-registration",
    )
    assert _predicate(body.store, done.receipt_key)["receivedOn"] == DAY.isoformat()
    assert _numbers(con) == [("IT-HOT-2", "IT-000001", "active")]
    [change] = json.loads(_feed.month_file(con, "IT", until.strftime("%Y-%m")))["changes"]
    assert (change["action"], change["date"]) == ("registered", until.isoformat())
    assert body(con, world, {}, until + dt.timedelta(days=400)) == []  # completed once


def test_latvia_waits_22_working_days_and_takes_latvian_only(world, con, body) -> None:
    [received] = body(con, world, {"nov-1": world.packages["LV-NOV-1"]}, DAY, country="LV")
    assert (received.outcome, received.waiting_until) == ("received", dt.date(2026, 7, 20))
    assert body(con, world, {}, dt.date(2026, 7, 17), country="LV") == []
    [done] = body(con, world, {}, dt.date(2026, 7, 20), country="LV")
    assert (done.outcome, done.registration_no) == ("registered", "LV-000001")
    italian = forge(world, "LV-NOV-1", edit=_set("language", "it"))
    [refused] = body(con, world, {"nov-1-it": italian}, dt.date(2026, 8, 3), country="LV")
    assert (refused.outcome, refused.rule) == ("refused", "language")
    assert "takes applications in lv" in refused.reasons[-1]


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(statement: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = statement
        for part in parents:
            target = target[part]
        target[last] = value

    return edit


def _edits(*edits: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def edit(statement: dict[str, Any]) -> None:
        for one in edits:
            one(statement)

    return edit


def _site(site_id: str) -> Callable[[dict[str, Any]], None]:
    def edit(statement: dict[str, Any]) -> None:
        statement["sites"].append({"site_id": site_id, "name": "Rifugio", "address": "Passo del Cerreto"})

    return edit


def test_each_request_type_from_the_signed_statement_with_its_own_checks(world, con, body, home) -> None:
    home.config_path.write_text("[register.IT.waiting.first-registration]\ndays = 0\n", encoding="utf-8")
    [first] = body(con, world, {"first": world.packages["IT-HOT-2"]}, DAY)
    assert (first.outcome, first.request_type) == ("registered", "first-registration")
    year = json.loads(world.files()["data/statement.json"])["reporting_year"]
    updated, renamed = _set("kind", "updated"), _set("organisation.legal_name", "Hotel Nuovo Srl")
    cases = [  # each compared with the register as the cases before left it
        ("update", updated, "updated", "annual-update", None),
        ("renewal", None, "renewed", "renewal", None),
        ("site", _site("S-NEW"), "extended", "extension", None),
        ("transfer", _edits(_site("S-NEW"), renamed), "transferred", "transfer", None),
        (
            "site-updated",
            _edits(_site("S-NEW"), _site("S-TWO"), renamed, updated),
            "refused",
            "extension",
            "statement-kind",
        ),
    ]
    for n, (name, edit, outcome, request, rule) in enumerate(cases, 1):
        [receipt] = body(con, world, {name: forge(world, edit=edit)}, DAY + dt.timedelta(days=n))
        assert (receipt.outcome, receipt.request_type, receipt.rule) == (outcome, request, rule), receipt
        checks = {c["name"] for c in _predicate(body.store, receipt.receipt_key)["checks"]}
        assert {"request-type", "language", "fee"} <= checks
    con.execute("UPDATE body_register SET last_reporting_year = ?", [year + 1])  # a later year registered
    older = forge(world, edit=_edits(_site("S-NEW"), renamed, updated))
    [receipt] = body(con, world, {"older": older}, DAY + dt.timedelta(days=30))
    assert (receipt.outcome, receipt.request_type, receipt.rule) == (
        "refused",
        "annual-update",
        "reporting-year",
    )
    assert _numbers(con) == [("IT-HOT-2", "IT-000001", "active")]
    actions = [c["action"] for c in json.loads(_feed.month_file(con, "IT", "2026-06"))["changes"]]
    assert actions == ["registered", "updated", "renewed", "extended", "transferred"]


def test_the_attachment_limit_refuses_a_larger_package(world, con, body, home) -> None:
    home.config_path.write_text("[register.IT.attachments]\nmaxPackageBytes = 1000\n", encoding="utf-8")
    [refused] = body(con, world, {"big": world.packages["IT-HOT-2"]}, DAY)
    assert (refused.outcome, refused.rule, refused.registration_no) == ("refused", "attachments", None)
    assert "at most 1,000 bytes" in refused.reasons[-1]


def test_a_file_over_the_per_file_limit_is_refused_by_name(world, con, body, home) -> None:
    pdf = len(world.files()["data/statement-validated.pdf"])
    home.config_path.write_text(
        f"[register.IT.attachments]\nmaxFileBytes = {pdf - 1}\n", encoding="utf-8"
    )  # every other file of the package is far smaller than its statement PDF
    [refused] = body(con, world, {"big": world.packages["IT-HOT-2"]}, DAY)
    assert (refused.outcome, refused.rule, refused.registration_no) == ("refused", "attachment-size", None)
    assert refused.member_id == "IT-HOT-2"  # the rest was verified: the refusal is attributed
    [reason] = refused.reasons
    assert reason.startswith("attachment-size (data/statement-validated.pdf): FAIL")
    assert f"{pdf:,} bytes" in reason

    largest = max(len(data) for data in world.files("IT-HOT-1").values())
    home.config_path.write_text(f"[register.IT.attachments]\nmaxFileBytes = {largest}\n", encoding="utf-8")
    [fits] = body(con, world, {"fits": world.packages["IT-HOT-1"]}, DAY)  # a package refused stays refused
    assert (fits.outcome, fits.rule) == ("received", None)
    checks = {c["name"]: c for c in _predicate(body.store, fits.receipt_key)["checks"]}
    assert checks["attachments-per-file"]["outcome"] == "PASS"


def test_a_type_the_body_does_not_take_or_a_file_of_another_type_than_its_name_is_refused(
    world, con, body, home
) -> None:
    from ecocluster.signing._package import tar_bytes

    home.config_path.write_text(  # a body whose system takes no RFC 3161 token files
        '[register.IT.attachments]\ntypes = ["application/pdf", "application/json", "text/plain", '
        '"application/pem-certificate-chain"]\n',
        encoding="utf-8",
    )
    [refused] = body(con, world, {"tsr": world.packages["IT-HOT-2"]}, DAY)
    assert (refused.outcome, refused.rule) == ("refused", "attachment-type")
    assert refused.reasons == (
        "attachment-type (data/approval.tsr): FAIL: application/timestamp-reply; the IT competent body "
        "takes application/pdf, application/json, text/plain, application/pem-certificate-chain",
    )

    home.config_path.write_text(
        '[register.IT.attachments]\ntypes = ["application/pdf", "application/json", "text/plain", '
        '"application/pem-certificate-chain", "application/timestamp-reply", "image/png"]\n',
        encoding="utf-8",
    )
    files = world.files()
    files["data/statement-validated.pdf"] = b"\x89PNG\r\n\x1a\n" + bytes(64)  # PNG is taken, not as .pdf
    [swapped] = body(con, world, {"png": tar_bytes(files)}, DAY)
    assert (swapped.outcome, swapped.rule) == ("refused", "attachment-type")
    assert swapped.reasons[0] == (
        "attachment-type (data/statement-validated.pdf): FAIL: the content is image/png but the name says "
        "application/pdf; the file was replaced"
    )  # named first, before what the offline verification finds wrong with the replaced file
    assert len(swapped.reasons) > 1


def test_the_types_a_profile_may_name_are_the_types_judged() -> None:
    from ecocluster.signing import _attachments

    assert sorted(_profiles.KNOWN_TYPES) == sorted(_attachments.JUDGED)


def test_the_spanish_profile_bounds_each_file_and_its_type() -> None:
    es = _profiles.profile("ES")
    assert es.attachments.max_file_bytes == 10 * 1024 * 1024
    assert es.attachments.types is not None and "application/pdf" in es.attachments.types
    assert _profiles.profile("IT").attachments == _profiles.AttachmentLimits(None, None)


def test_an_unknown_attachment_type_in_the_configuration_is_refused(home) -> None:
    home.config_path.write_text(
        '[register.IT.attachments]\ntypes = ["application/x-msdownload"]\n', encoding="utf-8"
    )
    with pytest.raises(ConfigurationError, match=r"attachments\.types"):
        _profiles.profile("IT", home)


# --- overdue: notices, suspension, deletion -----------------------------------------------------------


def test_an_overdue_update_is_noticed_then_suspended_then_deleted_and_in_the_feed(
    world, con, body, home
) -> None:
    home.config_path.write_text("[register.IT.waiting.first-registration]\ndays = 0\n", encoding="utf-8")
    [first] = body(con, world, {"first": world.packages["IT-HOT-2"]}, DAY)
    due = dt.date(2027, 6, 15)  # a year after the statement taken in (no derogation claimed)

    def sweep(today: dt.date) -> list[tuple[str, str]]:
        done = signing.register_sweep(home, con, body.store, "IT", CB, today=today)
        return [(n.threshold, n.member_id) for n in done.notices]

    assert sweep(due - dt.timedelta(days=31)) == []
    assert sweep(due - dt.timedelta(days=30)) == [("30", "IT-HOT-2")]
    assert sweep(due - dt.timedelta(days=29)) == []  # sent once
    assert sweep(due - dt.timedelta(days=3)) == [("7", "IT-HOT-2")]
    assert _numbers(con) == [("IT-HOT-2", "IT-000001", "active")]
    assert sweep(due) == []
    assert sweep(due + dt.timedelta(days=1)) == [("suspended", "IT-HOT-2")]
    assert _numbers(con) == [("IT-HOT-2", "IT-000001", "suspended")]
    suspended_on = due + dt.timedelta(days=1)
    assert sweep(suspended_on + dt.timedelta(days=364)) == []
    assert sweep(suspended_on + dt.timedelta(days=365)) == [("deleted", "IT-HOT-2")]
    assert _numbers(con) == [("IT-HOT-2", "IT-000001", "deleted")]
    add_member(con, "IT-HOT-2", cluster="CL-IT")
    assert desk.registered_organisations(con) == []  # no longer in the public register
    notice = con.execute(
        "SELECT notice_key FROM body_register_notice WHERE threshold = 'suspended'"
    ).fetchone()
    predicate = _predicate(body.store, notice[0])
    assert (predicate["requestType"], predicate["registrationNo"]) == ("suspension", "IT-000001")
    assert "was not received" in predicate["message"]
    months = [f"{y}-{m:02d}" for y in (2026, 2027, 2028) for m in range(1, 13)]
    files = [_feed.month_file(con, "IT", m) for m in months]
    assert [c["action"] for f in files for c in json.loads(f)["changes"]] == [
        "registered",
        "suspended",
        "deleted",
    ]
    assert _feed.replay(files) == _feed.register(con, "IT")
    # the deleted organisation comes back: a first registration again, with the number it had
    [again] = body(con, world, {"again": forge(world)}, dt.date(2028, 9, 1))
    assert (again.outcome, again.request_type, again.registration_no) == (
        "registered",
        "first-registration",
        first.registration_no,
    )


# --- golden files per country profile ---------------------------------------------------------------


def _receipt_facts(country: str, outcome: str) -> _intake.ReceiptFacts:
    rules = _profiles.profile(country)
    received = dt.date(2026, 3, 2)
    until = rules.waiting_until(RequestType.FIRST_REGISTRATION, received)
    waiting = outcome == "received"
    return _intake.ReceiptFacts(
        package_key=f"competent-body/{country}/inbox/CL-1/M-1-2025.tar",
        package_sha256="ab" * 32,
        competent_body=f"CN=EMAS competent body {country}",
        profile=rules,
        member_id=f"{country}-M-1",
        outcome=outcome,
        registration_no=None if waiting else f"{country}-000001",
        rule=None,
        retriable=False,
        date=received if waiting else until,
        attempt=1,
        checks=(
            Check("request-type", Outcome.PASS, f"first-registration: {country}-M-1 is not in the register"),
            Check("fee", Outcome.PASS, rules.fee.for_member("small", public_body=False)),
            Check(
                "waiting-period", Outcome.PASS, f"{rules.waiting[RequestType.FIRST_REGISTRATION].describe()}"
            ),
        ),
        request_type=RequestType.FIRST_REGISTRATION,
        received_on=received,
        waiting_until=until,
    )


@pytest.mark.parametrize("outcome", ["received", "registered"])
@pytest.mark.parametrize("country", COUNTRIES)
def test_receipts_match_the_golden_files(country, outcome) -> None:
    statement = _intake.receipt_statement(_receipt_facts(country, outcome))
    assert_golden(f"receipts/{country}-{outcome}.json", canonical_json(statement))


@pytest.mark.parametrize("country", COUNTRIES)
def test_the_monthly_change_file_matches_the_golden_file(con, country) -> None:
    """Two first registrations received in February are decided when the profile's waiting period
    ends; the first is suspended the day after the second: that month's file per country."""
    rules = _profiles.profile(country)
    decided = [
        rules.waiting_until(RequestType.FIRST_REGISTRATION, received)
        for received in (dt.date(2026, 2, 2), dt.date(2026, 2, 20))
    ]
    for n, day in enumerate(decided, 1):
        with transaction(con):
            _feed.enter(con, country, f"{country}-M-{n}", f"{n:064x}", day)
    suspended = decided[-1] + dt.timedelta(days=1)
    with transaction(con):
        _feed.set_status(con, country, f"{country}-M-1", RequestType.SUSPENSION, suspended)
    month = _feed.month_file(con, country, suspended.strftime("%Y-%m"))
    assert json.loads(month)["changes"][-1]["action"] == "suspended"
    assert_golden(f"register-feed/profile-{country}.json", month)


def test_a_notice_statement_is_stable() -> None:
    rules = _profiles.profile("LV")
    notice = _overdue.Notice("LV-M-1", "LV-000001", dt.date(2027, 6, 15), "30", "due soon", "k")
    statement = _overdue.notice_statement(rules, "CN=EMAS competent body LV", notice, dt.date(2027, 5, 16))
    predicate = statement["predicate"]
    assert isinstance(predicate, dict) and predicate["requestType"] is None  # a notice, no request
    assert_golden("notices/LV-30.json", canonical_json(statement))


def test_the_cli_says_received_and_until_when_and_the_sweep_completes_nothing_early(world, home) -> None:
    test_package_attacks._body_home(world, home)
    assert test_package_attacks.cli(home, "intake-key", "--country", "IT").exit_code == 0
    LocalStore(home.objects_dir).put("competent-body/IT/inbox/CL/hot-2.tar", world.packages["IT-HOT-2"])
    taken = test_package_attacks.cli(home, "intake", "--country", "IT")
    until = dt.date.today() + dt.timedelta(days=90)
    assert taken.exit_code == 0, taken.output
    assert f"received: IT-HOT-2 (first-registration), waiting until {until}" in taken.output, taken.output
    assert "1 received, 0 registered, 0 renewed, 0 refused" in taken.output
    swept = test_package_attacks.cli(home, "register", "sweep", "--country", "IT")
    assert swept.exit_code == 0 and "0 request(s) completed, 0 notice(s) sent in IT" in swept.output, (
        swept.output
    )
