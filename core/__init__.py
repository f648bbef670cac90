"""The bottom layer every package stands on, importing none of them.

- :mod:`ecocluster.core.errors`: the one error hierarchy (pickle-safe, carrying its ids) and the exit codes.
- :mod:`ecocluster.core.home`: the home folder and its ``ecocluster.toml`` configuration.
- :mod:`ecocluster.core.store`: the object store interface, its local and S3 back ends, ``put_many``.
"""
