"""Reads pinned to what was written (issue 13 finding 11).

Whoever holds the bucket credentials can put a newer version of an approval or a package, or hide it
behind a delete marker (Object Lock only keeps a version from being deleted), and can write any
``sha256`` into a version's metadata. The pipeline records the version and SHA-256 of what it wrote
and reads exactly that back: the register stage, intake and ``ecocluster verify --stored`` still see
the originals; bytes changed under a pin raise :class:`StoredObjectChanged`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from ecocluster import signing
from ecocluster.core.errors import StoredObjectChanged
from ecocluster.core.home import Home
from ecocluster.core.store import LocalStore, ObjectStore, open_store
from ecocluster.core.store.s3 import S3Store
from ecocluster.signing._dsse import Envelope
from tests.cli import run_cli
from tests.fixtures_s3 import S3Server
from tests.signing.rows import drafted_member

CB_PASSWORD = b"competent-body-secret"


def _approved_and_packaged(
    con: duckdb.DuckDBPyConnection, home: Home, store: ObjectStore
) -> tuple[list[str], str]:
    """One member approved by the DEMO verifier and its package built; (approval object keys, package key)."""
    verifier = signing.demo_verifier(home)
    trust = signing.trust_anchors(home)
    sid = drafted_member(con, home, "IT-HOT-2")
    signing.approve(con, store, trust, sid, verifier, signing.DEMO_PASSWORD, place="Ventasso")
    [package] = [d.key for d in signing.build_packages(con, store, trust)]
    signing.init_body_key(home.root / "competent-body" / "IT", "IT", CB_PASSWORD)
    row = con.execute("SELECT envelope_key, cert_key, signed_pdf_key FROM approval").fetchone()
    assert row is not None
    return list(row), package


def _s3_home(s3_server: S3Server, home: Home) -> S3Store:
    lines = "\n".join(
        f"{k} = {v!r}".replace("'", '"') for k, v in s3_server.storage_config(retention_days=1).items()
    )
    home.config_path.write_text(f"[storage]\n{lines}\n")
    store = open_store(home)
    assert isinstance(store, S3Store)
    return store


def _digests(store: ObjectStore, con: duckdb.DuckDBPyConnection, keys: list[str]) -> dict[str, str]:
    return {k: hashlib.sha256(signing.read_stored(con, store, k)).hexdigest() for k in keys}


@pytest.mark.s3
def test_new_versions_and_delete_markers_change_nothing_the_pipeline_or_verify_sees(
    s3_server: S3Server,
    home: Home,
    con: duckdb.DuckDBPyConnection,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = _s3_home(s3_server, home)
    approval_keys, package_key = _approved_and_packaged(con, home, store)
    trust = signing.trust_anchors(home)
    statement_key = con.execute("SELECT json_key FROM statement WHERE version = 1").fetchone()[0]  # type: ignore[index]
    written = _digests(store, con, [*approval_keys, package_key])
    package = store.get(package_key)
    attacked = [*approval_keys, package_key, statement_key]

    # 1. A newer version of every object, its metadata claiming the original's digest.
    for key in attacked:
        claimed = hashlib.sha256(store.get(key)).hexdigest()
        store.client.put_object(
            Bucket=store.bucket, Key=key, Body=b'{"forged": true}', Metadata={"sha256": claimed}
        )
        assert store.get(key) == b'{"forged": true}'  # the newest version is the forgery
    assert [d.key for d in signing.build_packages(con, store, trust)] == [package_key]
    assert _digests(store, con, [*approval_keys, package_key]) == written

    # 2. A delete marker in front of each: listings and plain GETs no longer show them.
    for key in attacked:
        store.client.delete_object(Bucket=store.bucket, Key=key)
    assert list(store.list("competent-body/IT/inbox/")) == []
    assert [d.key for d in signing.build_packages(con, store, trust)] == [package_key]
    assert _digests(store, con, [*approval_keys, package_key]) == written
    assert con.execute("SELECT count(*) FROM registration_package").fetchone() == (1,)

    receipts = signing.intake(home, con, store, trust, "IT", CB_PASSWORD)
    assert [(r.package_key, r.outcome) for r in receipts] == [(package_key, "received")], receipts
    receipt = Envelope.from_json(store.get(receipts[0].receipt_key))
    assert hashlib.sha256(package).hexdigest() in receipt.payload.decode()

    con.close()  # the CLI opens the warehouse itself
    verified = run_cli(capsys, monkeypatch, home.root, "verify", "--stored", package_key)
    assert verified.returncode == 0 and "FAIL" not in verified.stdout, verified.stdout + verified.stderr


@pytest.mark.s3
def test_the_verifier_reviews_the_draft_the_approval_signs_not_a_newer_version(
    s3_server: S3Server, home: Home, con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    store = _s3_home(s3_server, home)
    sid = drafted_member(con, home, "IT-HOT-2")
    json_key, pdf_key, pdf_sha256 = con.execute(
        "SELECT json_key, pdf_key, pdf_sha256 FROM statement WHERE statement_id = ?", [sid]
    ).fetchone()  # type: ignore[misc]
    for key in (json_key, pdf_key):
        store.client.put_object(Bucket=store.bucket, Key=key, Body=b"a more favourable statement")
    files = signing.export_review(con, store, "IT-HOT-2", tmp_path / "review")
    digests = {p.suffix: hashlib.sha256(p.read_bytes()).hexdigest() for p in files[:2]}
    assert digests == {".json": sid, ".pdf": pdf_sha256}


@pytest.mark.s3
def test_a_rerun_put_does_not_adopt_a_version_whose_metadata_lies(s3_server: S3Server) -> None:
    """A rerun's put of the same bytes reuses the current version only if that version holds them."""
    store = S3Store.from_config(s3_server.store_config(retention_days=1))
    data = b"the approval"
    store.client.put_object(
        Bucket=store.bucket,
        Key="approvals/a.json",
        Body=b"planted first",
        Metadata={"sha256": hashlib.sha256(data).hexdigest()},
    )
    stored = store.put("approvals/a.json", data)
    assert store.get("approvals/a.json", version_id=stored.version_id, sha256=stored.sha256) == data


