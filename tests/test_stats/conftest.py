"""Shared fixtures for the statistics tests: the published data sets.

Reference files live in ``data/`` beside this file (see ``data/README.md``
for their sources and published values); nothing is read from outside the
repository.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

DATA = Path(__file__).parent / "data"


def read_wide(name: str) -> pd.DataFrame:
    """A wide reference file: one row per unit, one column per rater."""
    return pd.read_csv(DATA / name, index_col=0)


def reliability_data(name: str) -> np.ndarray:
    """A wide reference file as Krippendorff's reliability data (raters x units)."""
    return read_wide(name).to_numpy(dtype=float).T


def long_table(name: str) -> pd.DataFrame:
    """A wide reference file as a long table (unit, rater, score), missing ratings dropped."""
    wide = read_wide(name)
    wide.index.name = "unit"
    frame = wide.reset_index().melt(id_vars="unit", var_name="rater", value_name="score")
    return frame.dropna(subset=["score"]).reset_index(drop=True)


@pytest.fixture
def reference_matrix() -> Callable[[str], np.ndarray]:
    return reliability_data


@pytest.fixture
def reference_long() -> Callable[[str], pd.DataFrame]:
    return long_table
