"""Reading rating tables from CSV files: long (one row per rating) or wide (one row per unit).

Used by the command line; the functions return the long table every statistic takes.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import StatsInputError

__all__ = ["parse_scale", "read_drift_csv", "read_long_csv", "read_wide_csv"]

#: Name of the index of a table read from a file: each row's line number.
LINE = "line"

#: Columns accepted for the rater, in order of preference. ``participant`` is what the
#: Huddle app's export calls its raters.
RATER_COLUMNS = ("rater", "participant")


def _read_text(path: Path | str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise StatsInputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise StatsInputError(f"{path}: is a directory, not a CSV file") from None
    except UnicodeDecodeError:
        raise StatsInputError(f"{path}: not UTF-8 text; save the CSV as UTF-8") from None
    if not text.strip():
        raise StatsInputError(f"{path}: the file is empty")
    return text


def _frame(text: str, path: Path | str) -> pd.DataFrame:
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
            skipinitialspace=True,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise StatsInputError(f"{path}: not a readable CSV file ({str(exc).strip()})") from None
    # pandas renames a repeated column ("r1", "r1.1"): refuse it instead, by the file's header.
    header = [h.strip() for h in next(csv.reader([text.splitlines()[0]], delimiter=delimiter))]
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise StatsInputError(f"{path}: the header names {', '.join(repeated)} more than once")
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise StatsInputError(f"{path}: the file has a header but no rows")
    return frame


def _scores(column: pd.Series, path: Path | str, what: str) -> np.ndarray:
    """Numbers from a text column; an empty cell is missing. Names the first bad cell."""
    stripped = column.str.strip()
    missing = stripped.eq("") | stripped.str.upper().isin(["NA", "NAN"])
    values = pd.to_numeric(stripped.where(~missing), errors="coerce")
    bad = values.isna() & ~missing
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise StatsInputError(
            f"{path}: line {row + 2}: {what} '{column.iloc[row]}' is not a number"
        )
    return values.to_numpy(dtype=float)


def read_long_csv(path: Path | str) -> pd.DataFrame:
    """Read a long CSV (columns ``unit``, ``rater`` or ``participant``, ``score``).

    Other columns are ignored. Returns a frame with columns ``unit``, ``rater``, ``score``
    (float, NaN where a cell was empty).
    """
    frame = _frame(_read_text(path), path)
    rater = next((c for c in RATER_COLUMNS if c in frame.columns), None)
    missing = [c for c in ("unit", "score") if c not in frame.columns]
    if rater is None:
        missing.insert(1, "rater")
    if missing:
        raise StatsInputError(
            f"{path}: missing column(s) {', '.join(missing)}; a long file needs unit, rater "
            f"and score (found: {', '.join(frame.columns)}). For one row per unit, use --wide"
        )
    return pd.DataFrame(
        {
            "unit": frame["unit"].str.strip(),
            "rater": frame[rater].str.strip(),
            "score": _scores(frame["score"], path, "score"),
        }
    ).set_axis(_line_numbers(len(frame)))


def _line_numbers(n_rows: int) -> pd.Index:
    """The file's line of each row (the header is line 1), so that errors can name it."""
    return pd.RangeIndex(2, n_rows + 2, name=LINE)


def read_drift_csv(path: Path | str) -> pd.DataFrame:
    """Read a drift CSV: columns ``unit``, ``domain``, ``rater``, ``area``, ``score``, and
    optionally ``period`` and ``reference``; other columns are ignored.

    Labels stay text; ``score`` and ``reference`` become numbers (NaN where empty). Each
    row is indexed by its line in the file, so errors can name it.
    """
    frame = _frame(_read_text(path), path)
    required = ("unit", "domain", "rater", "area", "score")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise StatsInputError(
            f"{path}: missing column(s) {', '.join(missing)}; a drift file needs "
            f"{', '.join(required)} (and may have period and reference); found: "
            f"{', '.join(frame.columns)}"
        )
    table = pd.DataFrame(
        {c: frame[c].str.strip().to_numpy() for c in ("unit", "domain", "rater", "area")}
    )
    table["score"] = _scores(frame["score"], path, "score")
    if "period" in frame.columns:
        table["period"] = frame["period"].str.strip().to_numpy()
    if "reference" in frame.columns:
        table["reference"] = _scores(frame["reference"], path, "reference")
    return table.set_axis(_line_numbers(len(frame)))


def read_wide_csv(path: Path | str) -> pd.DataFrame:
    """Read a wide CSV: one row per unit, the unit id first, then one column per rater."""
    frame = _frame(_read_text(path), path)
    if frame.shape[1] < 2:
        raise StatsInputError(
            f"{path}: a wide file needs the unit id and at least one rater column"
        )
    unit_column, rater_columns = frame.columns[0], list(frame.columns[1:])
    if len(set(rater_columns)) != len(rater_columns):
        raise StatsInputError(f"{path}: two rater columns have the same name")
    pieces = []
    for rater in rater_columns:
        pieces.append(
            pd.DataFrame(
                {
                    "unit": frame[unit_column].str.strip().to_numpy(),
                    "rater": rater,
                    "score": _scores(frame[rater], path, f"score for rater {rater}"),
                },
                index=_line_numbers(len(frame)),
            )
        )
    long = pd.concat(pieces)
    return long[~np.isnan(long["score"].to_numpy())]


def parse_scale(text: str) -> list[int]:
    """``"0:5"`` → ``[0, 1, 2, 3, 4, 5]``: the levels of a declared whole-number scale."""
    low, sep, high = text.partition(":")
    try:
        low_value, high_value = int(low), int(high)
    except ValueError:
        raise StatsInputError(f"--scale must be MIN:MAX in whole numbers, e.g. 0:5 (got '{text}')") from None
    if not sep or high_value <= low_value:
        raise StatsInputError(f"--scale must be MIN:MAX with MIN below MAX, e.g. 0:5 (got '{text}')")
    if high_value - low_value > 1000:
        raise StatsInputError("--scale may span at most 1000 levels")
    return list(range(low_value, high_value + 1))
