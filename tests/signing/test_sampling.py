"""The verifier's sampling plan (issue 18): always-visited members, the square-root sample of the
rest, a draw reproducible from the signed plan and fixed by the verifier's deterministic signature.

Real warehouse, real keys (deterministic ECDSA), real local store; tampered plans are refused.
"""

from __future__ import annotations

import json
import math

import pytest

from ecocluster import signing
from ecocluster.core.errors import ReviewRefused
from ecocluster.core.store import LocalStore
from ecocluster.signing import _pki, _review, _sampling
from ecocluster.signing._sampling import Reason
from tests.signing.rows import add_member, ready_member

CLUSTER = "cerreto"
MEMBERS = [f"IT-CL-{n:03d}" for n in range(1, 21)]  # 20 members


@pytest.fixture
def store(home) -> LocalStore:
    return LocalStore(home.objects_dir)


@pytest.fixture
def cluster(con, store) -> str:
    """20 members: one in Switzerland, one of declared significant risk, one with an open finding."""
    sid = ready_member(con, store, MEMBERS[0])
    for member in MEMBERS[1:]:
        add_member(con, member, country="CH" if member == MEMBERS[1] else "IT")
    con.execute("UPDATE member SET significant_env_risk = true WHERE member_id = ?", [MEMBERS[2]])
    _review.raise_finding(con, sid, "non-conformity", "no legal register", by="verifier")
    return CLUSTER


def _request(con, **kwargs) -> signing.SamplingRequest:
    return signing.sampling_request(con, CLUSTER, 2025, **kwargs)


def test_always_visited_members_and_a_square_root_sample_of_the_rest(con, cluster, pki) -> None:
    seveso = {MEMBERS[3]: (Reason.SEVESO, Reason.IED)}
    request = _request(con, always=seveso)
    reasons = {u.member_id: {r.value for r in u.always} for u in request.units if u.always}
    assert reasons == {
        MEMBERS[0]: {"blocking-findings"},
        MEMBERS[1]: {"third-country"},
        MEMBERS[2]: {"significant-env-risk"},
        MEMBERS[3]: {"ied", "seveso"},
    }
    plan = signing.sign_plan(request, pki.verifier.key, pki.verifier.cert)
    assert request.size == math.ceil(math.sqrt(16)) == 4 and len(plan.drawn) == 4
    assert set(plan.always) == set(reasons) and not set(plan.drawn) & set(reasons)
    assert set(plan.visited) == set(plan.always) | set(plan.drawn)
    doubled = signing.sign_plan(_request(con, always=seveso, factor=2.0), pki.verifier.key, pki.verifier.cert)
    assert len(doubled.drawn) == 8  # the German multisite practice: 2 * sqrt(16)
    assert _request(con).size == math.ceil(math.sqrt(17)) == 5


def test_the_draw_is_fixed_by_the_verifier_key_and_reproducible_from_the_plan(con, cluster, pki) -> None:
    request = _request(con)
    plan = signing.sign_plan(request, pki.verifier.key, pki.verifier.cert)
    assert (
        signing.sign_plan(request, pki.verifier.key, pki.verifier.cert).to_json() == plan.to_json()
    )  # no redraw
    other = pki.issue(accreditation_no="IT-V-0009")
    assert (
        signing.sign_plan(request, other.key, other.cert).seed != plan.seed
    )  # the coordinator cannot know it
    assert signing.verify_plan(plan.to_json(), pki.verifier.cert) == plan


def _tampered(plan: signing.SamplingPlan, change) -> bytes:
    doc = json.loads(plan.to_json())
    change(doc)
    return json.dumps(doc).encode()


def test_a_tampered_plan_is_refused(con, cluster, pki) -> None:
    plan = signing.sign_plan(_request(con), pki.verifier.key, pki.verifier.cert)
    eligible_not_drawn = next(m for m in MEMBERS if m not in plan.visited)
    cases = {
        "another member visited": lambda d: d.update(visited=sorted([*d["visited"][1:], eligible_not_drawn])),
        "a reason removed from the request": lambda d: d["request"]["units"][0].update(always=[]),
        "a smaller sample": lambda d: d["request"].update(factor=0.5),
        "not a plan": lambda d: d.pop("signature"),
    }
    for case, change in cases.items():
        with pytest.raises(ReviewRefused) as caught:
            signing.verify_plan(_tampered(plan, change), pki.verifier.cert)
        assert caught.value.rule == "sampling-plan", case
    with pytest.raises(ReviewRefused, match="does not verify"):
        signing.verify_plan(plan.to_json(), pki.issue(accreditation_no="IT-V-0010").cert)


def test_a_recorded_plan_is_what_the_approval_names(con, store, cluster, pki) -> None:
    plan = signing.sign_plan(_request(con), pki.verifier.key, pki.verifier.cert)
    key = signing.record_plan(con, store, plan)
    assert signing.read_stored(con, store, key) == plan.to_json()
    assert _sampling.latest_plan_sha256(con, CLUSTER, 2025) == plan.sha256
    assert _sampling.latest_plan_sha256(con, CLUSTER, 2024) is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"always": {"IT-NOBODY": (Reason.SEVESO,)}}, "IT-NOBODY not members"),
        ({"factor": 0.0}, "factor"),
    ],
)
def test_a_bad_request_is_refused(con, cluster, args, message) -> None:
    with pytest.raises(ReviewRefused, match=message):
        _request(con, **args)


def test_sampling_plan_command_prints_the_plan_digest_last(con, cluster, home, capsys, monkeypatch) -> None:
    from tests.cli import run_cli

    verifier = signing.demo_verifier(home)
    con.close()
    monkeypatch.setenv("ECOCLUSTER_KEY_PASSWORD", signing.DEMO_PASSWORD.decode())
    ran = run_cli(
        capsys,
        monkeypatch,
        home.root,
        "sampling",
        "plan",
        "--cluster",
        CLUSTER,
        "--year",
        "2025",
        "--key",
        str(verifier.key),
        "--cert",
        str(verifier.cert),
        "--always",
        f"{MEMBERS[5]}=hazardous-waste",
    )
    assert ran.returncode == 0, ran.stderr
    assert f"{MEMBERS[5]} (always)" in ran.stdout and "(4 always, 4 drawn" in ran.stdout  # 3 known + 1 given
    assert len(ran.stdout.strip().splitlines()[-1]) == 64
    bad = run_cli(
        capsys,
        monkeypatch,
        home.root,
        "sampling",
        "plan",
        "--cluster",
        CLUSTER,
        "--key",
        str(verifier.key),
        "--cert",
        str(verifier.cert),
        "--always",
        f"{MEMBERS[5]}=nearby-river",
    )
    assert bad.returncode != 0 and "MEMBER=REASON" in bad.stderr


def test_a_verifier_certified_by_a_trust_service_provider_signs_a_plan(con, cluster) -> None:
    """Not only a certificate of the accreditation body's CA: who the verifier is comes from the
    approval that names the plan (with the body's accreditation statement)."""
    from tests.signing.test_accreditation import qtsp_ca, qtsp_verifier

    key, cert = qtsp_verifier(qtsp_ca())
    plan = signing.sign_plan(_request(con), key, cert)
    assert signing.verify_plan(plan.to_json(), cert) == plan
    assert plan.certificate_sha256 == _pki.fingerprint(cert)
