"""The DEMO verifier: signs the clean members' drafts so a newcomer sees the whole cycle.

It plays the verifier's part exactly as a real one would (``ecocluster.signing.approve`` with a key file and
password, which renders the validated statement and PAdES-signs it), with a DEMO accreditation
body and a DEMO verifier whose keys are generated in the home folder; every artefact it produces names them,
so nothing it signs can pass for a real validation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ecocluster import signing, statements
from ecocluster.core.errors import ApprovalRefused, ConfigurationError
from ecocluster.core.home import Home
from ecocluster.flows._workspace import Workspace


@contextmanager
def timestamp_authority(home: Home) -> Iterator[str]:
    """The configured TSA ([signing] tsa_url, ECOCLUSTER_TSA_URL), else the DEMO TSA of this home
    (certified by the DEMO accreditation body) served on loopback while the block runs."""
    try:
        configured = signing.tsa_url(home)
    except ConfigurationError:
        configured = ""
    if configured:
        yield configured
        return
    from ecocluster.signing import _tsa

    _tsa.demo_tsa(home, signing.DEMO_PASSWORD)
    with _tsa.running(home, signing.DEMO_PASSWORD) as url:
        yield url


def sign_waiting(ws: Workspace, year: int, members: list[str]) -> list[str]:
    """Approve the current draft of each waiting member; returns the statement ids signed."""
    keys = signing.demo_verifier(ws.home)
    trust = signing.trust_anchors(ws.home)
    signed = []
    with timestamp_authority(ws.home) as tsa_url, ws.warehouse() as con:
        for d in statements.current_drafts(con, year, members):
            if d.status is not statements.StatementStatus.SUBMITTED:
                continue
            try:  # a real verifier signs only within scope, and so does the demo one
                signing.approve(
                    con,
                    ws.store,
                    trust,
                    d.statement_id,
                    keys,
                    signing.DEMO_PASSWORD,
                    place="DEMO",
                    tsa_url=tsa_url,
                )
            except ApprovalRefused:
                continue
            signed.append(d.statement_id)
    return signed
