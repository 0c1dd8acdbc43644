"""The figures each stage hands on, as named, typed fields instead of dictionaries.

:class:`RoutingStats`: what a routing search counted. This module imports no solver.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RoutingStats"]


@dataclass(frozen=True)
class RoutingStats:
    """What a routing search counted, for reports (``RoutingSolution.stats``).

    ``seconds`` is wall-clock time: machine-dependent, never part of a plan. Counts a search
    does not keep stay 0 (``branches`` and ``failures`` are OR-Tools', ``iterations``
    PyVRP's); a limit of None means the search had none.
    """

    seconds: float = 0.0
    #: A wall-clock cap, not the work budget, ended the search: the answer may differ
    #: between runs.
    time_cap_hit: bool = False
    branches: int = 0
    failures: int = 0
    iterations: int = 0
    work_limit: int | None = None
    solution_limit: int | None = None
    #: Searches started again from another permutation after the first ran out of moves.
    restarts: int = 0
    #: Processes of the portfolio, and the index of the configuration whose answer was kept.
    workers: int = 1
    winner_config: int = 0
