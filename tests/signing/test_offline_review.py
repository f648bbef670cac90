"""The offline review (issue 18): the review export carries the findings and their evidence, the
verifier signs decisions on their own machine with no warehouse, and the coordinator imports the
answers file, parsed once as hostile input: each decision verified alone against the coordinator's
trust anchors, refusals named and recorded in review_import, the others applied, a second import a
no-op. Real warehouse, local store, real PKI and signatures, real files.
"""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path

import pytest

from ecocluster import signing
from ecocluster.core.errors import ReviewRefused
from ecocluster.core.store import LocalStore
from ecocluster.signing import _bundle, _decisions, _dsse, _pki, signers
from ecocluster.signing._records import approval_context
from tests.fixtures_tsa import stamp
from tests.signing.rows import blank_pdf, ready_member

MEMBER = "IT-CL-001"


@pytest.fixture
def store(home) -> LocalStore:
    return LocalStore(home.objects_dir)


@pytest.fixture
def sid(con, store) -> str:
    return ready_member(con, store, MEMBER)


def _signer(verifier) -> signers.Signer:
    return signers.from_key(verifier.key, verifier.cert, (), "test")


def _raise(
    con, sid, kind: str = "request-for-information", text: str = "Show the 2025 invoices"
) -> signing.Finding:
    return signing.raise_finding(con, sid, kind, text, by="verifier")


def _answer(con, store, tmp_path: Path, finding: signing.Finding, text: str = "Invoices attached") -> None:
    pdf = tmp_path / f"{finding.finding_id}.pdf"
    pdf.write_bytes(blank_pdf(text))
    signing.answer_finding(con, store, finding.finding_id, text, by="member", files=(pdf,))


def _states(con, *found: signing.Finding) -> list[str]:
    return [signing.finding(con, f.finding_id).state.value for f in found]


def _imports(con) -> list[tuple[str, str, str | None]]:
    rows: list[tuple[str, str, str | None]] = con.execute(
        "SELECT item, outcome, rule FROM review_import ORDER BY item"
    ).fetchall()
    return rows


def test_decisions_signed_offline_are_imported_once(con, store, sid, pki, tmp_path) -> None:
    rfi, wrong, thin = _raise(con, sid), _raise(con, sid, "misstatement"), _raise(con, sid, "non-conformity")
    _answer(con, store, tmp_path, rfi)
    _answer(con, store, tmp_path, thin, "A procedure exists")
    folder = tmp_path / "review"
    written = signing.export_review(con, store, MEMBER, folder)
    assert folder / "findings.json" in written and len(list((folder / "evidence").iterdir())) == 2
    exported = json.loads((folder / "findings.json").read_text())
    assert {f["findingId"] for f in exported["findings"]} == {
        rfi.finding_id,
        wrong.finding_id,
        thin.finding_id,
    }

    choices = signing.decision_choices(
        [rfi.finding_id],
        [f"{thin.finding_id}=Show that it is applied"],
        [f"{wrong.finding_id}=withdrawn: my reading error"],
    )
    answers = signing.decide_offline(folder, choices, _signer(pki.verifier))
    assert len(json.loads(answers)["timestamps"]) == 3  # one RFC 3161 token per decision

    outcomes = signing.import_answers(con, pki.trust(), answers)
    assert [(o.finding_id, o.outcome) for o in outcomes] == [
        (rfi.finding_id, "applied"),
        (thin.finding_id, "applied"),
        (wrong.finding_id, "applied"),
    ]
    assert _states(con, rfi, wrong, thin) == ["accepted", "closed", "open"]
    assert [e.actor for e in signing.review_events(con, rfi.finding_id)][-1] == "Giulia Verdi (IT-V-0001)"
    assert approval_context(con, MEMBER).open_findings == (f"{thin.finding_id} (non-conformity, open)",)
    assert (
        len(approval_context(con, MEMBER).resolutions) == 2
    )  # both resolved ones carry their signed decision

    again = signing.import_answers(con, pki.trust(), answers)
    assert [o.outcome for o in again] == ["already"] * 3
    assert con.execute("SELECT count(*) FROM review_decision").fetchone() == (3,)
    assert _imports(con) == [
        ("decision 1", "already", None),
        ("decision 2", "already", None),
        ("decision 3", "already", None),
    ]


