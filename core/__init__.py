"""The bottom layer every package stands on, importing none of them.

- :mod:`core.errors`: the one error hierarchy (pickle-safe, carrying its ids) and the exit codes.
- :mod:`core.home`: the home folder and its ``ecocluster.toml`` configuration.
- :mod:`core.store`: the object store interface, its local and S3 back ends, ``put_many``.
"""