@pytest.mark.s3
def test_a_content_addressed_read_finds_its_bytes_behind_newer_versions(s3_server: S3Server) -> None:
    store = S3Store.from_config(s3_server.store_config(retention_days=1))
    stored = store.put("statements/x.json", b"{}")
    store.client.put_object(Bucket=store.bucket, Key="statements/x.json", Body=b'{"a":1}')
    store.client.delete_object(Bucket=store.bucket, Key="statements/x.json")
    assert store.get("statements/x.json", sha256=stored.sha256) == b"{}"
    with pytest.raises(StoredObjectChanged, match="no version has SHA-256"):
        store.get("statements/x.json", sha256="0" * 64)
    with pytest.raises(StoredObjectChanged, match="expected 0000"):
        store.get("statements/x.json", version_id=stored.version_id, sha256="0" * 64)


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_changed_byte_under_a_pin_is_a_named_error(
    home: Home,
    con: duckdb.DuckDBPyConnection,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The local store's version is the content's SHA-256: a file edited in place is caught on read."""
    store = LocalStore(home.objects_dir)
    approval_keys, package_key = _approved_and_packaged(con, home, store)
    trust = signing.trust_anchors(home)
    _flip_a_byte(Path(store.location(approval_keys[0])))
    with pytest.raises(StoredObjectChanged, match="was altered"):
        signing.build_packages(con, store, trust)
    _flip_a_byte(Path(store.location(package_key)))
    [refused] = signing.intake(home, con, store, trust, "IT", CB_PASSWORD)  # a named refusal; intake goes on
    assert (refused.outcome, refused.rule) == ("refused", "stored-object")
    assert package_key.rsplit("/", 1)[1] in refused.reasons[0] and "was altered" in refused.reasons[0]
    assert signing.intake(home, con, store, trust, "IT", CB_PASSWORD) == []  # recorded once
    Path(store.location(approval_keys[1])).unlink()
    with pytest.raises(StoredObjectChanged, match="is gone"):
        signing.read_stored(con, store, approval_keys[1])
    con.close()  # the CLI opens the warehouse itself
    altered = run_cli(capsys, monkeypatch, home.root, "verify", "--stored", package_key)
    assert altered.returncode == 3 and "was altered" in altered.stderr, altered
    missing = run_cli(
        capsys, monkeypatch, home.root, "verify", "--stored", "competent-body/IT/inbox/none.tar"
    )
    assert missing.returncode == 2 and "nothing at" in missing.stderr, missing


def test_local_pins_and_prefix_scoped_listing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalStore(tmp_path / "objects")
    stored = store.put("approvals/a.json", b"x")
    assert stored.version_id == stored.sha256 == hashlib.sha256(b"x").hexdigest()
    for n in range(50):
        store.put(f"raw/{n:03d}", bytes([n]))
    walked: list[Path] = []
    real = Path.rglob

    def spy(self: Path, pattern: str):
        """Records where a listing starts its walk (and still walks): a spy, not a stand-in."""
        walked.append(self)
        return real(self, pattern)

    monkeypatch.setattr(Path, "rglob", spy)
    assert list(store.list("approvals/")) == ["approvals/a.json"]
    assert list(store.list("raw/00")) == [f"raw/{n:03d}" for n in range(10)]
    assert list(store.list("nothing/")) == []
    assert walked == [tmp_path / "objects" / "approvals", tmp_path / "objects" / "raw"]
