"""How the platform's long-running processes set up the interpreter.

A consumer applying a poll of 2,000 events, or a service answering a steady stream of requests,
allocates objects by the hundred thousand, nearly all of them short-lived. With CPython's
default thresholds the collector then runs every 700 allocations, and its full passes walk
everything start-up made (modules, routes, schemas) again and again: a rebuild spent a third
of its CPU there. `ccn serve`, `ccn rebuild` and the benchmarks that stand for them call
`settle()` once start-up is done.
"""

from __future__ import annotations

import gc

THRESHOLDS = (10_000, 50, 100)
"""Young objects between collections of the youngest generation, and how many collections of
each generation before the next one is collected (CPython's defaults: 700, 10, 10)."""


def settle() -> None:
    """Leave what start-up made out of the collector's passes, and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
