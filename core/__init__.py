"""The bottom layer every package stands on, importing none of them.

- :mod:`ecocluster.core.errors`: the one error hierarchy (pickle-safe, carrying its ids) and the exit codes.
- :mod:`ecocluster.core.home`: the home folder; :meth:`Home.config` reads its ``ecocluster.toml``.
- :mod:`ecocluster.core.config`: that file's sections as frozen dataclasses (unknown keys refused).
- :mod:`ecocluster.core.store`: the object store interface, its local and S3 back ends, ``put_many``.
"""
