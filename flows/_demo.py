"""The DEMO verifier: signs the clean members' drafts so a newcomer sees the whole cycle.

It plays the verifier's part exactly as a real one would (``ecocluster.signing.approve`` with a key file and
password, which renders the validated statement and PAdES-signs it), with a DEMO accreditation
body and a DEMO verifier whose keys are generated in the home folder; every artefact it produces names them,
so nothing it signs can pass for a real validation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

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
    signing.demo_tsa(home, signing.DEMO_PASSWORD)
    with signing.running_tsa(home, signing.DEMO_PASSWORD) as url:
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


# The sample's clusters: the Italian one goes to the IT profile, the Latvian ones to the LV profile.
DEMO_BODIES = ("IT", "LV")


@dataclass(frozen=True)
class BodyRun:
    """One DEMO competent body's intake of the demo's packages, by its country profile."""

    country: str
    profile: signing.CountryProfile
    received_on: dt.date
    received: tuple[signing.Receipt, ...]  # the first answers: received (waiting), or decided, or refused
    advanced_to: dt.date | None  # the DEMO clock, moved to the last waiting period's end
    completed: tuple[signing.Receipt, ...]  # decided on the advanced clock


def demo_body_folder(ws: Workspace, country: str) -> Path:
    return ws.home.root / "competent-body" / country / "demo"


def competent_bodies(ws: Workspace, today: dt.date | None = None) -> list[BodyRun]:
    """The DEMO competent bodies of IT and LV take in the delivered packages by their country
    profiles; the demo then advances its clock (and only its own: a real body waits) to the end of
    the last waiting period, so registration completes and the output says so."""
    today = today or dt.date.today()
    runs = []
    with ws.warehouse() as con:
        trust = signing.trust_anchors(ws.home)
        for country in DEMO_BODIES:
            # The DEMO body's key (DEMO password) is its own: the body's real key is made on purpose
            # with `ecocluster intake-key`, in <home>/competent-body/<CC>.
            folder = demo_body_folder(ws, country)
            if not signing.KeyFiles(folder).key.exists():  # else made by an earlier demo in this home
                signing.init_body_key(folder, country, signing.DEMO_PASSWORD)
            received = signing.intake(
                ws.home, con, ws.store, trust, country, signing.DEMO_PASSWORD, today=today, key_folder=folder
            )
            waiting = [r.waiting_until for r in received if r.waiting_until and r.outcome == "received"]
            advanced = max(waiting) if waiting else None
            completed = (
                signing.intake(
                    ws.home,
                    con,
                    ws.store,
                    trust,
                    country,
                    signing.DEMO_PASSWORD,
                    today=advanced,
                    key_folder=folder,
                )
                if advanced
                else []
            )
            runs.append(
                BodyRun(
                    country,
                    signing.country_profile(country, ws.home),
                    today,
                    tuple(received),
                    advanced,
                    tuple(completed),
                )
            )
    return runs
