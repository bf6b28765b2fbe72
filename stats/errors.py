"""Exceptions raised by the :mod:`stats` package."""

from __future__ import annotations

__all__ = ["StatsInputError"]


class StatsInputError(ValueError):
    """Input that a person has to fix before a statistic can be computed.

    The message says what is wrong and where (the parameter, and the row,
    column, unit or rater concerned), so it can be shown to the person who
    supplied the data. It subclasses :class:`ValueError`, so callers that
    already catch ``ValueError`` keep working.
    """
