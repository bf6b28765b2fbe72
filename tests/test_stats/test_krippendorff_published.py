"""Krippendorff's alpha against the values its authors published.

Sources and values are listed in ``data/README.md``. Each value is checked
within half a unit of its last published decimal.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stats import (
    LEVELS,
    alpha_from_coincidences,
    coincidence_matrix,
    coincidence_matrix_long,
    krippendorff_alpha,
    krippendorff_alpha_all_levels,
    krippendorff_alpha_all_levels_long,
    krippendorff_alpha_long,
)

DATA = Path(__file__).parent / "data"
K2011 = "krippendorff2011_4obs_12units.csv"
HK2007 = "hayes_krippendorff_2007_news_tone.csv"
WIKIPEDIA = "krippendorff_wikipedia_3coders_15units.csv"
GWET_5OBS = "gwet_cac_raw5obser.csv"
GWET_4RATERS = "gwet_cac_raw4raters.csv"

# (file, level, published value, tolerance = half a unit of the last published decimal)
PUBLISHED = [
    (K2011, "nominal", 0.743, 5e-4),
    (K2011, "ordinal", 0.815, 5e-4),
    (K2011, "interval", 0.849, 5e-4),
    (K2011, "ratio", 0.797, 5e-4),
    (HK2007, "ordinal", 0.7598, 5e-5),
    (HK2007, "nominal", 0.477, 5e-4),
    (HK2007, "interval", 0.757, 5e-4),
    (WIKIPEDIA, "nominal", 0.691, 5e-4),
    (GWET_5OBS, "nominal", 0.481, 5e-4),
    # Same ratings as Krippendorff (2011) except who holds unit 12's lone value.
    (GWET_4RATERS, "nominal", 0.743, 5e-4),
    (GWET_4RATERS, "ordinal", 0.815, 5e-4),
    (GWET_4RATERS, "interval", 0.849, 5e-4),
    (GWET_4RATERS, "ratio", 0.797, 5e-4),
]

IDS = [f"{name.split('.')[0]}-{level}" for name, level, _, _ in PUBLISHED]


@pytest.mark.parametrize(("name", "level", "published", "tolerance"), PUBLISHED, ids=IDS)
def test_matrix_reproduces_published_alpha(reference_matrix, name, level, published, tolerance):
    result = krippendorff_alpha(reference_matrix(name), level)
    assert result.reason is None
    assert result.alpha == pytest.approx(published, abs=tolerance)


@pytest.mark.parametrize(("name", "level", "published", "tolerance"), PUBLISHED, ids=IDS)
def test_long_table_reproduces_published_alpha(reference_long, name, level, published, tolerance):
    result = krippendorff_alpha_long(reference_long(name), level)
    assert result.alpha == pytest.approx(published, abs=tolerance)


@pytest.mark.parametrize(("name", "level", "published", "tolerance"), PUBLISHED, ids=IDS)
def test_all_levels_agrees_with_single_level(
    reference_matrix, reference_long, name, level, published, tolerance
):
    from_matrix = krippendorff_alpha_all_levels(reference_matrix(name))[level]
    from_long = krippendorff_alpha_all_levels_long(reference_long(name))[level]
    single = krippendorff_alpha(reference_matrix(name), level)
    assert from_matrix == single
    assert from_long.alpha == pytest.approx(single.alpha, abs=1e-14)


def test_krippendorff_2011_coincidence_matrix(reference_matrix):
    """The coincidence matrix printed in Krippendorff (2011)."""
    cm = coincidence_matrix(reference_matrix(K2011))
    third = 1.0 / 3.0
    published = np.array(
        [
            [7, 4 * third, third, third, 0],
            [4 * third, 10, 4 * third, third, 0],
            [third, 4 * third, 8, third, 0],
            [third, third, third, 4, 0],
            [0, 0, 0, 0, 3],
        ]
    )
    assert cm.values == (1.0, 2.0, 3.0, 4.0, 5.0)
    np.testing.assert_allclose(cm.o, published, rtol=0, atol=1e-12)
    assert cm.n_c.tolist() == [9, 13, 10, 5, 3]
    assert cm.n == 40
    assert (cm.n_units, cm.n_pairable_units, cm.n_ratings) == (12, 11, 41)


def test_krippendorff_2011_counts(reference_matrix):
    result = krippendorff_alpha(reference_matrix(K2011), "nominal")
    assert (result.n_units, result.n_pairable_units, result.n_pairable_values) == (12, 11, 40)
    assert result.n_ratings == 41
    assert result.values == (1.0, 2.0, 3.0, 4.0, 5.0)


def test_hayes_krippendorff_2007_counts(reference_matrix):
    result = krippendorff_alpha(reference_matrix(HK2007), "ordinal")
    assert result.n_ratings == 159
    assert (result.n_units, result.n_pairable_units) == (40, 40)
    assert result.values == (0.0, 1.0, 2.0, 3.0)


def test_wikipedia_example_skips_units_nobody_rated(reference_matrix):
    result = krippendorff_alpha(reference_matrix(WIKIPEDIA), "nominal")
    # Units 2 and 14 have no rating; unit 1 has one and is not pairable.
    assert (result.n_units, result.n_pairable_units) == (13, 12)


def test_gwet_contingency_table_two_abstractors():
    """Gwet (2014): alpha .7972585 from a 3 x 3 table of two abstractors' counts."""
    table = pd.read_csv(DATA / "gwet_cont3x3abstractors.csv", index_col=0).to_numpy()
    first, second = np.divmod(np.repeat(np.arange(table.size), table.ravel()), table.shape[1])
    result = krippendorff_alpha(np.vstack([first, second]), "nominal")
    assert result.alpha == pytest.approx(0.7972585, abs=5e-8)
    assert result.n_pairable_units == 100


@pytest.mark.parametrize("level", LEVELS)
def test_declared_scale_leaves_published_values_unchanged(reference_matrix, level):
    """Declaring 0-5 for data on 1-5 (or 0-9 for 0-3) must not move alpha."""
    for name, domain in [(K2011, range(6)), (HK2007, range(10)), (GWET_4RATERS, range(6))]:
        data = reference_matrix(name)
        plain = krippendorff_alpha(data, level)
        declared = krippendorff_alpha(data, level, value_domain=domain)
        assert declared.alpha == pytest.approx(plain.alpha, abs=1e-14)
        assert declared.values == plain.values


def test_declared_scale_indexes_the_coincidence_matrix(reference_long):
    cm = coincidence_matrix_long(reference_long(K2011), value_domain=range(7))
    assert cm.values == tuple(float(v) for v in range(7))
    assert cm.n_c.tolist() == [0, 9, 13, 10, 5, 3, 0]
    assert np.all(cm.o[0] == 0) and np.all(cm.o[:, 6] == 0)
    assert alpha_from_coincidences(cm, "ordinal").alpha == pytest.approx(0.815, abs=5e-4)
