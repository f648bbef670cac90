"""Ingestion of member submissions and cluster rosters into the warehouse.

A batch of files is staged as text, validated set-wise, and only then loaded, in one transaction
per chunk of files: a file with any error is refused whole (with all its errors), nothing of it
is stored, and the files around it still go in. The raw bytes are archived unchanged in the
object store under their SHA-256, which is also what makes a second ingest of the same file a no-op.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from ecocluster.core.errors import ConfigurationError, RowError
from ecocluster.warehouse import _csv, _json, _roster, _validate, _xlsx
from ecocluster.warehouse._raw import Limits, RawFile, discover, read_raw
from ecocluster.warehouse._rows import ParsedRows, create_staging, stage_parsed
from ecocluster.warehouse._validate import MEMBER_LANGUAGE
from ecocluster.warehouse.db import insert_rows, transaction
from ecocluster.warehouse.messages import LANGUAGES, N_, LocalisedRowError, file_error, reason_in
from ecocluster.warehouse.sections import SECTIONS

if TYPE_CHECKING:  # the store is passed in; importing signing here would load its crypto stack
    from ecocluster.core.store import ObjectStore

_STG_FILE_COLUMNS = (
    "file_no",
    "filename",
    "sha256",
    "format",
    "encoding",
    "decimal_comma",
    "size_bytes",
    "archive_key",
    "member_id",
    "reporting_year",
)
CHUNK_FILES = 2000  # files per transaction: bounds staging memory on large populations


@dataclass(frozen=True)
class FileOutcome:
    path: str
    sha256: str | None
    status: (
        str  # ingested | unchanged | rejected | skipped (another ecocluster document, e.g. a fault manifest)
    )
    kind: str = "member"  # member | roster
    errors: tuple[RowError, ...] = ()
    language: str = (
        "en"  # what the errors are worded in: ``ecocluster.warehouse.messages.describe(error, language)``
    )


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def rejected(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "rejected"]

    @property
    def ok(self) -> bool:
        return not self.rejected


# ingest.other_member: the refusals of a file uploaded by one member that is about someone else
OTHER_MEMBER = N_("has rows about member {other}; you may submit data of {member} only")
NOT_A_SUBMISSION = N_("is not a member submission (rosters and other documents come from the coordinator)")

Progress = Callable[[int], None]


def archive_key(raw: RawFile) -> str:
    return f"raw/{raw.sha256[:2]}/{raw.sha256}.{raw.format}"


def ingest_paths(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    paths: Iterable[Path],
    *,
    limits: Limits | None = None,
    progress: Progress | None = None,
    language: str = "en",
    member: str | None = None,
) -> IngestReport:
    """Ingest files and folders; never raises for bad input, reports it instead.

    A refused file's reasons are worded in ``language`` (en, it, lv), or with ``"member"`` in the
    language the roster gives the file's member (English for an unknown member).

    ``member`` is set when the files come from that member (the portal's upload): a roster, or a
    file with any row about another member, is refused whole with rule ``ingest.other_member``, so
    a member can never write another member's data."""
    if language not in (*LANGUAGES, MEMBER_LANGUAGE):
        raise ConfigurationError(
            f"no ingest messages in language {language!r}; choose one of "
            f"{', '.join(LANGUAGES)} or {MEMBER_LANGUAGE!r} (each member's own)"
        )
    limits = limits or Limits()
    fixed = None if language == MEMBER_LANGUAGE else language
    unknown = fixed or "en"  # a file refused before its member is known: English when each member's is asked
    files, missing = discover(paths)
    report = IngestReport(
        [FileOutcome(e.file, None, "rejected", errors=(e,), language=unknown) for e in missing]
    )
    known = _known_hashes(con)
    pending: list[RawFile] = []
    rosters: list[RawFile] = []
    for path in files:
        try:
            raw = read_raw(path, limits)
        except (ValueError, OSError) as e:
            report.outcomes.append(
                _reject(con, None, str(path), [file_error(str(path), e)], language=unknown)
            )
            _tick(progress)
            continue
        if raw.sha256 in known:
            report.outcomes.append(FileOutcome(str(path), raw.sha256, "unchanged"))
            _tick(progress)
        elif member is not None and (_is_roster(raw) or _other_document(raw)):
            report.outcomes.append(
                _reject(
                    con,
                    raw,
                    raw.name,
                    [LocalisedRowError.of(raw.name, NOT_A_SUBMISSION, {})],
                    language=unknown,
                )
            )
            _tick(progress)
        elif _other_document(raw):
            report.outcomes.append(FileOutcome(str(path), raw.sha256, "skipped"))
            _tick(progress)
        elif _is_roster(raw):
            known.add(raw.sha256)
            rosters.append(raw)
        else:
            known.add(raw.sha256)  # a copy of the same file later in the batch is a no-op too
            pending.append(raw)
    report.outcomes.extend(
        _ingest_rosters(con, store, rosters, fixed)
    )  # first: submissions name their members
    _tick(progress, len(rosters))
    for start in range(0, len(pending), CHUNK_FILES):
        chunk = pending[start : start + CHUNK_FILES]
        report.outcomes.extend(_ingest_chunk(con, store, chunk, limits, language, member))
        _tick(progress, len(chunk))
    return report


def _tick(progress: Progress | None, n: int = 1) -> None:
    if progress:
        progress(n)


def _known_hashes(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT submission_id FROM submission").fetchall()}


def _is_roster(raw: RawFile) -> bool:
    return raw.format == "json" and (
        raw.path.name == "cluster.json" or b'"ecocluster-roster/' in raw.data[:4096]
    )


def _other_document(raw: RawFile) -> bool:
    """ecocluster's own non-submission JSON (sample fault manifests, reports) found in an inbox folder."""
    head = raw.data[:200]
    return (
        raw.format == "json"
        and b'"format": "ecocluster-' in head
        and not any(
            f'"format": "{name}'.encode() in head for name in ("ecocluster-submission/", "ecocluster-roster/")
        )
    )


def _reject(
    con: duckdb.DuckDBPyConnection,
    raw: RawFile | None,
    name: str,
    errors: Sequence[RowError],
    member_id: str | None = None,
    year: int | None = None,
    *,
    language: str = "en",
) -> FileOutcome:
    """Record the refusal (once per distinct file) so `status` can show it, worded in ``language``
    and with the member and reporting year the file is about where it says so; store nothing else."""
    sha = raw.sha256 if raw else None
    if sha:
        payload = json.dumps(
            [
                {
                    "part": e.part,
                    "row": e.row,
                    "column": e.column,
                    "value": e.value,
                    "reason": reason_in(e, language),
                    "language": language,
                }
                for e in errors
            ],
            ensure_ascii=False,
        )
        con.execute(
            "INSERT OR REPLACE INTO rejected_file (sha256, filename, "
            "rejected_at, member_id, n_errors, errors,"
            " reporting_year) VALUES (?, ?, current_timestamp, ?, ?, ?, ?)",
            [sha, name, member_id, len(errors), payload, year],
        )
    return FileOutcome(name, sha, "rejected", errors=tuple(errors), language=language)


def _ingest_rosters(
    con: duckdb.DuckDBPyConnection, store: ObjectStore, rosters: list[RawFile], language: str | None
) -> list[FileOutcome]:
    """Each roster is checked on its own (a bad one is refused whole, the others go on), then
    the valid ones are stored together in one transaction. Refusals are worded in ``language``,
    or (None) in the language the roster gives its cluster."""
    outcomes: list[FileOutcome] = []
    accepted: list[tuple[RawFile, dict[str, Any]]] = []
    claimed: dict[str, str] = {}
    for raw in rosters:
        try:
            doc = _json.load_document(raw.name, raw.data)
        except ValueError as e:
            outcomes.append(_reject(con, raw, raw.name, [file_error(raw.name, e)], language=language or "en"))
            continue
        errors = _roster.validate(raw.name, doc) or _roster.conflicts(con, raw.name, doc, claimed)
        if errors:
            outcomes.append(
                _reject(con, raw, raw.name, errors, language=language or _roster.language_of(doc))
            )
            continue
        claimed.update((m["member_id"], doc["cluster"]["cluster_id"]) for m in doc["members"])
        accepted.append((raw, doc))
    if not accepted:
        return outcomes
    from ecocluster.core.store import put_many  # here, not at the top: see the TYPE_CHECKING import

    put_many(store, [(archive_key(raw), raw.data, "application/json") for raw, _ in accepted])
    with transaction(con):
        _roster.load(con, [(raw.sha256, doc) for raw, doc in accepted])
        con.execute(
            "INSERT INTO submission SELECT unnest($sha), 'roster', unnest($name), 'json', 'utf-8',"
            " unnest($size), current_timestamp, unnest($key), unnest($cluster)",
            {
                "sha": [raw.sha256 for raw, _ in accepted],
                "name": [raw.name for raw, _ in accepted],
                "size": [len(raw.data) for raw, _ in accepted],
                "key": [archive_key(raw) for raw, _ in accepted],
                "cluster": [doc["cluster"]["cluster_id"] for _, doc in accepted],
            },
        )
        con.execute(
            "DELETE FROM rejected_file WHERE sha256 IN (SELECT unnest(?))",
            [[raw.sha256 for raw, _ in accepted]],
        )
    return outcomes + [FileOutcome(raw.name, raw.sha256, "ingested", kind="roster") for raw, _ in accepted]


def _country_lookup(con: duckdb.DuckDBPyConnection) -> Callable[[str], str | None]:
    def country_of(member_id: str) -> str | None:
        row = con.execute("SELECT country FROM member WHERE member_id = ?", [member_id]).fetchone()
        return row[0] if row else None

    return country_of


def _ingest_chunk(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    chunk: list[RawFile],
    limits: Limits,
    language: str,
    member: str | None = None,
) -> list[FileOutcome]:
    create_staging(con)
    _validate.install_macros(con)
    early: dict[int, list[RowError]] = {}
    csv_files: list[_csv.CsvFile] = []
    meta: list[tuple[int, str, str, str, str | None, bool, int, str, str | None, str | None]] = []
    with tempfile.TemporaryDirectory(prefix="ecocluster-ingest-") as workdir:
        for file_no, raw in enumerate(chunk):
            encoding, decimal_comma, parsed = None, False, None
            try:
                if raw.format == "csv":
                    csv_file = _csv.inspect(file_no, raw, _country_lookup(con), Path(workdir))
                    csv_files.append(csv_file)
                    encoding, decimal_comma = csv_file.encoding, csv_file.decimal_comma
                else:
                    parsed, structural = _parse_document(raw, limits)
                    if structural:
                        early[file_no] = structural
                    stage_parsed(con, file_no, parsed)
                    encoding = "utf-8" if raw.format == "json" else None
            except ValueError as e:
                early[file_no] = [file_error(raw.name, e)]
            meta.append(
                (
                    file_no,
                    raw.name,
                    raw.sha256,
                    raw.format,
                    encoding,
                    decimal_comma,
                    len(raw.data),
                    archive_key(raw),
                    parsed.member_id if parsed else None,
                    parsed.reporting_year if parsed else None,
                )
            )
        for file_no, error in _csv.stage(con, [f for f in csv_files if f.file_no not in early]).items():
            early[file_no] = [error]
    insert_rows(con, "stg_file", _STG_FILE_COLUMNS, meta)
    _check_row_counts(con, limits, chunk, early)
    _validate.resolve_units(con)
    _validate.file_languages(con, language)
    _validate.collect_errors(con, language)
    languages = dict(con.execute("SELECT file_no, language FROM stg_lang").fetchall())
    if member is not None:
        for file_no, other in _rows_of_other_members(con, member):
            early.setdefault(file_no, []).append(
                LocalisedRowError.of(chunk[file_no].name, OTHER_MEMBER, {"other": other, "member": member})
            )
    insert_rows(
        con,
        "stg_error",
        ("file_no", "src_part", "src_row", "col", "value", "reason"),
        [
            (file_no, e.part, e.row, e.column, e.value, reason_in(e, languages.get(file_no)))
            for file_no, errors in early.items()
            for e in errors
        ],
    )
    return _commit_chunk(con, store, chunk, languages)


def _rows_of_other_members(con: duckdb.DuckDBPyConnection, member: str) -> list[tuple[int, str]]:
    """(file, member id) for every staged file with rows about a member other than ``member``."""
    union = " UNION ALL ".join(
        f"SELECT file_no, ec_txt(member_id) AS member_id FROM stg_{s.name}" for s in SECTIONS
    )
    return con.execute(
        f"SELECT file_no, min(member_id) FROM ({union}) WHERE member_id IS DISTINCT FROM ? "
        "GROUP BY file_no ORDER BY file_no",
        [member],
    ).fetchall()


def _parse_document(raw: RawFile, limits: Limits) -> tuple[ParsedRows, list[RowError]]:
    if raw.format == "json":
        return _json.parse_submission(raw.name, _json.load_document(raw.name, raw.data))
    return _xlsx.parse_workbook(raw, limits)


def _check_row_counts(
    con: duckdb.DuckDBPyConnection, limits: Limits, chunk: list[RawFile], early: dict[int, list[RowError]]
) -> None:
    union = " UNION ALL ".join(f"SELECT file_no FROM stg_{s.name}" for s in SECTIONS)
    for file_no, n in con.execute(
        f"SELECT file_no, count(*) FROM ({union}) GROUP BY file_no HAVING count(*) > ?", [limits.max_rows]
    ).fetchall():
        early.setdefault(file_no, []).append(
            LocalisedRowError.of(
                chunk[file_no].name,
                N_("{n} rows, more than the {limit} a file may hold"),
                {"n": str(n), "limit": str(limits.max_rows)},
            )
        )


def _errors_by_file(con: duckdb.DuckDBPyConnection, chunk: list[RawFile]) -> dict[int, list[RowError]]:
    found: dict[int, list[RowError]] = {}
    rows = con.execute(
        "SELECT file_no, src_part, src_row, col, value, reason FROM stg_error "
        "ORDER BY file_no, src_part NULLS FIRST, src_row NULLS FIRST, col"
    ).fetchall()
    for file_no, part, row, col, value, reason in rows:
        found.setdefault(file_no, []).append(RowError(chunk[file_no].name, reason, part, row, col, value))
    return found


def _commit_chunk(
    con: duckdb.DuckDBPyConnection, store: ObjectStore, chunk: list[RawFile], languages: dict[int, str]
) -> list[FileOutcome]:
    """Refuse the files with errors (worded in each file's language, ``languages``), load the others."""
    bad = _errors_by_file(con, chunk)
    outcomes: list[FileOutcome] = []
    with transaction(con):
        members, years = _members_of_files(con), _years_of_files(con)
        for file_no, errors in bad.items():
            outcomes.append(
                _reject(
                    con,
                    chunk[file_no],
                    chunk[file_no].name,
                    errors,
                    members.get(file_no),
                    years.get(file_no),
                    language=languages.get(file_no, "en"),
                )
            )
        good = [(n, raw) for n, raw in enumerate(chunk) if n not in bad]
        from ecocluster.core.store import put_many  # here, not at the top: see the TYPE_CHECKING import

        put_many(store, [(archive_key(raw), raw.data, "application/octet-stream") for _, raw in good])
        _stage_members(con)
        con.execute(
            "INSERT INTO submission SELECT f.sha256, 'member', "
            "f.filename, f.format, f.encoding, f.size_bytes,"
            " current_timestamp, f.archive_key, (SELECT any_value(m.cluster_id) FROM _file_members x"
            " JOIN member m USING (member_id) WHERE x.file_no = f.file_no) FROM stg_file f"
            " WHERE f.file_no NOT IN (SELECT file_no FROM stg_error)"
        )
        con.execute(
            "DELETE FROM rejected_file WHERE sha256 IN (SELECT sha256 FROM stg_file WHERE file_no NOT IN"
            " (SELECT file_no FROM stg_error))"
        )
        _validate.load_clean(con)
        _record_parts(con)
        outcomes.extend(FileOutcome(raw.name, raw.sha256, "ingested") for _, raw in good)
    return outcomes


def _members_of_files(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    """The member each staged file is about, where it is about exactly one (for `status`)."""
    union = " UNION ALL ".join(
        f"SELECT file_no, ec_txt(member_id) AS member_id FROM stg_{s.name}" for s in SECTIONS
    )
    return dict(
        con.execute(
            f"SELECT file_no, any_value(member_id) FROM ({union}) GROUP BY file_no "
            "HAVING count(DISTINCT member_id) = 1"
        ).fetchall()
    )


def _years_of_files(con: duckdb.DuckDBPyConnection) -> dict[int, int]:
    """The reporting year each staged file is about, where it gives exactly one that reads as a
    year (its header's, or its rows'): what `status --year` lists a refused file under."""
    union = " UNION ALL ".join(f"SELECT file_no, reporting_year FROM stg_{s.name}" for s in SECTIONS)
    return dict(
        con.execute(
            "SELECT file_no, any_value(y) FROM (SELECT file_no, "
            "TRY_CAST(ec_txt(reporting_year) AS INTEGER) AS y"
            " FROM (SELECT file_no, reporting_year FROM stg_file UNION "
            f"ALL {union})) WHERE y BETWEEN 1950 AND 2100"
            " GROUP BY file_no HAVING count(DISTINCT y) = 1"
        ).fetchall()
    )


def _stage_members(con: duckdb.DuckDBPyConnection) -> None:
    """(file, member, year, section) covered by each clean file: what the file will supersede."""
    union = " UNION ALL ".join(
        "SELECT DISTINCT file_no, ec_txt(member_id) AS member_id, "
        "CAST(ec_txt(reporting_year) AS INTEGER) AS "
        f"reporting_year, '{s.name}' AS section FROM stg_{s.name} WHERE "
        "file_no NOT IN (SELECT file_no FROM stg_error)"
        for s in SECTIONS
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE _file_members AS {union}")


def _record_parts(con: duckdb.DuckDBPyConnection) -> None:
    """Register what each new file covers; the newest file for a (member, year, section) wins."""
    con.execute(
        "INSERT INTO submission_part SELECT f.sha256, x.member_id, x.reporting_year, x.section,"
        " nextval('submission_seq'), NULL FROM _file_members x JOIN stg_file f USING (file_no)"
        " ORDER BY x.file_no, x.member_id, x.section"
    )
    con.execute("""
        UPDATE submission_part p SET superseded_by = w.newest
        FROM (SELECT member_id, reporting_year, section, arg_max(submission_id, seq) AS newest, max(seq) AS top
              FROM submission_part
              SEMI JOIN (SELECT DISTINCT member_id, reporting_year, section FROM _file_members) USING
                  (member_id, reporting_year, section)
              GROUP BY ALL) w
        WHERE p.member_id = w.member_id AND p.reporting_year = w.reporting_year AND p.section = w.section
          AND p.seq < w.top AND p.superseded_by IS NULL""")  # noqa: E501  # SQL: wrapping a line would change the query text
