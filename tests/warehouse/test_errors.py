"""The error hierarchy: every class survives pickling (Dask workers, persisted Prefect results)."""

from __future__ import annotations

import pickle
from typing import Any

from signing._package import PackageRefused
from warehouse.errors import ApprovalRuleFailed, EcoclusterError, RowError, SubmissionRejected


def _every_error_class() -> list[type[Exception]]:
    import checks  # noqa: F401 -- each package defines its own errors; load them all
    import flows._stages  # noqa: F401 -- SubmissionsRefused travels through Prefect results
    import signing  # noqa: F401
    import statements  # noqa: F401
    import warehouse.partition
    import warehouse.template  # noqa: F401

    found, todo = [], [EcoclusterError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def _instance(cls: type[Exception]) -> Exception:

    custom: dict[type[Exception], tuple[Any, ...]] = {
        SubmissionRejected: ("a.csv", [RowError("a.csv", "bad unit", "indicators", 3, "unit", "kWh")]),
        ApprovalRuleFailed: ("signature", "the DSSE signature does not verify"),
        PackageRefused: ("bag", "data/statement.json", "the SHA-256 does not match the manifest"),
    }
    if cls in custom:
        return cls(*custom[cls])
    assert cls.__init__ is Exception.__init__, f"{cls.__name__} takes its own arguments: add it to this table"
    return cls(f"{cls.__name__} for member IT-CL-001")


def test_every_error_class_survives_pickling_with_its_ids() -> None:
    """Dask and persisted Prefect results pickle errors: each comes back the same class, message and ids."""
    classes = _every_error_class()
    assert len(classes) >= 20 and ApprovalRuleFailed in classes
    for cls in classes:
        error = _instance(cls)
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is cls and str(back) == str(error) and back.args == error.args, cls
        assert {k: v for k, v in vars(back).items()} == vars(error), cls
    refused = pickle.loads(pickle.dumps(ApprovalRuleFailed("revocation", "revoked on 2026-01-02")))
    assert (refused.rule, refused.detail, refused.exit_code) == ("revocation", "revoked on 2026-01-02", 3)
