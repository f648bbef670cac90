"""What an archive-timestamp renewal costs (issue 16): time and bytes per generation.

One B-LTA validated PDF (a one-page PDF sealed as a verifier's signer does: signature timestamp,
DSS, document timestamp) is renewed ``--generations`` times in a chain, each generation by
``ecocluster.signing._archive.extend_pdf`` (the last timestamp's validation data and a new document
timestamp from ecocluster's TSA on loopback, then the check that it extends exactly the bytes
before). Reported per generation: seconds to renew, seconds to check an extension on read
(``check_extension``, what ``valid_chain`` pays per stored generation) and bytes added. The long-term
validation of the newest generation (``verify_pdf``) is timed once.
Usage: ``python -m benchmarks.bench_archive [--generations 5]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

from benchmarks.bench_signing import _blank_pdf, bench_pki
from ecocluster.signing import _archive, _pades
from ecocluster.signing.signers import from_key


def run(generations: int = 5) -> dict[str, float]:
    with bench_pki() as pki:
        signer = from_key(pki.key, pki.cert, (pki.ca_cert,), "bench key")
        pdf = _pades.seal_pdf(
            _blank_pdf(), signer, tsa_url=pki.url, roots=(pki.ca_cert,), crls=pki.trust.crls
        )
        first = len(pdf)
        renew, check, added = [], [], []
        for _ in range(generations):
            start = time.perf_counter()
            renewed = _archive.extend_pdf(pdf, pki.url, pki.trust)
            renew.append(time.perf_counter() - start)
            start = time.perf_counter()
            _archive.check_extension(pdf, renewed)
            check.append(time.perf_counter() - start)
            added.append(len(renewed) - len(pdf))
            pdf = renewed
        start = time.perf_counter()
        ok, detail = _pades.verify_pdf(pdf, pki.cert, pki.trust)
        ltv = time.perf_counter() - start
        assert ok, detail
    result = {
        "generations": generations,
        "b_lta_pdf_bytes": first,
        "renew_s_median": statistics.median(renew),
        "check_s_median": statistics.median(check),
        "bytes_added_mean": statistics.mean(added),
        "newest_ltv_s": ltv,
    }
    print(
        f"archive: {generations} renewals of a {first:,}-byte B-LTA PDF: "
        f"renew {result['renew_s_median']:.2f} s "
        f"(median; TSA on loopback, extension check included), check on read "
        f"{result['check_s_median']:.2f} s, bytes added per generation {added} (mean "
        f"{result['bytes_added_mean']:,.0f}); long-term validation of generation {generations}: {ltv:.2f} s"
    )
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--generations", type=int, default=5, help="renewals in one chain")
    args = parser.parse_args()
    run(args.generations)
