"""The errors of findhz, all rooted in :class:`FindhzError`.

::

    FindhzError                 anything findhz raises on purpose; the CLI prints it in one line
    ├── InputError              input files are wrong; carries every Problem found, one line each
    ├── TravelError             a travel-time provider failed and no fallback was allowed
    │   └── ProviderAuthError   the provider rejected the key or the request (4xx)
    ├── PlanError               no plan could be made (e.g. nothing can run on any day)
    ├── VerificationFailed      a plan breaks a hard constraint; carries every violation
    ├── OutputRefused           the output folder is not findhz's to write (user files, a link)
    └── OutputWriteError        the file system failed while writing (read-only, disk full)

Library code raises these and never prints; the CLI turns them into lines on stderr and a
non-zero exit code: 2 for input errors and refused output folders, 3 when the file system
failed while writing, 1 for the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "FindhzError",
    "InputError",
    "OutputRefused",
    "OutputWriteError",
    "PlanError",
    "Problem",
    "ProviderAuthError",
    "TravelError",
    "VerificationFailed",
]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in one input file, precise enough for a coordinator to fix it.

    ``where`` is ``"line 12"`` for YAML and CSV, ``"row 5"`` for xlsx, or empty when the
    problem concerns the whole file; ``field`` is a dotted path such as ``hours.mon[1]``.
    """

    file: str
    where: str
    field: str
    message: str

    def __str__(self) -> str:
        parts = [self.file]
        if self.where:
            parts.append(self.where)
        if self.field:
            parts.append(self.field)
        return ": ".join(parts) + ": " + self.message


class FindhzError(Exception):
    """Base of every error findhz raises on purpose."""


class InputError(FindhzError):
    """One or more problems in the input files; ``str()`` gives one line per problem."""

    def __init__(self, problems: list[Problem]) -> None:
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.problems = sorted(set(problems), key=_problem_order)
        super().__init__("\n".join(str(p) for p in self.problems))


def _problem_order(problem: Problem) -> tuple[str, int, str, str]:
    digits = "".join(ch for ch in problem.where if ch.isdigit())
    return (problem.file, int(digits) if digits else 0, problem.field, problem.message)


class TravelError(FindhzError):
    """A travel-time provider failed (after its retries) and no fallback was allowed."""


class ProviderAuthError(TravelError):
    """The provider refused the request itself: a bad key, a bad parameter (HTTP 4xx)."""


class PlanError(FindhzError):
    """No plan can be made from this scenario; the message says why."""


class VerificationFailed(FindhzError):
    """A plan breaks hard constraints; ``violations`` lists each one as a sentence."""

    def __init__(self, violations: list[str]) -> None:
        self.violations = violations
        super().__init__(f"{len(violations)} violation(s): " + "; ".join(violations[:5]))


class OutputRefused(FindhzError):
    """findhz may not write this output folder (it holds files findhz did not write, or is a
    link, the root, the home or the current folder); nothing was touched."""


class OutputWriteError(FindhzError):
    """The file system failed while writing the output; the previous output is unchanged."""