def _decision_file(pki, decisions: list[bytes], cert=None, timestamps: list[bytes] | None = None) -> bytes:
    """An answers file as `finding decide` writes it: each decision with the session TSA's token
    over its signature (some bytes for one that is no envelope: an earlier rule refuses it), unless
    ``timestamps`` gives others."""
    tokens = [stamp(d) or b"no envelope" for d in decisions] if timestamps is None else timestamps
    return _dsse.canonical_json(
        {
            "format": _bundle.ANSWERS_FORMAT,
            "certificate": _pki.pem(cert or pki.verifier.cert).decode(),
            "decisions": [d.decode() for d in decisions],
            "timestamps": [base64.b64encode(t).decode() for t in tokens],
        }
    )


def test_a_decision_without_its_timestamp_or_with_another_ones_is_refused(
    con, store, sid, pki, tmp_path
) -> None:
    """Rule timestamp: an answers file without tokens (an older `finding decide`), or with one
    decision's token on another, applies nothing; the decision's time is the token's, not decidedAt."""
    one, two = _raise(con, sid), _raise(con, sid, "misstatement")
    folder = tmp_path / "review"
    signing.export_review(con, store, MEMBER, folder)
    exported = _bundle.read_findings(folder)
    first, second = (
        _decisions.seal(exported[f.finding_id].facts, "closed", _signer(pki.verifier)) for f in (one, two)
    )
    bare = json.loads(_decision_file(pki, [first, second]))
    del bare["timestamps"]
    missing = signing.import_answers(con, pki.trust(), json.dumps(bare).encode())
    assert [(o.outcome, o.rule) for o in missing] == [("refused", "timestamp")] * 2
    assert all("no RFC 3161 timestamp" in o.message for o in missing)
    swapped = signing.import_answers(
        con, pki.trust(), _decision_file(pki, [first, second], timestamps=[stamp(second), stamp(first)])
    )
    assert [(o.outcome, o.rule) for o in swapped] == [("refused", "timestamp")] * 2
    assert all("another signature" in o.message for o in swapped)
    assert _states(con, one, two) == ["open", "open"]
    assert con.execute("SELECT count(*) FROM review_decision").fetchone() == (0,)


HOSTILE_TIMESTAMPS = {
    "one token for two decisions": ["AAAA"],
    "not texts": [1, 2],
    "not base64": ["not base64!", "AAAA"],
    "too large": ["A" * (_bundle.MAX_TIMESTAMP_BYTES * 2), "AAAA"],
}


@pytest.mark.parametrize("case", sorted(HOSTILE_TIMESTAMPS))
def test_hostile_timestamps_refuse_the_answers_file_whole(con, pki, sid, case) -> None:
    doc = json.loads(_decision_file(pki, [b"{}", b"{}"]))
    doc["timestamps"] = HOSTILE_TIMESTAMPS[case]
    [outcome] = signing.import_answers(con, pki.trust(), json.dumps(doc).encode())
    assert (outcome.item, outcome.outcome, outcome.rule) == ("file", "refused", "review-answers")
    assert "timestamps" in outcome.message


HOSTILE_FILES = {
    "not JSON": b"\x89PNG\r\n",
    "duplicate keys": (
        b'{"format": "ecocluster/review-answers/v1", "format": "x", "certificate": "", "decisions": []}'
    ),
    "another format": json.dumps(
        {"format": "ecocluster/review-findings/v1", "certificate": "x", "decisions": ["{}"]}
    ).encode(),
    "no decisions": json.dumps(
        {"format": _bundle.ANSWERS_FORMAT, "certificate": "x", "decisions": []}
    ).encode(),
    "decisions not texts": json.dumps(
        {"format": _bundle.ANSWERS_FORMAT, "certificate": "x", "decisions": [{"payload": ""}]}
    ).encode(),
    "certificate not PEM": json.dumps(
        {"format": _bundle.ANSWERS_FORMAT, "certificate": "-----BEGIN CERTIFICATE-----", "decisions": ["{}"]}
    ).encode(),
    "too large": b" " * (_bundle.MAX_ANSWERS_BYTES + 1),
    "nested deep": b"[" * 100_000,
}


@pytest.mark.parametrize("case", sorted(HOSTILE_FILES))
def test_a_hostile_answers_file_is_refused_whole_by_rule_and_recorded(con, pki, sid, case) -> None:
    found = _raise(con, sid)
    [outcome] = signing.import_answers(con, pki.trust(), HOSTILE_FILES[case])
    assert (outcome.item, outcome.outcome, outcome.rule) == ("file", "refused", "review-answers")
    assert _imports(con) == [("file", "refused", "review-answers")]
    assert _states(con, found) == ["open"]


