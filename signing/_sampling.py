"""The verifier's sampling plan for a cluster: which members are visited, reproducible by anyone,
predictable by no one before the verifier signs (issue 18).

Where the numbers come from (read this before changing them):

* EMAS user's guide, Commission Decision (EU) 2023/2463, section 7.2: its text could not be found
  in the sources available when this was written, so the formula below is **unverified against
  it**. What was found: the Baden-Württemberg environment agency's page on the German multisite
  procedure (https://www.lubw.baden-wuerttemberg.de/betrieblicher-umweltschutz/multisite-verfahren1513602422141-0,
  citing the Umweltgutachterausschuss 2017) states the number of sites sampled per group as the
  square root of the group's number of sites times two (400 like branches: 40 visited), for the
  low-impact service sectors the user's guide lists (Decision (EU) 2020/1802 amending its
  paragraph 2.4.3.3, Table 9). The common rule, ``ceil(sqrt(n))``, is the default here
  (:data:`SQRT_FACTOR` 1); a verifier applying the German practice passes ``factor=2``.
* Always visited, never sampled (issue 18, after the user's guide's exclusions): members with an
  accident risk, an IED installation, a Seveso establishment, a hazardous-waste site, or in a third
  country; members the coordinator declared of significant environmental risk; members with a
  blocking finding (open or answered non-conformity, misstatement, non-compliance or request for
  information, ``ecocluster.signing._review``). Risk classes the roster does not carry are the verifier's
  input (``always=``), and are signed with the plan.

Seed. The verifier signs the *request* (cluster, year, every member with its sites and reasons, the
method) with deterministic ECDSA (RFC 6979): one key and one request give exactly one signature, so
the verifier cannot draw again until the sample suits them, and the coordinator, who has no key,
cannot compute it beforehand. The seed is the SHA-256 of that signature; each eligible member ranks
by SHA-256(seed, member id) and the first ``size`` are visited. Anyone with the plan and the
verifier's certificate checks the signature and recomputes the selection (:func:`verify_plan`).
Who the verifier is does not come from the plan: the approval names the plan's digest
(``verification.samplingPlanSha256``) and is checked with every approval rule, so the plan may be
signed by any verifier's key file, an accreditation body's certificate or a trust service
provider's with its accreditation statement. A token or remote signer cannot sign it: they do not
promise deterministic signatures.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

import duckdb
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from ecocluster.core.errors import ReviewRefused
from ecocluster.core.store.interface import ObjectStore
from ecocluster.signing import _dsse, _review, _stored
from ecocluster.signing._pki import fingerprint
from ecocluster.warehouse.db import transaction

METHOD = "sqrt-v1"
SQRT_FACTOR = 1.0
PAYLOAD_TYPE = "application/vnd.ecocluster.sampling-request+json"
# EU and EEA member states (ISO 3166-1 alpha-2, Greece as GR): any other country is a third country.
EU_EEA = frozenset(
    {
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
        "IS",
        "LI",
        "NO",
    }
)


class Reason(str, Enum):
    """Why a member is always visited."""

    ACCIDENT_RISK = "accident-risk"
    IED = "ied"
    SEVESO = "seveso"
    HAZARDOUS_WASTE = "hazardous-waste"
    THIRD_COUNTRY = "third-country"
    SIGNIFICANT_RISK = "significant-env-risk"
    BLOCKING_FINDINGS = "blocking-findings"


@dataclass(frozen=True)
class Unit:
    member_id: str
    sites: tuple[str, ...]
    always: tuple[Reason, ...]  # empty: eligible for sampling


@dataclass(frozen=True)
class SamplingRequest:
    """What the verifier signs: the roster snapshot with every member's reasons, and the method."""

    cluster_id: str
    reporting_year: int
    units: tuple[Unit, ...]  # sorted by member id
    factor: float = SQRT_FACTOR
    method: str = METHOD

    def claim(self) -> dict[str, Any]:
        return {
            "clusterId": self.cluster_id,
            "reportingYear": self.reporting_year,
            "method": self.method,
            "factor": self.factor,
            "units": [
                {"memberId": u.member_id, "sites": list(u.sites), "always": [r.value for r in u.always]}
                for u in self.units
            ],
        }

    def payload(self) -> bytes:
        return _dsse.canonical_json(self.claim())

    @property
    def size(self) -> int:
        """Members drawn from the eligible ones: ceil(factor * sqrt(eligible)), at most all of them."""
        eligible = sum(not u.always for u in self.units)
        return min(eligible, math.ceil(self.factor * math.sqrt(eligible)))


