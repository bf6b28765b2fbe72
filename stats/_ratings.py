"""Reading and checking ratings: the one place where input is validated.

Private module. The public functions of :mod:`stats.krippendorff` and
:mod:`stats.descriptives` call these readers once, at their boundary; the
helpers that compute afterwards trust what the readers return.

Two layouts are read:

* **reliability data**, a matrix of shape (raters, units) with ``np.nan`` for
  a missing rating (Krippendorff's own layout);
* a **long** table, one row per rating, with a unit column, a rater column
  and a score column (the layout used everywhere else in Huddle).

Both end up as the same :class:`Ratings`: one entry per rating that is
present, with the index of its unit. No dense raters x units matrix is built
from a long table.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from .errors import StatsInputError

#: How many values of a list an error message shows before it elides the rest.
_MAX_LISTED = 12


@dataclass(frozen=True, eq=False)
class Ratings:
    """Ratings that passed validation, one entry per rating present.

    Attributes
    ----------
    unit_code : ndarray of int64, shape (N,)
        Index of each rating's unit into ``unit_labels``.
    score : ndarray of float64, shape (N,)
        The ratings; all finite.
    unit_labels : pandas.Index
        Every unit seen in the input, also those whose ratings are all
        missing: column numbers for reliability data, labels in order of
        first appearance for a long table.
    rater_code : ndarray of int64, shape (N,), or None
        Index of each rating's rater into ``rater_labels``, when the raters
        were read (row numbers for reliability data).
    rater_labels : pandas.Index or None
        Every rater seen, in order of first appearance.
    """

    unit_code: np.ndarray
    score: np.ndarray
    unit_labels: pd.Index
    rater_code: np.ndarray | None = None
    rater_labels: pd.Index | None = None


def format_value(x: float) -> str:
    """Write a score for a message: ``3`` rather than ``3.0``; ``2.5`` as is."""
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def format_label(label: Any) -> str:
    """Write a unit, rater or row label for a message (quoted when a string)."""
    if isinstance(label, np.generic):
        label = label.item()
    return repr(label)


def _format_values(values: np.ndarray) -> str:
    shown = ", ".join(format_value(v) for v in values[:_MAX_LISTED])
    return shown + (", ..." if len(values) > _MAX_LISTED else "")


def _is_missing(item: Any) -> bool:
    if item is None or item is pd.NA:
        return True
    return isinstance(item, (float, np.floating)) and bool(np.isnan(item))


def _to_float(raw: np.ndarray, name: str, where: Callable[[tuple[int, ...]], str]) -> np.ndarray:
    """Convert an array of scores to float64, NaN for missing.

    Accepts integer and floating arrays, and object arrays whose items are
    real numbers or missing (``None``, ``nan``, ``pd.NA``). Booleans, strings,
    complex numbers and dates are refused, as are infinite values.
    """
    kind = raw.dtype.kind
    if kind in "iuf":
        x = np.asarray(raw, dtype=np.float64)
    elif kind == "O":
        x = np.empty(raw.shape, dtype=np.float64)
        for index, item in np.ndenumerate(raw):
            if _is_missing(item):
                x[index] = np.nan
            elif isinstance(item, numbers.Real) and not isinstance(item, (bool, np.bool_)):
                x[index] = float(item)
            else:
                raise StatsInputError(
                    f"{name} must hold numbers (or a missing value); found {item!r} {where(index)}"
                )
    else:
        first = next(iter(np.ndindex(raw.shape)))
        what = "booleans" if kind == "b" else f"values of type {raw.dtype}"
        raise StatsInputError(
            f"{name} must hold numbers (or a missing value); found {what}, "
            f"e.g. {raw[first]!r} {where(first)}"
        )
    infinite = np.isinf(x)
    if infinite.any():
        index = tuple(int(i) for i in np.argwhere(infinite)[0])
        raise StatsInputError(f"{name} must be finite; found {x[index]} {where(index)}")
    return x


def _series_to_float(series: pd.Series, name: str, where: Callable[[int], str]) -> np.ndarray:
    dtype = series.dtype
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        raw = series.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        raw = series.to_numpy(dtype=object)
    return _to_float(raw, name, lambda index: where(index[0]))


def where_in_table(index: pd.Index, i: int) -> str:
    """Where row ``i`` is: its line in a file that was read (index named "line"), or its label."""
    if index.name == "line":
        return f"on line {index[i]}"
    return f"in the row labelled {format_label(index[i])}"


def read_value_domain(value_domain: Any, name: str = "value_domain") -> np.ndarray | None:
    """Validate a declared scale; return its values sorted, or None when not given."""
    if value_domain is None:
        return None
    if isinstance(value_domain, (str, bytes)):
        raise StatsInputError(f"{name} must be a sequence of numbers, e.g. [0, 1, 2, 3, 4, 5]")
    try:
        raw = np.asarray(value_domain)
    except ValueError as exc:
        raise StatsInputError(f"{name} must be a flat sequence of numbers") from exc
    if raw.ndim != 1:
        raise StatsInputError(
            f"{name} must be a flat (1-D) sequence of numbers; got shape {raw.shape}"
        )
    if raw.size == 0:
        raise StatsInputError(
            f"{name} is empty; give the values of the scale, e.g. [0, 1, 2, 3, 4, 5]"
        )
    domain = _to_float(raw, name, lambda index: f"at position {index[0]}")
    missing = np.flatnonzero(np.isnan(domain))
    if missing.size:
        raise StatsInputError(f"{name} has a missing value at position {missing[0]}")
    domain = np.sort(domain)
    repeated = domain[1:][domain[1:] == domain[:-1]]
    if repeated.size:
        raise StatsInputError(f"{name} lists the value {format_value(repeated[0])} more than once")
    return domain


def _check_in_domain(
    score: np.ndarray,
    value_domain: np.ndarray | None,
    name: str,
    where: Callable[[int], str],
    domain_name: str = "value_domain",
) -> None:
    """Refuse the first score (in input order) that is not in the declared scale."""
    if value_domain is None:
        return
    outside = np.flatnonzero(~np.isin(score, value_domain))
    if outside.size:
        i = outside[0]
        raise StatsInputError(
            f"{name} holds the score {format_value(score[i])} {where(i)}, which is not in "
            f"{domain_name} ({_format_values(value_domain)})"
        )


def reliability_matrix(reliability_data: Any, name: str = "reliability_data") -> np.ndarray:
    """Validate a (raters, units) matrix; return it as float64 with NaN for a missing rating."""
    if isinstance(reliability_data, pd.DataFrame):
        raise StatsInputError(
            f"{name} must be an array of shape (raters, units), not a DataFrame: for a long "
            "table (one row per rating) use the *_long function; for a wide table pass "
            "frame.to_numpy() (rows are raters) or frame.T.to_numpy() (rows are units)"
        )
    try:
        raw = np.asarray(reliability_data)
    except ValueError as exc:
        raise StatsInputError(
            f"{name} must be a rectangular 2-D array (raters, units); its rows differ in length"
        ) from exc
    if raw.size == 0:
        raise StatsInputError(
            f"{name} is empty (shape {raw.shape}); it needs at least one rater and one unit"
        )
    if raw.ndim != 2:
        raise StatsInputError(
            f"{name} must be 2-D with shape (raters, units); got {raw.ndim} dimension(s)"
        )
    x = _to_float(raw, name, _where_matrix)
    if np.isnan(x).all():
        raise StatsInputError(f"{name} holds no ratings: every value is missing")
    return x


def _where_matrix(index: tuple[int, ...]) -> str:
    return f"at row {index[0]} (rater), column {index[1]} (unit)"


def read_reliability_data(
    reliability_data: Any,
    value_domain: np.ndarray | None,
    name: str = "reliability_data",
) -> Ratings:
    """Read a (raters, units) matrix with ``np.nan`` (or None) for a missing rating."""
    x = reliability_matrix(reliability_data, name)
    present = ~np.isnan(x)
    rater_index, unit_index = np.nonzero(present)
    score = x[present]
    _check_in_domain(
        score,
        value_domain,
        name,
        lambda i: _where_matrix((int(rater_index[i]), int(unit_index[i]))),
    )
    return Ratings(
        unit_code=unit_index.astype(np.int64),
        score=score,
        unit_labels=pd.RangeIndex(x.shape[1]),
        rater_code=rater_index.astype(np.int64),
        rater_labels=pd.RangeIndex(x.shape[0]),
    )


def matrix_value_counts(
    x: np.ndarray, value_domain: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray] | None:
    """The values and dense counts n_uc (units x values) of a validated (raters, units) matrix.

    A few passes over the matrix, without listing the ratings, when the scores are whole
    numbers on a scale of consecutive whole numbers (any rating scale). Returns None
    otherwise, or when a score lies outside ``value_domain``: the caller then reads the
    ratings one by one, which names the offending cell.
    """
    n_units = x.shape[1]
    low = float(np.fmin.reduce(x, axis=None))  # fmin and fmax skip NaN
    high = float(np.fmax.reduce(x, axis=None))
    if value_domain is None:
        base, V = low, int(min(high - low, 4 * x.size + 1_000)) + 1
        values = np.arange(V) + base  # levels nobody used are trimmed by the caller
    else:
        base, V = float(value_domain[0]), len(value_domain)
        values = value_domain
        if not np.array_equal(value_domain, np.arange(V) + base):
            return None
    if low < base or high > base + V - 1:
        return None
    # In place where possible: fresh buffers of the matrix's size cost more than the
    # arithmetic, so ``offset`` and ``scratch`` are the only two allocated.
    offset = np.subtract(x, base)  # NaN stays NaN
    scratch = np.floor(offset)
    np.subtract(offset, scratch, out=scratch)
    if np.any(scratch > 0):
        return None
    np.fmin(offset, V, out=offset)  # missing (NaN) becomes the extra level V
    if scratch.itemsize == np.dtype(np.intp).itemsize:
        code = scratch.view(np.intp)
        np.copyto(code, offset, casting="unsafe")
    else:  # pragma: no cover - 32-bit platforms
        code = offset.astype(np.intp)
    code += (V + 1) * np.arange(n_units)
    counts = np.bincount(code.ravel(), minlength=n_units * (V + 1)).reshape(n_units, V + 1)
    return values, counts[:, :V]


def _column(frame: pd.DataFrame, column: Hashable, role: str, name: str) -> pd.Series:
    if column not in frame.columns:
        listed = ", ".join(format_label(c) for c in list(frame.columns)[:_MAX_LISTED])
        raise StatsInputError(
            f"{name} has no column {format_label(column)} for the {role} (its columns: {listed}); "
            f"name the right one with {role}=..."
        )
    series = frame[column]
    if isinstance(series, pd.DataFrame):
        raise StatsInputError(f"{name} has more than one column named {format_label(column)}")
    return series


def _factorize(series: pd.Series, role: str, name: str) -> tuple[np.ndarray, pd.Index]:
    """Codes 0, 1, ... in order of first appearance (-1 for a missing label), and the labels."""
    if pd.api.types.is_integer_dtype(series.dtype) and not pd.api.types.is_extension_array_dtype(
        series.dtype
    ):
        fast = _factorize_integers(series.to_numpy())
        if fast is not None:
            return fast
    try:
        codes, uniques = pd.factorize(series, sort=False)
    except TypeError as exc:
        raise StatsInputError(
            f"{name}: the {role} labels must be hashable (strings or numbers)"
        ) from exc
    return codes.astype(np.int64), pd.Index(uniques)


def _factorize_integers(labels: np.ndarray) -> tuple[np.ndarray, pd.Index] | None:
    """As :func:`pandas.factorize` for integer labels in a short range, by counting (no hashing)."""
    if len(labels) == 0:
        return None
    low = int(labels.min())
    span = int(labels.max()) - low + 1
    if span > 4 * len(labels) + 1_000:
        return None
    offset = (labels - low).astype(np.intp)
    first = np.full(span, len(labels))
    np.minimum.at(first, offset, np.arange(len(labels)))
    present = np.flatnonzero(first < len(labels))
    order = present[np.argsort(first[present], kind="stable")]
    rank = np.empty(span, dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[offset], pd.Index(order + low, dtype=labels.dtype)


def read_long(
    frame: Any,
    *,
    unit: Hashable,
    rater: Hashable | None,
    score: Hashable,
    value_domain: np.ndarray | None,
    name: str = "frame",
    domain_name: str = "value_domain",
) -> Ratings:
    """Read a long table: one row per rating.

    A row whose score is missing (NaN, None, ``pd.NA``) is a missing rating
    and is dropped. Among the remaining rows, a unit or rater label must be
    present, and (when ``rater`` is given) each rater may score a unit once.
    """
    if not isinstance(frame, pd.DataFrame):
        raise StatsInputError(
            f"{name} must be a pandas DataFrame with one row per rating; got {type(frame).__name__}"
        )
    roles = {"unit": unit, "score": score}
    if rater is not None:
        roles["rater"] = rater
    if len({repr(c) for c in roles.values()}) < len(roles):
        raise StatsInputError(
            "unit, rater and score must name different columns; got "
            + ", ".join(f"{role}={format_label(c)}" for role, c in roles.items())
        )
    columns = {role: _column(frame, c, role, name) for role, c in roles.items()}
    if len(frame) == 0:
        raise StatsInputError(f"{name} is empty: it has no rows, so there are no ratings")

    index = frame.index

    def where_row(i: int) -> str:
        return where_in_table(index, i)

    x = _series_to_float(columns["score"], f"{name} column {format_label(score)}", where_row)
    unit_code, unit_labels = _factorize(columns["unit"], "unit", name)
    rated = np.flatnonzero(~np.isnan(x))

    def pick(values: np.ndarray) -> np.ndarray:
        """The rated rows of a column (no copy when every row is rated)."""
        return values if rated.size == len(values) else values[rated]

    if rated.size == 0:
        raise StatsInputError(f"{name} holds no ratings: every score is missing")

    unlabelled = rated[pick(unit_code) < 0]
    if unlabelled.size:
        raise StatsInputError(
            f"{name} has a score without a unit (missing {format_label(unit)}) "
            f"{where_row(unlabelled[0])}"
        )
    rater_code: np.ndarray | None = None
    rater_labels: pd.Index | None = None
    if rater is not None:
        rater_code, rater_labels = _factorize(columns["rater"], "rater", name)
        unlabelled = rated[pick(rater_code) < 0]
        if unlabelled.size:
            raise StatsInputError(
                f"{name} has a score without a rater (missing {format_label(rater)}) "
                f"{where_row(unlabelled[0])}"
            )
        _check_one_score_per_rater(
            rated, pick(unit_code), pick(rater_code), unit_labels, rater_labels, index, name
        )
    score_rated = pick(x)
    _check_in_domain(score_rated, value_domain, name, lambda i: where_row(rated[i]), domain_name)
    return Ratings(
        unit_code=pick(unit_code),
        score=score_rated,
        unit_labels=unit_labels,
        rater_code=None if rater_code is None else pick(rater_code),
        rater_labels=rater_labels,
    )


def _check_one_score_per_rater(
    rated: np.ndarray,
    unit_code: np.ndarray,
    rater_code: np.ndarray,
    unit_labels: pd.Index,
    rater_labels: pd.Index,
    index: pd.Index,
    name: str,
) -> None:
    """Refuse a second score by the same rater for the same unit.

    ``unit_code`` and ``rater_code`` are those of the rated rows, whose row numbers are
    ``rated``.
    """
    key = unit_code * len(rater_labels) + rater_code
    key_space = len(unit_labels) * len(rater_labels)
    if key_space <= 4 * len(key) + 1_000_000:
        if np.bincount(key, minlength=key_space).max() <= 1:
            return
    elif not np.any(count_keys(key, key_space)[1] > 1):
        return
    order = np.argsort(key, kind="stable")
    repeats = np.flatnonzero(key[order][1:] == key[order][:-1])
    # Of all repeated scores, name the one that comes first in the table.
    second = order[repeats + 1]
    j = repeats[np.argmin(second)]
    first_row, second_row = rated[order[j]], rated[order[j + 1]]
    raise StatsInputError(
        f"{name}: unit {format_label(unit_labels[unit_code[order[j]]])} has more than one score "
        f"from rater {format_label(rater_labels[rater_code[order[j]]])} (rows labelled "
        f"{format_label(index[first_row])} and {format_label(index[second_row])}); "
        "each rater may score a unit once"
    )


def unit_value_counts(
    unit_code: np.ndarray, value_code: np.ndarray, n_values: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sparse value-by-unit counts.

    Returns ``(u, c, n_uc)``: for every unit ``u`` and value index ``c`` with
    ``n_uc > 0``, the number of ratings of unit ``u`` with value ``c``; sorted
    by ``u``, then ``c``. Cost and memory as :func:`count_keys`.
    """
    n_units = int(unit_code.max()) + 1 if len(unit_code) else 0
    key, n_uc = count_keys(unit_code * n_values + value_code, n_units * n_values)
    return key // n_values, key % n_values, n_uc


