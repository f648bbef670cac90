"""One error hierarchy for ecocluster.

Every stage raises a subclass of :class:`EcoclusterError` so the CLI can print a message a
coordinator can act on and exit with a code scripts can trust. Errors are *terminal* unless they
derive from :class:`TransientError`; only transient ones are worth a Prefect retry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self


def _rebuild(cls: type[EcoclusterError], args: tuple[Any, ...], kwargs: dict[str, Any]) -> EcoclusterError:
    return cls(*args, **kwargs)


# Every exit code of the ``ecocluster`` command, one table (the README's "Exit codes" repeats it and
# a test keeps the two equal). The classes below carry theirs; 2 is click's, for usage errors.
EXIT_CODES: dict[int, str] = {
    0: "success (a report such as `check report` is a success whatever it reports)",
    1: "unexpected error (a bug: the traceback is printed)",
    2: "usage error: unknown option or command, a value outside the allowed ones (`--stage foo`)",
    3: "approval refused, an offline verification with a failed check, or a stored object altered",
    4: "blocking check failures (`check`, `check report --fail-on blocking`)",
    65: (
        "rejected input: a submission file refused, or a member, "
        "cluster or statement id the warehouse does not know"
    ),
    75: "temporary failure (busy warehouse, storage or signing service out of reach): run the command again",
    78: "configuration: no home at --home/ECOCLUSTER_HOME, an unusable ecocluster.toml or Prefect server",
    130: "interrupted (Ctrl-C); nothing half-written was kept",
}


class EcoclusterError(Exception):
    """Base of every error ecocluster raises on purpose.

    Pickle-safe for every subclass (Dask workers, persisted Prefect task results): the constructor's
    own arguments are kept when the error is made and it is rebuilt from them, so an error whose
    ``__init__`` takes ids (``ApprovalRuleFailed(rule, message)``) comes back with its ids and
    message, not with a ``TypeError`` from being called with its formatted text.
    """

    exit_code = 1
    _init_args: tuple[tuple[Any, ...], dict[str, Any]]

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        self = super().__new__(cls, *args)
        self._init_args = (args, kwargs)
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        args, kwargs = self._init_args
        return (_rebuild, (type(self), args, kwargs), self.__dict__)


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


class InputUnreadable(EcoclusterError):
    """A file named on the command line cannot be read as what it should be (missing, a folder)."""

    exit_code = 65  # EX_DATAERR


class CheckFailed(EcoclusterError):
    """Blocking check failures stop a member before verification."""

    exit_code = 4  # not 2: that is a usage error (click), which must not read as "the data is blocked"


class UnknownId(EcoclusterError):
    """A member, cluster or statement named on the command line is not in the warehouse."""

    exit_code = 65  # EX_DATAERR, like a refused file: the input names something that does not exist


class ApprovalRefused(EcoclusterError):
    """An approval (or registration package) failed verification; the message names the rule."""

    exit_code = 3


class ApprovalRuleFailed(ApprovalRefused):
    """An approval broke ``rule`` (a stable name from ``ecocluster.signing.RULES``, recorded with the
    refusal); ``detail`` says what was found, what was expected and what to do."""

    def __init__(self, rule: str, detail: str) -> None:
        self.rule = rule
        self.detail = detail
        super().__init__(f"approval refused, rule {rule}: {detail}")


class DecisionIncomplete(EcoclusterError):
    """An inbox envelope whose certificate or signed PDF has not arrived beside it yet: uploads land
    one file at a time, so it is looked at again at the next poll instead of being refused for good."""


class StorageUnavailable(TransientError):
    """The object store could not be reached or answered with a server error."""


class ObjectLocked(EcoclusterError):
    """A write-once object exists with other content, or is under retention."""


class StoredObjectChanged(EcoclusterError):
    """A pinned object read back is not what was written: its recorded version is gone, or its bytes no
    longer hash to the recorded SHA-256. Terminal: someone with access to the storage altered it (or
    the disk corrupted it); nothing is built on the changed bytes."""

    exit_code = 3


class ReviewRefused(EcoclusterError):
    """A step of a review round (a finding, an answer, an evidence file, a state change) was refused;
    ``rule`` names why (``finding-transition``, ``evidence-type``, ``evidence-size``, …)."""

    exit_code = 65  # EX_DATAERR: what was sent is wrong, sending it right fixes it

    def __init__(self, rule: str, message: str) -> None:
        self.rule = rule
        super().__init__(f"review step refused, rule {rule}: {message}")


class SignerUnavailable(ConfigurationError):
    """The signer a URI names cannot sign: unknown scheme, missing key file or token object, wrong
    PIN or passphrase, a key that does not match its certificate. The message says which and what to do."""


class SignerCredentialsRefused(SignerUnavailable):
    """A remote signing service (CSC) refused the verifier's access token (HTTP 401 or 403): nothing
    was signed; the message names the service and the variable to set (``ECOCLUSTER_CSC_TOKEN``)."""


class SigningServiceUnavailable(TransientError):
    """A remote signing service (CSC) could not be reached, timed out or answered with a server error:
    nothing was signed; run the command again once it answers (or check the URL in ``--signer``)."""


class RunnerFailure(EcoclusterError):
    """A request the CLI's background runner (``ecocluster.flows._runner``) refused or that failed there;
    carries the original exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class RunnerTransientFailure(RunnerFailure, TransientError):
    """A temporary failure in the runner (busy warehouse, storage outage): run the command again."""