@dataclass(frozen=True)
class SamplingPlan:
    request: SamplingRequest
    signature: bytes
    certificate_sha256: str
    seed: str
    drawn: tuple[str, ...]  # sampled among the eligible members, in draw order
    always: tuple[str, ...]  # visited whatever the draw

    @property
    def visited(self) -> tuple[str, ...]:
        return tuple(sorted({*self.always, *self.drawn}))

    def to_json(self) -> bytes:
        return _dsse.canonical_json(
            {
                "request": self.request.claim(),
                "signature": base64.b64encode(self.signature).decode(),
                "certificateSha256": self.certificate_sha256,
                "seed": self.seed,
                "drawn": list(self.drawn),
                "always": list(self.always),
                "visited": list(self.visited),
            }
        )

    @property
    def sha256(self) -> str:
        """What the approval names (``verification.samplingPlanSha256``)."""
        return hashlib.sha256(self.to_json()).hexdigest()


def _refuse(message: str) -> ReviewRefused:
    return ReviewRefused("sampling-plan", message)


def sampling_request(
    con: duckdb.DuckDBPyConnection,
    cluster_id: str,
    year: int | None = None,
    *,
    always: Mapping[str, tuple[Reason, ...]] | None = None,
    factor: float = SQRT_FACTOR,
) -> SamplingRequest:
    """The roster snapshot of ``cluster_id`` for ``year`` (default: its latest cycle) with the reasons
    each member is always visited: those the warehouse knows, plus the verifier's ``always``."""
    given = dict(always or {})
    if year is None:
        row = con.execute(
            "SELECT max(reporting_year) FROM cycle WHERE cluster_id = ?", [cluster_id]
        ).fetchone()
        year = row[0] if row else None
        if year is None:
            raise _refuse(f"cluster {cluster_id!r} has no cycle; open one first or check the id")
    members = con.execute(
        "SELECT m.member_id, m.country, m.significant_env_risk, "
        "coalesce(list(s.site_id ORDER BY s.site_id) FILTER (WHERE s.site_id IS NOT NULL), []) "
        "FROM member m LEFT JOIN site s USING (member_id) WHERE m.cluster_id = ? GROUP BY ALL ORDER BY 1",
        [cluster_id],
    ).fetchall()
    if not members:
        raise _refuse(f"cluster {cluster_id!r} has no members; ingest its roster first")
    unknown = sorted(set(given) - {m[0] for m in members})
    if unknown:
        raise _refuse(f"{', '.join(unknown)} not members of cluster {cluster_id}")
    units = []
    for member_id, country, risky, sites in members:
        reasons = set(given.get(member_id, ()))
        if country.upper() not in EU_EEA:
            reasons.add(Reason.THIRD_COUNTRY)
        if risky:
            reasons.add(Reason.SIGNIFICANT_RISK)
        if _review.unresolved(con, member_id, year):
            reasons.add(Reason.BLOCKING_FINDINGS)
        units.append(Unit(member_id, tuple(sites), tuple(sorted(reasons, key=lambda r: r.value))))
    if not 0 < factor <= 10:
        raise _refuse(f"factor {factor} is outside (0, 10]")
    return SamplingRequest(cluster_id, year, tuple(units), factor)


