"""Object storage behind one interface; :func:`open_store` picks the back end from configuration."""

from __future__ import annotations

from signing.store.interface import ObjectStore, StoredObject
from signing.store.local import LocalStore
from warehouse.home import Home


def open_store(home: Home) -> ObjectStore:
    """The configured store: ``[storage] backend = "local"`` (default) or ``"s3"``."""
    config = home.config_section("storage")
    backend = config.get("backend", "local")
    if backend == "local":
        return LocalStore(home.objects_dir)
    if backend == "s3":
        from signing.store.s3 import S3Store  # boto3 is only imported when S3 is used

        return S3Store.from_config(config)
    from warehouse.errors import ConfigurationError

    raise ConfigurationError(f"[storage] backend must be 'local' or 's3', not {backend!r}")


__all__ = ["LocalStore", "ObjectStore", "StoredObject", "open_store"]
