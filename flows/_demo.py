"""The DEMO verifier: signs the clean members' drafts so a newcomer sees the whole cycle.

It plays the verifier's part exactly as a real one would (``signing.approve`` with a key file and
password, which renders the validated statement and PAdES-signs it), with a DEMO accreditation
body and a DEMO verifier whose keys are generated in the home folder; every artefact it produces names them, so
nothing it signs can pass for a real validation.
"""

from __future__ import annotations

import signing
import statements
from flows._workspace import Workspace
from warehouse.errors import ApprovalRefused


def sign_waiting(ws: Workspace, year: int, members: list[str]) -> list[str]:
    """Approve the current draft of each waiting member; returns the statement ids signed."""
    keys = signing.demo_verifier(ws.home)
    trust = signing.trust_anchors(ws.home)
    signed = []
    with ws.warehouse() as con:
        for d in statements.current_drafts(con, year, members):
            if d.status != "submitted":
                continue
            try:  # a real verifier signs only within scope, and so does the demo one
                signing.approve(con, ws.store, trust, d.statement_id, keys, signing.DEMO_PASSWORD, place="DEMO")
            except ApprovalRefused:
                continue
            signed.append(d.statement_id)
    return signed

