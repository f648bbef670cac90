"""The error hierarchy: every class survives pickling (Dask workers, persisted Prefect results)."""

from __future__ import annotations

import importlib
import pickle
import pkgutil
from typing import Any

from ecocluster.core.errors import (
    ApprovalRuleFailed,
    EcoclusterError,
    ReviewRefused,
    RowError,
    RunnerFailure,
    RunnerTransientFailure,
    SubmissionRejected,
)
from ecocluster.signing import (
    AnnexInvalid,
    FindingState,
    FindingTransitionRefused,
    PackageRefused,
    RenewalRefused,
    RequestRefused,
    ReviewLogBroken,
)

PACKAGES = (
    "ecocluster.core",
    "ecocluster.warehouse",
    "ecocluster.checks",
    "ecocluster.statements",
    "ecocluster.signing",
    "ecocluster.flows",
    "ecocluster.portal",
)


def _every_error_class() -> list[type[Exception]]:
    """Imports every module of every package first, so no error class hides behind import order."""
    for package in PACKAGES:
        root = importlib.import_module(package)
        for module in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
            importlib.import_module(module.name)

    found: list[type[Exception]] = []
    todo: list[type[Exception]] = [EcoclusterError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def _instance(cls: type[Exception]) -> Exception:
    from ecocluster.portal import LoginRefused  # the portal (starlette) loads only for this table

    custom: dict[type[Exception], tuple[tuple[Any, ...], dict[str, Any]]] = {
        SubmissionRejected: (("a.csv", [RowError("a.csv", "bad unit", "indicators", 3, "unit", "kWh")]), {}),
        ApprovalRuleFailed: (("signature", "the DSSE signature does not verify"), {}),
        PackageRefused: (("bag", "data/statement.json", "the SHA-256 does not match the manifest"), {}),
        FindingTransitionRefused: (("F-1", FindingState.CLOSED, "answered"), {}),
        ReviewRefused: (
            ("finding-transition", "finding F-1 is closed; a closed finding cannot be answered"),
            {},
        ),
        AnnexInvalid: (("VI", "data/annex-vi-application.json", "'nace' is a required property"), {}),
        ReviewLogBroken: (("4b273aa4", "event 3 was edited"), {}),
        RequestRefused: (("request-entry", "IT-000123 is already deleted from the register"), {}),
        LoginRefused: (("too many attempts; try again in 15 minutes",), {"throttled": True}),
        RunnerFailure: (("the runner refused: no such member", 65), {}),
        RunnerTransientFailure: (("the runner refused: the home is busy", 75), {}),
        RenewalRefused: (("prefix", "archive-renewals/a.pdf/1-0.pdf", "does not extend its original"), {}),
    }
    if cls in custom:
        args, kwargs = custom[cls]
        return cls(*args, **kwargs)
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
