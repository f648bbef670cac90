"""One error hierarchy for ecocluster.

Every stage raises a subclass of :class:`EcoclusterError` so the CLI can print a message a
coordinator can act on and exit with a code scripts can trust. Errors are *terminal* unless they
derive from :class:`TransientError`; only transient ones are worth a Prefect retry.
"""

from __future__ import annotations

from dataclasses import dataclass


class EcoclusterError(Exception):
    """Base of every error ecocluster raises on purpose."""

    exit_code = 1


class TransientError(EcoclusterError):
    """A failure that may go away on its own (storage outage, busy database): retry it."""

    exit_code = 75  # EX_TEMPFAIL


class ConfigurationError(EcoclusterError):
    """The home folder or its configuration is unusable."""

    exit_code = 78  # EX_CONFIG


class WarehouseBusy(TransientError):
    """Another ecocluster process holds the warehouse's single-writer lock."""


@dataclass(frozen=True)
class RowError:
    """One reason a submission file was refused, located as precisely as the format allows."""

    file: str
    reason: str
    part: str | None = None  # "sheet indicators" (XLSX), "key indicators" (JSON); None for CSV
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def location(self) -> str:
        parts = [self.file]
        if self.part:
            parts.append(self.part)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        shown = f" (value {self.value!r})" if self.value not in (None, "") else ""
        return f"{self.location()}: {self.reason}{shown}"


class SubmissionRejected(EcoclusterError):
    """A file was refused whole; ``errors`` lists every problem found in it."""

    exit_code = 65  # EX_DATAERR

    def __init__(self, file: str, errors: list[RowError]) -> None:
        self.file = file
        self.errors = errors
        super().__init__(f"{file}: rejected with {len(errors)} error(s); first: {errors[0]}")


class CheckFailed(EcoclusterError):
    """Blocking check failures stop a member before verification."""

    exit_code = 2


class ApprovalRefused(EcoclusterError):
    """An approval (or registration package) failed verification; the message names the rule."""

    exit_code = 3


class StorageUnavailable(TransientError):
    """The object store could not be reached or answered with a server error."""


class ObjectLocked(EcoclusterError):
    """A write-once object exists with other content, or is under retention."""


class StoredObjectChanged(EcoclusterError):
    """A pinned object read back is not what was written: its recorded version is gone, or its bytes no
    longer hash to the recorded SHA-256. Terminal: someone with access to the storage altered it (or
    the disk corrupted it); nothing is built on the changed bytes."""

    exit_code = 3
