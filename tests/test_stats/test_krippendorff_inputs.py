"""Awkward and wrong input: answered with a reason, or refused with a precise message."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from stats import (
    LEVELS,
    MAX_DISTINCT_VALUES,
    StatsInputError,
    alpha_from_coincidences,
    coincidence_matrix,
    krippendorff_alpha,
    krippendorff_alpha_all_levels,
    krippendorff_alpha_all_levels_long,
    krippendorff_alpha_long,
)

NAN = np.nan


def long(rows, columns=("unit", "rater", "score")) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns))


# --------------------------------------------------------------------------
# Answered: alpha None with a reason, never NaN
# --------------------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_all_scores_identical_is_undefined_with_a_reason(level):
    result = krippendorff_alpha([[3, 3, 3, NAN], [3, 3, NAN, 3], [3, NAN, 3, 3]], level)
    assert result.alpha is None
    assert "no variation" in result.reason
    assert "alpha is undefined" in result.reason
    assert "observed agreement is 100%" in result.reason
    assert "(3)" in result.reason
    assert result.observed_disagreement == 0.0
    assert result.expected_disagreement == 0.0
    assert result.values == (3.0,)


def test_identical_pairable_scores_with_a_different_lone_score():
    """A lone 5 is not pairable, so the pairable scores still have no variation."""
    result = krippendorff_alpha([[2, 2, 5], [2, 2, NAN]], "interval")
    assert result.alpha is None
    assert "no variation" in result.reason


@pytest.mark.parametrize("level", LEVELS)
def test_one_rater_is_undefined_with_a_reason(level):
    result = krippendorff_alpha([[1, 2, 3, 4]], level)
    assert result.alpha is None
    assert "no unit has two or more ratings" in result.reason
    assert result.observed_disagreement is None and result.expected_disagreement is None
    assert (result.n_units, result.n_pairable_units, result.n_pairable_values) == (4, 0, 0)
    assert result.values == ()


def test_one_rater_in_long_form():
    frame = long([("a", "ann", 1), ("b", "ann", 2)])
    result = krippendorff_alpha_long(frame, "nominal")
    assert result.alpha is None and "no unit has two or more ratings" in result.reason


def test_a_rater_with_no_scores_changes_nothing():
    data = [[1, 2, 3, 3], [1, 2, 2, 3]]
    with_silent_rater = data + [[NAN] * 4]
    for level in LEVELS:
        assert krippendorff_alpha(with_silent_rater, level) == krippendorff_alpha(data, level)


def test_units_nobody_rated_are_not_counted():
    result = krippendorff_alpha([[1, NAN, 2, 1], [1, NAN, 2, 2]], "nominal")
    assert result.n_units == 3


def test_missing_scores_in_a_long_table_are_missing_ratings():
    frame = long(
        [
            ("a", "x", 1),
            ("a", "y", 1),
            ("b", "x", 2),
            ("b", "y", None),
            ("b", "z", 2),
            ("c", "x", NAN),
        ]
    )
    result = krippendorff_alpha_long(frame, "nominal")
    assert result.n_ratings == 4
    assert result.n_units == 2
    assert result.alpha == pytest.approx(1.0, abs=1e-12)


def test_nullable_integer_scores_are_accepted():
    frame = long([("a", "x", 1), ("a", "y", 2), ("b", "x", 2), ("b", "y", None), ("b", "z", 2)])
    frame["score"] = frame["score"].astype("Int64")
    expected = krippendorff_alpha([[1, 2], [2, NAN], [NAN, 2]], "ordinal")
    assert krippendorff_alpha_long(frame, "ordinal").alpha == pytest.approx(
        expected.alpha, abs=1e-14
    )


def test_object_scores_with_none_are_accepted():
    data = np.array([[1, 2, None], [1, 3, 3]], dtype=object)
    assert krippendorff_alpha(data, "interval") == krippendorff_alpha(
        [[1, 2, NAN], [1, 3, 3]], "interval"
    )


def test_ratio_metric_defines_zero_over_zero_as_zero():
    """Two zeros coincide: (0 - 0) / (0 + 0) is taken as no difference."""
    perfect_with_zeros = krippendorff_alpha([[0, 0, 2, 4], [0, 0, 2, 4]], "ratio")
    assert perfect_with_zeros.alpha == pytest.approx(1.0, abs=1e-12)
    # Zero against a positive value differs maximally: ((c - 0)/(c + 0))^2 = 1.
    result = krippendorff_alpha([[0, 3], [3, 0]], "ratio")
    assert result.alpha is not None and np.isfinite(result.alpha)


def test_negative_values_at_ratio_level_are_refused_by_name():
    with pytest.raises(
        StatsInputError, match=r"ratio level needs values that are zero or positive.*-1"
    ):
        krippendorff_alpha([[-1, 2, 3], [-1, 2, 2]], "ratio")


def test_all_levels_answers_ratio_with_a_reason_for_negative_values():
    results = krippendorff_alpha_all_levels([[-1, 2, 3], [-1, 2, 2]])
    assert results["ratio"].alpha is None
    assert "ratio level needs values" in results["ratio"].reason
    for level in ("nominal", "ordinal", "interval"):
        assert results[level].alpha is not None


def test_results_are_frozen():
    result = krippendorff_alpha([[1, 2], [1, 2]], "nominal")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.alpha = 0.5  # type: ignore[misc]
    cm = coincidence_matrix([[1, 2], [1, 2]])
    with pytest.raises(ValueError):
        cm.o[0, 0] = 5.0


# --------------------------------------------------------------------------
# Refused: StatsInputError that says what and where
# --------------------------------------------------------------------------


def test_stats_input_error_is_a_value_error():
    assert issubclass(StatsInputError, ValueError)


@pytest.mark.parametrize("data", [[], [[]], np.empty((0, 3)), np.empty((2, 0))])
def test_empty_reliability_data_is_refused(data):
    with pytest.raises(StatsInputError, match="reliability_data is empty"):
        krippendorff_alpha(data)


def test_empty_long_table_is_refused():
    with pytest.raises(StatsInputError, match="frame is empty"):
        krippendorff_alpha_long(long([]))


def test_all_missing_is_refused():
    with pytest.raises(StatsInputError, match="holds no ratings"):
        krippendorff_alpha([[NAN, NAN], [NAN, NAN]])
    with pytest.raises(StatsInputError, match="holds no ratings"):
        krippendorff_alpha_long(long([("a", "x", None)]))


def test_a_rater_scoring_a_unit_twice_is_refused_with_unit_rater_and_rows():
    frame = long([("a", "ann", 1), ("b", "ann", 2), ("a", "bob", 1), ("b", "ann", 3)])
    with pytest.raises(
        StatsInputError,
        match=r"unit 'b' has more than one score from rater 'ann' \(rows labelled 1 and 3\)",
    ):
        krippendorff_alpha_long(frame)


def test_duplicate_report_names_the_first_repeat_in_table_order():
    frame = long([("z", "r1", 1), ("a", "r2", 1), ("a", "r2", 2), ("z", "r1", 3)])
    with pytest.raises(StatsInputError, match=r"unit 'a' has more than one score from rater 'r2'"):
        krippendorff_alpha_long(frame)


def test_a_missing_score_does_not_count_as_a_second_score():
    frame = long(
        [("a", "ann", 1), ("a", "ann", None), ("a", "bob", 1), ("b", "ann", 2), ("b", "bob", 2)]
    )
    assert krippendorff_alpha_long(frame, "nominal").alpha == pytest.approx(1.0)


def test_out_of_scale_value_is_refused_by_value_and_place():
    with pytest.raises(
        StatsInputError,
        match=r"score 6 at row 1 \(rater\), column 2 \(unit\).*"
        r"not in value_domain \(0, 1, 2, 3, 4, 5\)",
    ):
        krippendorff_alpha([[1, 2, 3], [1, 2, 6]], value_domain=range(6))
    frame = long(
        [("a", "x", 1), ("a", "y", 2.5)],
    )
    with pytest.raises(StatsInputError, match=r"score 2.5 in the row labelled 1"):
        krippendorff_alpha_long(frame, value_domain=[1, 2, 3])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([["1", "2"], ["1", "2"]], r"must hold numbers.*values of type <U1"),
        ([[True, False], [True, True]], r"must hold numbers.*booleans"),
        (
            np.array([[1, "high"], [1, 2]], dtype=object),
            r"found 'high' at row 0 \(rater\), column 1 \(unit\)",
        ),
        ([[1, np.inf], [1, 2]], r"must be finite; found inf at row 0 \(rater\), column 1 \(unit\)"),
        ([[1, 2], [1]], r"rectangular 2-D array"),
        ([1, 2, 3], r"must be 2-D with shape \(raters, units\); got 1 dimension"),
    ],
)
def test_bad_reliability_data_is_refused(data, message):
    with pytest.raises(StatsInputError, match=message):
        krippendorff_alpha(data)


def test_non_numeric_long_scores_are_refused_by_row():
    frame = long([("a", "x", 1), ("a", "y", "two")])
    with pytest.raises(
        StatsInputError,
        match=r"frame column 'score' must hold numbers.*'two' in the row labelled 1",
    ):
        krippendorff_alpha_long(frame)


def test_a_dataframe_is_not_taken_for_a_matrix():
    frame = long([("a", "x", 1), ("a", "y", 2)])
    with pytest.raises(StatsInputError, match=r"not a DataFrame.*\*_long function"):
        krippendorff_alpha(frame)


def test_long_function_needs_a_dataframe():
    with pytest.raises(StatsInputError, match="frame must be a pandas DataFrame"):
        krippendorff_alpha_long([[1, 2], [1, 2]])


def test_missing_column_is_named():
    frame = long([("a", "x", 1)], columns=("item", "rater", "score"))
    with pytest.raises(
        StatsInputError,
        match=r"no column 'unit' for the unit \(its columns: 'item', 'rater', 'score'\)",
    ):
        krippendorff_alpha_long(frame)
    frame = frame.rename(columns={"item": "unit"})
    assert (
        krippendorff_alpha_long(frame.rename(columns={"unit": "item"}), unit="item").n_ratings == 1
    )


def test_the_same_column_for_two_roles_is_refused():
    with pytest.raises(StatsInputError, match="must name different columns"):
        krippendorff_alpha_long(long([("a", "x", 1)]), rater="unit")


def test_a_score_without_unit_or_rater_label_is_refused():
    with pytest.raises(StatsInputError, match=r"score without a unit .* in the row labelled 1"):
        krippendorff_alpha_long(long([("a", "x", 1), (None, "y", 2)]))
    with pytest.raises(StatsInputError, match=r"score without a rater .* in the row labelled 0"):
        krippendorff_alpha_long(long([("a", None, 1), ("a", "y", 2)]))


def test_unknown_level_is_refused():
    with pytest.raises(
        StatsInputError,
        match=r"level must be one of 'nominal', 'ordinal', 'interval', 'ratio'; got 'Ordinal'",
    ):
        krippendorff_alpha([[1, 2], [1, 2]], "Ordinal")  # type: ignore[arg-type]
    cm = coincidence_matrix([[1, 2], [1, 2]])
    with pytest.raises(StatsInputError, match="level must be one of"):
        alpha_from_coincidences(cm, "quadratic")  # type: ignore[arg-type]


def test_alpha_from_coincidences_needs_a_coincidence_matrix():
    with pytest.raises(StatsInputError, match="must be a CoincidenceMatrix"):
        alpha_from_coincidences(np.eye(2))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value_domain", "message"),
    [
        ("012345", "must be a sequence of numbers"),
        ([], "value_domain is empty"),
        ([[0, 1], [2, 3]], r"flat \(1-D\)"),
        ([0, 1, 1, 2], "lists the value 1 more than once"),
        ([0, 1, NAN], "missing value at position 2"),
        ([0, "one"], "must hold numbers"),
    ],
)
def test_bad_value_domain_is_refused(value_domain, message):
    with pytest.raises(StatsInputError, match=message):
        krippendorff_alpha([[0, 1], [0, 1]], value_domain=value_domain)


def test_unsorted_value_domain_is_sorted():
    data = [[0, 1, 2, 2], [0, 2, 2, 1]]
    assert krippendorff_alpha(data, value_domain=[2, 0, 1]) == krippendorff_alpha(
        data, value_domain=[0, 1, 2]
    )


def test_too_many_distinct_values_is_refused():
    values = np.arange(MAX_DISTINCT_VALUES + 1, dtype=float)
    with pytest.raises(
        StatsInputError,
        match=rf"{MAX_DISTINCT_VALUES + 1} distinct values; at most {MAX_DISTINCT_VALUES}",
    ):
        krippendorff_alpha([values, values], "interval")


def test_values_too_large_for_floating_point_are_refused():
    with pytest.raises(StatsInputError, match="too large or too small in magnitude"):
        krippendorff_alpha([[1e200, -1e200, 0], [1e200, -1e200, 1e200]], "interval")


def test_all_levels_long_matches_matrix():
    frame = long(
        [("a", "x", 1), ("a", "y", 2), ("b", "x", 3), ("b", "y", 3), ("c", "x", 1), ("c", "z", 1)]
    )
    matrix = [[1, 3, 1], [2, 3, NAN], [NAN, NAN, 1]]
    assert krippendorff_alpha_all_levels_long(frame) == krippendorff_alpha_all_levels(matrix)
