"""The verifier's Annex VII declaration names the statement the member's calendar asks for: a first
registration or a full verification validates a *full* statement, not an updated one (issue 14,
item 6)."""

from __future__ import annotations

import datetime as dt

import duckdb

from ecocluster import statements
from ecocluster.core.home import Home
from ecocluster.signing._approval import declaration_text, signer_identity
from ecocluster.signing._records import draft_for
from tests.statements import warehouse_rows


def test_the_declaration_names_the_statements_kind(pki, con: duckdb.DuckDBPyConnection, home: Home) -> None:
    warehouse_rows.build(con)  # LV-NOV-1 is not registered yet: a full statement in an annual cycle
    [full] = statements.draft(con, home, member="LV-NOV-1", workers=1).statements
    [updated] = statements.draft(con, home, member="IT-HOT-1", workers=1).statements  # registered 2020
    signed_at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    who = signer_identity(pki.verifier.cert)
    text = declaration_text(draft_for(con, full.statement_id), who, signed_at, "Cēsis")
    assert "as indicated in the full environmental statement" in text and "vides deklarācijā (pilna)" in text
    text = declaration_text(draft_for(con, updated.statement_id), who, signed_at, "Cerreto Laghi")
    assert "as indicated in the updated environmental statement" in text and "(aggiornata)" in text
