"""Raw submission files: discovery, size limits, hashing, format and text encoding.

The SHA-256 of the raw bytes is the submission's identity: it makes re-ingesting the same file a
no-op and lets a verifier trace every stored row back to the exact file a member sent.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ecocluster.core.config import IngestConfig
from ecocluster.core.errors import RowError
from ecocluster.warehouse.messages import N_, LocalisedRowError, Refusal

FORMATS = {".csv": "csv", ".txt": "csv", ".json": "json", ".xlsx": "xlsx", ".xlsm": "xlsx"}

# Field encodings seen in member exports; Windows code pages are chosen by the file's country.
_LEGACY_BY_COUNTRY = {"LV": "cp1257", "LT": "cp1257", "EE": "cp1257"}
_DEFAULT_LEGACY = "cp1252"


@dataclass(frozen=True)
class Limits:
    """Bounds that keep a hostile or broken file from exhausting memory or time."""

    max_file_bytes: int = 50 * 1024 * 1024
    max_rows: int = 200_000
    max_xlsx_uncompressed_bytes: int = 200 * 1024 * 1024

    @classmethod
    def from_config(cls, config: IngestConfig) -> Limits:
        mb = 1024 * 1024
        return cls(config.max_file_mb * mb, config.max_rows, config.max_xlsx_uncompressed_mb * mb)


@dataclass(frozen=True)
class RawFile:
    path: Path
    data: bytes
    sha256: str
    format: str

    @property
    def name(self) -> str:
        return str(self.path)


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[RowError]]:
    """Submission files under the given files and folders, in a stable order.

    Rosters (``cluster.json``) come first so that members exist before their data arrive.
    """
    found: list[Path] = []
    missing: list[RowError] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in FORMATS and not p.name.startswith((".", "~$"))
            )
        elif path.is_file():
            found.append(path)
        else:
            missing.append(LocalisedRowError.of(str(path), N_("no such file or folder"), {}))
    unique = sorted(set(found), key=lambda p: (p.name != "cluster.json", str(p)))
    return unique, missing


def read_raw(path: Path, limits: Limits) -> RawFile:
    """Read one file whole, or raise a :class:`Refusal` (a ValueError) saying why it is refused."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise Refusal(N_("unsupported file type '{suffix}'; send XLSX, CSV or JSON"), suffix=path.suffix)
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise Refusal(
            N_("file is {size} MB, larger than the {limit} MB limit"),
            size=f"{size / 1e6:.1f}",
            limit=f"{limits.max_file_bytes / 1e6:.0f}",
        )
    if size == 0:
        raise Refusal(N_("file is empty"))
    data = path.read_bytes()
    return RawFile(path, data, hashlib.sha256(data).hexdigest(), fmt)


def decode_text(data: bytes, country: str | None = None) -> tuple[str, str]:
    """Text of a CSV file and the encoding used: UTF-8 (with or without BOM) or a Windows code page.

    A file that is not valid UTF-8 is read with the code page of its country (Windows-1257 for
    the Baltic states, Windows-1252 otherwise): that is what spreadsheet exports there produce.
    """
    if b"\x00" in data:
        raise Refusal(N_("file contains NUL bytes: it is not a text CSV (was it saved as UTF-16 or binary?)"))
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        encoding = _LEGACY_BY_COUNTRY.get((country or "").upper(), _DEFAULT_LEGACY)
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as e:
            raise Refusal(
                N_("file is neither UTF-8 nor {encoding}: byte {byte} cannot be read"),
                encoding=encoding,
                byte=str(e.start),
            ) from e
