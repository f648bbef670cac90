"""Which members a run covers: a whole reporting year, some clusters, or some members."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ecocluster.checks._rule import values


@dataclass(frozen=True)
class Scope:
    reporting_year: int
    members: tuple[str, ...] = ()
    clusters: tuple[str, ...] = ()

    @classmethod
    def of(
        cls, year: int, members: Iterable[str] | None = None, clusters: Iterable[str] | None = None
    ) -> Scope:
        return cls(int(year), tuple(sorted(set(members or ()))), tuple(sorted(set(clusters or ()))))

    def describe(self) -> str:
        parts = [f"cluster {', '.join(self.clusters)}"] if self.clusters else []
        parts += [f"member {', '.join(self.members)}"] if self.members else []
        return "; ".join(parts) or "all"

    def sql(self) -> str:
        """The GX batch: members in the roster or with current data for the year, filtered.

        Unknown members (data without a roster row) are kept so that data_quality can report them.
        """
        filters, roster, parts = [], "", ""
        if self.members:
            ids = f"(SELECT id FROM {values([(m,) for m in self.members], ('id',), 'mi')})"
            filters.append(f"u.member_id IN {ids}")
            # The same filter inside both branches, so a narrow run never unions the whole roster.
            roster, parts = f" WHERE member_id IN {ids}", f" AND member_id IN {ids}"
        if self.clusters:
            filters.append(
                f"m.cluster_id IN (SELECT id FROM {values([(c,) for c in self.clusters], ('id',), 'ci')})"
            )
        where = f"WHERE {' AND '.join(filters)}" if filters else ""
        return (
            f"SELECT u.member_id, m.cluster_id, {self.reporting_year} AS reporting_year FROM ("
            f"SELECT member_id FROM member{roster} UNION SELECT member_id FROM current_part"
            f" WHERE reporting_year = {self.reporting_year}{parts}) u"
            f" LEFT JOIN member m ON m.member_id = u.member_id {where}"
        )