def value_codes(
    score: np.ndarray, value_domain: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """The sorted values and each score's index into them.

    ``value_domain`` (already validated, and holding every score) gives the
    values; otherwise they are the distinct scores. Whole-number scores in a
    short range are looked up in a table (one pass); others are sorted.
    """
    if len(score) == 0:
        values = value_domain if value_domain is not None else np.empty(0)
        return values, np.empty(0, dtype=np.int64)
    low, high = float(score.min()), float(score.max())
    span = high - low
    if span <= 4 * len(score) + 1_000 and np.array_equal(score, np.floor(score)):
        offset = (score - low).astype(np.int64)
        if value_domain is None:
            present = np.bincount(offset, minlength=int(span) + 1) > 0
            values = np.flatnonzero(present) + low
            lookup = np.cumsum(present) - 1
        else:
            values = value_domain
            lookup = np.searchsorted(value_domain, np.arange(int(span) + 1) + low)
        return values, lookup[offset]
    if value_domain is None:
        values, codes = np.unique(score, return_inverse=True)
        return values, codes.astype(np.int64)
    return value_domain, np.searchsorted(value_domain, score).astype(np.int64)


def count_keys(key: np.ndarray, key_space: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct integer keys in ``[0, key_space)``, ascending, and their counts.

    When the key space is at most a few times the number of keys, counting
    with ``bincount`` costs O(N + key_space); otherwise sorting costs
    O(N log N). Both give the same answer; memory stays O(N) either way.
    """
    if key_space <= 4 * len(key) + 1_000_000:
        counts = np.bincount(key, minlength=key_space)
        present = np.flatnonzero(counts)
        return present, counts[present].astype(np.int64)
    present, counts = np.unique(key, return_counts=True)
    return present, counts.astype(np.int64)


def read_reference_pairs(
    frame: Any,
    *,
    rater: Hashable,
    score: Hashable,
    reference: Hashable,
    name: str = "frame",
) -> tuple[list[Any], np.ndarray, np.ndarray, np.ndarray]:
    """Read (rater, score, reference) rows for calibration.

    Returns ``(rater_labels, rater_code, score, reference)``; a missing reference is NaN,
    a row whose score is missing is dropped.
    """
    if not isinstance(frame, pd.DataFrame):
        raise StatsInputError(
            f"{name} must be a pandas DataFrame with one row per rating; got {type(frame).__name__}"
        )
    columns = {
        role: _column(frame, c, role, name)
        for role, c in (("rater", rater), ("score", score), ("reference", reference))
    }
    if len(frame) == 0:
        raise StatsInputError(f"{name} is empty: it has no rows, so there are no ratings")
    index = frame.index

    def where_row(i: int) -> str:
        return where_in_table(index, i)

    x = _series_to_float(columns["score"], f"{name} column {format_label(score)}", where_row)
    r = _series_to_float(columns["reference"], f"{name} column {format_label(reference)}", where_row)
    code, labels = _factorize(columns["rater"], "rater", name)
    keep = ~np.isnan(x)
    if np.any(code[keep] < 0):
        first = int(np.flatnonzero(keep & (code < 0))[0])
        raise StatsInputError(f"{name} has a score without a rater {where_row(first)}")
    return list(labels), code[keep], x[keep], r[keep]


def agreement_weights(x: np.ndarray, weights: str) -> np.ndarray:
    """Agreement weights w_kl from the categories' values x: identity when unweighted,
    1 - |x_k - x_l| / span (linear) or 1 - ((x_k - x_l) / span)^2 (quadratic); Cohen (1968)."""
    q = len(x)
    if weights == "unweighted" or q < 2:
        return np.eye(q)
    d = x[:, None] - x[None, :]
    span = float(x.max() - x.min())
    if weights == "linear":
        return 1.0 - np.abs(d) / span
    return 1.0 - (d / span) ** 2


def unit_category_counts(ratings: Ratings, categories: np.ndarray) -> np.ndarray:
    """r_ik, shape (n, q): ratings of each category per unit, for units rated at least once."""
    q = len(categories)
    U = len(ratings.unit_labels)
    k = np.searchsorted(categories, ratings.score)
    r = np.bincount(ratings.unit_code * q + k, minlength=U * q).reshape(U, q)
    return r[r.sum(axis=1) > 0].astype(np.float64)


Weights = Literal["unweighted", "linear", "quadratic"]

#: Weight sets accepted by name, in order of increasing credit for near misses.
WEIGHTS: Final[tuple[str, ...]] = ("unweighted", "linear", "quadratic")

#: Largest number of categories accepted (weights are q x q, unit counts n x q): far above
#: any rating scale.
MAX_CATEGORIES: Final[int] = 2000


def check_weights(weights: Any, allowed: tuple[str, ...] = WEIGHTS) -> None:
    """Refuse a weight set not among ``allowed``, naming those that are."""
    if not isinstance(weights, str) or weights not in allowed:
        listed = ", ".join(repr(w) for w in allowed)
        raise StatsInputError(f"weights must be one of {listed}; got {weights!r}")
