"""The home folder: where one ecocluster installation keeps its state.

Everything a run needs or produces lives under one folder (``--home`` or ``ECOCLUSTER_HOME``,
default ``./.ecocluster``) so that a deployment can be backed up, moved or wiped as a unit.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ecocluster.core.config import CONFIG_NAME, Config
from ecocluster.core.errors import ConfigurationError

DEFAULT_HOME = Path(".ecocluster")


@dataclass(frozen=True)
class Home:
    root: Path

    @classmethod
    def resolve(cls, home: str | os.PathLike[str] | None = None) -> Home:
        """The home folder at ``home`` (or ``ECOCLUSTER_HOME``, or ``./.ecocluster``), created if absent."""
        found = cls.locate(home)
        found.root.mkdir(parents=True, exist_ok=True)
        return found

    @classmethod
    def locate(cls, home: str | os.PathLike[str] | None = None) -> Home:
        """Where the home folder is, without creating anything (a mistyped path stays absent)."""
        chosen = home or os.environ.get("ECOCLUSTER_HOME") or DEFAULT_HOME
        return cls(Path(chosen).expanduser().absolute())

    def exists(self) -> bool:
        """A home is a folder holding a warehouse: only commands that create one make it."""
        return self.warehouse_path.is_file()

    def existing(self) -> Home:
        """This home, or :class:`ConfigurationError` when there is none (read-only commands, reruns)."""
        if not self.exists():
            raise ConfigurationError(
                f"no ecocluster home at {self.root} (no {self.warehouse_path.name} there): check --home or "
                "ECOCLUSTER_HOME, or create a home with `ecocluster ingest PATH`, `ecocluster demo`, "
                "`ecocluster pki init` (accreditation body) or `ecocluster intake-key --country CC` "
                "(competent body)"
            )
        return self

    @property
    def warehouse_path(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def objects_dir(self) -> Path:
        """Root of the local object store (the embedded default back end)."""
        return self.root / "objects"

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    def subdir(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def config(self) -> Config:
        """The home's ``ecocluster.toml`` as typed sections (absent: every default), read and
        validated as a whole: an unknown section or key, or a wrong type, is refused by name."""
        return Config.read(self.config_path)
