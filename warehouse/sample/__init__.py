"""Sample data: the two bundled sample clusters and a synthetic population of any size.

Both write the same file formats members and coordinators send (roster JSON, submission JSON,
per-section CSV, the XLSX template), with deliberate realistic faults listed in ``faults.json``.
Same seed, same bytes.
"""

from ecocluster.warehouse.sample._bundled import write_bundled
from ecocluster.warehouse.sample._faults import EXPECTATIONS as FAULT_KINDS
from ecocluster.warehouse.sample._faults import Fault
from ecocluster.warehouse.sample._synthetic import write_synthetic

__all__ = ["FAULT_KINDS", "Fault", "write_bundled", "write_synthetic"]
