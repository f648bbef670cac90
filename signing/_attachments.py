"""A competent body's bounds on each file of a registration package: size and type judged by content.

Some bodies take attachments through an online system with limits of its own (issue 18: a Spanish
region, online only, size limits on attachments). The profile's ``attachments`` table may bound the
whole package (``maxPackageBytes``, checked with the request's checks), each file of ``data/``
(``maxFileBytes``) and the types it takes (``types``, media types). A file's type is judged from its
bytes, never from its name, and the name's extension must say the same type: a PNG named
``statement-validated.pdf`` is refused as rule ``attachment-type`` even where PNG is allowed.

These checks run at intake before the package's offline verification is looked at, so a file the
body does not take is refused by its own rule (``attachment-size``, ``attachment-type``) and named,
whatever else is wrong with the package. Nothing here runs when the profile sets neither bound.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from ecocluster.signing._offline import Check, Outcome
from ecocluster.signing._profiles import AttachmentLimits

PDF = "application/pdf"
JSON = "application/json"
TEXT = "text/plain"
PEM = "application/pem-certificate-chain"
TSR = "application/timestamp-reply"
PNG = "image/png"
JPEG = "image/jpeg"
ZIP = "application/zip"
BINARY = "application/octet-stream"
JUDGED = (PDF, JSON, TEXT, PEM, TSR, PNG, JPEG, ZIP, BINARY)  # the same as KNOWN_TYPES (a test says so)

# The type a file's extension names; a package file with another extension is judged as binary.
BY_EXTENSION = {".pdf": PDF, ".json": JSON, ".txt": TEXT, ".pem": PEM, ".tsr": TSR, ".png": PNG}


def content_type(data: bytes) -> str:
    """The media type ``data`` is, from its first bytes and, for text, whether it parses."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        return ZIP
    if data.startswith(b"\x30") and _der_length_fits(data):
        return TSR  # one DER SEQUENCE filling the file: the only binary a package holds
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return BINARY
    if any(ord(c) < 32 and c not in "\t\r\n" for c in text):
        return BINARY
    if text.startswith("-----BEGIN CERTIFICATE-----"):
        return PEM
    if text.lstrip().startswith(("{", "[")):
        try:
            json.loads(text)
        except ValueError:
            return TEXT
        return JSON
    return TEXT


def _der_length_fits(data: bytes) -> bool:
    """True when ``data`` is exactly one DER SEQUENCE (tag 0x30, definite length)."""
    if len(data) < 2:
        return False
    first = data[1]
    if first < 0x80:
        return len(data) == 2 + first
    count = first & 0x7F
    if count == 0 or count > 4 or len(data) < 2 + count:
        return False
    return len(data) == 2 + count + int.from_bytes(data[2 : 2 + count], "big")


def check(files: Mapping[str, bytes], limits: AttachmentLimits, country: str) -> tuple[Check, ...]:
    """One FAIL per ``data/`` file over the size or of a type the body does not take (or not the type
    its name says), else one PASS saying what was checked; nothing when the profile bounds neither."""
    if limits.max_file_bytes is None and limits.types is None:
        return ()
    failed = []
    data_files = sorted(name for name in files if name.startswith("data/"))
    for name in data_files:
        data = files[name]
        if limits.max_file_bytes is not None and len(data) > limits.max_file_bytes:
            failed.append(
                Check(
                    "attachment-size",
                    Outcome.FAIL,
                    f"{len(data):,} bytes; the {country} competent body takes files of at most "
                    f"{limits.max_file_bytes:,} bytes: deliver the package as the body instructs for "
                    "larger files",
                    name,
                )
            )
        if limits.types is not None:
            found, named = content_type(data), BY_EXTENSION.get(_extension(name), BINARY)
            if found != named:
                failed.append(
                    Check(
                        "attachment-type",
                        Outcome.FAIL,
                        f"the content is {found} but the name says {named}; the file was replaced",
                        name,
                    )
                )
            elif found not in limits.types:
                failed.append(
                    Check(
                        "attachment-type",
                        Outcome.FAIL,
                        f"{found}; the {country} competent body takes {', '.join(limits.types)}",
                        name,
                    )
                )
    if failed:
        return tuple(failed)
    bounds = []
    if limits.max_file_bytes is not None:
        bounds.append(f"at most {limits.max_file_bytes:,} bytes each")
    if limits.types is not None:
        bounds.append("of a type the body takes, judged by content")
    said = f"{len(data_files)} file(s), {' and '.join(bounds)}"
    return (Check("attachments-per-file", Outcome.PASS, said),)


def _extension(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    return base[base.rfind(".") :].lower() if "." in base else ""