def _draw(request: SamplingRequest, signature: bytes) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    seed = hashlib.sha256(signature).hexdigest()
    eligible = [u.member_id for u in request.units if not u.always]
    ranked = sorted(eligible, key=lambda m: hashlib.sha256(f"{seed}:{m}".encode()).digest())
    return seed, tuple(ranked[: request.size]), tuple(u.member_id for u in request.units if u.always)


def sign_plan(
    request: SamplingRequest, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate
) -> SamplingPlan:
    """The verifier's side: sign the request deterministically and draw from that signature."""
    signature = key.sign(
        _dsse.pae(PAYLOAD_TYPE, request.payload()), ec.ECDSA(hashes.SHA256(), deterministic_signing=True)
    )
    seed, drawn, always = _draw(request, signature)
    return SamplingPlan(request, signature, fingerprint(cert), seed, drawn, always)


def verify_plan(plan_json: bytes, cert: x509.Certificate) -> SamplingPlan:
    """A plan from anyone, checked: signed by ``cert``'s key over its request, and the draw is the one
    that signature gives. Returns the plan or raises :class:`ReviewRefused` (rule ``sampling-plan``)."""
    try:
        doc = json.loads(plan_json)
        r = doc["request"]
        request = SamplingRequest(
            str(r["clusterId"]),
            int(r["reportingYear"]),
            tuple(
                Unit(
                    str(u["memberId"]),
                    tuple(str(s) for s in u["sites"]),
                    tuple(Reason(a) for a in u["always"]),
                )
                for u in r["units"]
            ),
            float(r["factor"]),
            str(r["method"]),
        )
        signature = base64.b64decode(doc["signature"], validate=True)
    except (ValueError, KeyError, TypeError) as e:
        raise _refuse(f"not a readable sampling plan ({e})") from e
    if request.method != METHOD:
        raise _refuse(f"method {request.method!r}, expected {METHOD!r}")
    public_key = cert.public_key()
    try:
        if not isinstance(public_key, ec.EllipticCurvePublicKey):
            raise InvalidSignature
        public_key.verify(signature, _dsse.pae(PAYLOAD_TYPE, request.payload()), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as e:
        raise _refuse(
            f"the plan's signature does not verify with the key of {cert.subject.rfc4514_string()}"
        ) from e
    plan = SamplingPlan(request, signature, fingerprint(cert), *_draw(request, signature))
    if plan.to_json() != _dsse.canonical_json(doc):
        raise _refuse(
            f"the plan's draw is not the one its signature gives: visited {doc.get('visited')}, "
            f"expected {list(plan.visited)}"
        )
    return plan


def record_plan(con: duckdb.DuckDBPyConnection, store: ObjectStore, plan: SamplingPlan) -> str:
    """Store the plan write-once and record it for its cluster and year; returns its object key."""
    request = plan.request
    stored = store.put(
        f"sampling/{request.cluster_id}/{request.reporting_year}/{plan.sha256}.json",
        plan.to_json(),
        content_type="application/json",
    )
    with transaction(con):
        _stored.record(con, stored)
        con.execute(
            "INSERT INTO sampling_plan VALUES (?, ?, ?, ?, ?, ?, current_timestamp) ON CONFLICT DO NOTHING",
            [
                plan.sha256,
                request.cluster_id,
                request.reporting_year,
                plan.certificate_sha256,
                json.dumps(list(plan.visited)),
                stored.key,
            ],
        )
    return stored.key


def latest_plan_sha256(con: duckdb.DuckDBPyConnection, cluster_id: str, year: int) -> str | None:
    """The newest recorded plan of the cluster's cycle, the one an approval names."""
    row = con.execute(
        "SELECT plan_sha256 FROM sampling_plan WHERE cluster_id = ? AND reporting_year = ? "
        "ORDER BY recorded_at DESC LIMIT 1",
        [cluster_id, year],
    ).fetchone()
    return None if row is None else str(row[0])