def test_each_decision_is_judged_alone(con, store, sid, pki, tmp_path) -> None:
    good, late, gone, done = (_raise(con, sid, text=f"finding {n}") for n in range(4))
    _answer(con, store, tmp_path, good)
    _answer(con, store, tmp_path, done)
    folder = tmp_path / "review"
    signing.export_review(con, store, MEMBER, folder)
    signer = _signer(pki.verifier)
    exported = _bundle.read_findings(folder)
    forged_ca_key, forged_ca = _pki.create_ca("Forged Accreditation Body")
    forged_key = _pki.new_key()
    forged = signers.from_key(
        forged_key,
        _pki.issue_verifier(
            forged_ca_key,
            forged_ca,
            forged_key.public_key(),
            name="Giulia Verdi",
            accreditation_no="IT-V-0001",
            nace_scope=("55.10",),
        ),
        (),
        "forged",
    )

    def seal(f, event, who=signer):
        return _decisions.seal(exported[f.finding_id].facts, event, who)

    tampered = json.loads(seal(good, "closed"))
    tampered["payload"] = base64.b64encode(
        base64.b64decode(tampered["payload"]).replace(b'"event":"closed"', b'"event":"accepted"')
    ).decode()
    unknown = _decisions.seal(
        replace(exported[good.finding_id].facts, finding_id="F-000000000000"), "closed", signer
    )
    # After the export: the member answers `late`, the verifier accepts `done` online.
    _answer(con, store, tmp_path, late, "Here it is after all")
    signing.accept_finding(con, done.finding_id, by="verifier", signer=signer)
    decisions = [
        seal(good, "accepted"),
        json.dumps(tampered).encode(),
        unknown,
        seal(late, "closed"),
        seal(done, "reopened"),
        seal(gone, "closed", forged),
        b"not an envelope",
    ]
    outcomes = signing.import_answers(con, pki.trust(), _decision_file(pki, decisions))
    assert [(o.outcome, o.rule) for o in outcomes] == [
        ("applied", None),
        ("refused", "finding-decision"),
        ("refused", "finding-unknown"),
        ("refused", "finding-stale"),
        ("refused", "finding-transition"),
        ("refused", "finding-decision"),
        ("refused", "finding-decision"),
    ]
    assert all(
        "not signed by the key" in outcomes[n].message for n in (1, 5)
    )  # the file's certificate is not its key
    assert _states(con, good, late, gone, done) == ["accepted", "answered", "open", "accepted"]
    assert [r[1:] for r in _imports(con)] == [(o.outcome, o.rule) for o in outcomes]
    # The forger's own certificate with it: signed, but not by an accredited verifier the coordinator trusts.
    [alone] = signing.import_answers(
        con, pki.trust(), _decision_file(pki, [seal(gone, "closed", forged)], cert=forged.certificate)
    )
    assert (alone.outcome, alone.rule) == ("refused", "finding-decision") and "rule chain" in alone.message
    assert _states(con, gone) == ["open"]


def test_the_verifier_signs_only_what_the_export_holds(con, store, sid, pki, tmp_path) -> None:
    found, untouched = _raise(con, sid), _raise(con, sid, "misstatement")
    _answer(con, store, tmp_path, found)
    folder = tmp_path / "review"
    signing.export_review(con, store, MEMBER, folder)
    with pytest.raises(ReviewRefused) as caught:  # accepting a finding nobody answered
        signing.decide_offline(folder, [(untouched.finding_id, "accepted", "")], _signer(pki.verifier))
    assert caught.value.rule == "finding-transition"
    with pytest.raises(ReviewRefused, match="not among the exported findings"):
        signing.decide_offline(folder, [("F-000000000000", "closed", "")], _signer(pki.verifier))
    [evidence] = (folder / "evidence").iterdir()
    evidence.write_bytes(b"%PDF-1.7 another file")
    with pytest.raises(ReviewRefused) as caught:
        signing.decide_offline(folder, [(found.finding_id, "accepted", "")], _signer(pki.verifier))
    assert caught.value.rule == "review-bundle" and "changed" in str(caught.value)
    with pytest.raises(ReviewRefused, match="say why"):
        signing.decision_choices([], [found.finding_id], [])


