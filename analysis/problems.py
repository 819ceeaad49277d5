"""The one error type for bad data, and the problems it carries."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one cell (or line) of a data file.

    ``line`` is the CSV's own line number (the header is line 1), so an editor can jump to it.

    >>> str(Problem("data/events.csv", 7, "date_latest", "before date_earliest (swap them)"))
    'data/events.csv:7: date_latest: before date_earliest (swap them)'
    """

    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.message}"


class DataError(Exception):
    """Raised when the data package is invalid; lists every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__(self.report())

    def report(self) -> str:
        """All problems, one per line, in file and line order."""
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the data package:"
        return "\n".join([head, *map(str, self.problems)])


class DataMissing(Exception):
    """Raised when the data directory, the package descriptor or a table file cannot be read."""