def test_export_decide_and_import_commands(con, store, sid, home, tmp_path, capsys, monkeypatch) -> None:
    from ecocluster.signing import _keys
    from tests.cli import run_cli

    verifier = _keys.demo_verifier(home)  # the home trusts the DEMO accreditation body
    found, other = _raise(con, sid), _raise(con, sid, "misstatement")
    _answer(con, store, tmp_path, found)
    con.close()

    def cli(*args):
        return run_cli(capsys, monkeypatch, home.root, *args)

    monkeypatch.setenv("ECOCLUSTER_KEY_PASSWORD", _keys.DEMO_PASSWORD.decode())

    assert cli("review", "export", "--member", MEMBER, "--out", str(tmp_path / "review")).returncode == 0
    answers = tmp_path / "answers.json"
    decided = cli(
        "finding",
        "decide",
        str(tmp_path / "review"),
        "--signer",
        signers.file_uri(verifier.key, verifier.cert),
        "--accept",
        found.finding_id,
        "--close",
        f"{other.finding_id}=withdrawn",
        "--out",
        str(answers),
    )
    assert decided.returncode == 0 and "2 signed decision(s)" in decided.stdout, (
        decided.stdout + decided.stderr
    )
    again = cli(
        "finding",
        "decide",
        str(tmp_path / "review"),
        "--signer",
        "file:/x",
        "--close",
        other.finding_id,
        "--out",
        str(answers),
    )
    assert again.returncode == 78 and "never overwritten" in again.stdout + again.stderr
    offline = cli(
        "finding",
        "decide",
        str(tmp_path / "review"),
        "--signer",
        signers.file_uri(verifier.key, verifier.cert),
        "--close",
        other.finding_id,
        "--tsa",
        "http://127.0.0.1:9/",  # the discard port: no TSA answers, so no decision is written
        "--out",
        str(tmp_path / "offline.json"),
    )
    assert offline.returncode == 75 and "http://127.0.0.1:9/" in offline.stdout + offline.stderr
    assert not (tmp_path / "offline.json").exists()

    imported = cli("finding", "import", str(answers))
    assert imported.returncode == 0 and "2 applied or already there, 0 refused" in imported.stdout, (
        imported.stdout
    )
    assert "0 refused" in cli("finding", "import", str(answers)).stdout
    hostile = tmp_path / "hostile.json"
    hostile.write_bytes(b'{"format": "ecocluster/review-answers/v1"}')
    refused = cli("finding", "import", str(hostile))
    assert refused.returncode == 65 and "rule review-answers" in refused.stdout
    missing = cli("finding", "import", str(tmp_path / "nothing.json"))
    assert missing.returncode == 65 and "cannot read it" in missing.stdout + missing.stderr
    assert "0 blocking" in cli("finding", "list").stdout


def test_an_upload_for_one_finding_must_be_that_findings_one_decision_by_the_uploader(
    con, store, sid, pki, tmp_path
) -> None:
    """What the portal's signed close asks of `import_answers` (ExpectedDecision): one decision, on
    the finding uploaded for, signed by the verifier who uploads it; each refusal named and recorded."""
    mine, other = _raise(con, sid, text="mine"), _raise(con, sid, text="other")
    folder = tmp_path / "review"
    signing.export_review(con, store, MEMBER, folder)
    signer = _signer(pki.verifier)
    both = signing.decide_offline(
        folder, [(mine.finding_id, "closed", ""), (other.finding_id, "closed", "")], signer
    )
    on_other = signing.decide_offline(folder, [(other.finding_id, "closed", "")], signer)
    second = pki.issue(accreditation_no="IT-V-0002")  # accredited too, but not the uploader
    by_second = signing.decide_offline(folder, [(mine.finding_id, "closed", "")], _signer(second))
    good = signing.decide_offline(folder, [(mine.finding_id, "closed", "seen")], signer)
    expect = signing.ExpectedDecision(mine.finding_id, "IT-V-0001")

    def rule(data: bytes) -> str | None:
        [outcome] = signing.import_answers(con, pki.trust(), data, expect=expect)
        return outcome.rule

    assert rule(both) == "review-answers"
    assert rule(on_other) == "finding-other"
    assert rule(by_second) == "finding-signer"
    assert _states(con, mine, other) == ["open", "open"]  # nothing refused moved a finding
    assert rule(good) is None
    assert _states(con, mine, other) == ["closed", "open"]
    refused = sorted(r for _, _, r in _imports(con) if r)
    assert refused == ["finding-other", "finding-signer", "review-answers"]
    # without ExpectedDecision (`ecocluster finding import`) the other verifier's decision is a decision
    assert [o.outcome for o in signing.import_answers(con, pki.trust(), on_other)] == ["applied"]
