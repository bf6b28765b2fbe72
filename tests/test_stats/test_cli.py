"""``python -m stats agreement``: the contract scripts outside the repository rely on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from stats.__main__ import main

from .conftest import DATA

ROOT = Path(__file__).resolve().parents[2]
K2011 = DATA / "krippendorff2011_4obs_12units.csv"
RAW4 = DATA / "gwet_cac_raw4raters.csv"

TOP_KEYS = {
    "n_units", "n_raters", "n_ratings", "n_pairable", "percent_exact", "percent_within_one",
    "krippendorff_alpha", "fleiss_kappa", "icc", "gwet_ac1", "gwet_ac2", "brennan_prediger",
    "cohen_kappa", "interpretation",
}


def no_nan(text: str) -> dict:
    """Parse JSON, refusing NaN and infinities (which Python's json would otherwise accept)."""
    def refuse(constant: str):
        raise AssertionError(f"{constant} in the output")
    return json.loads(text, parse_constant=refuse)


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = main(["agreement", *map(str, args)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_json_contract_on_krippendorffs_example(capsys):
    status, out, err = run(capsys, K2011, "--wide", "--format", "json")
    assert status == 0 and err == ""
    report = no_nan(out)
    assert TOP_KEYS <= set(report)
    assert (report["n_units"], report["n_raters"], report["n_ratings"], report["n_pairable"]) == (
        12, 4, 41, 40)
    alpha = report["krippendorff_alpha"]
    assert {k: round(alpha[k], 3) for k in ("nominal", "ordinal", "interval", "ratio")} == {
        "nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}
    assert set(report["fleiss_kappa"]) >= {"estimate", "se", "ci95"}
    assert set(report["icc"]) >= {"ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"}
    for form in ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"):
        assert set(report["icc"][form]) >= {"estimate", "ci95", "name"}
    assert set(report["gwet_ac1"]) >= {"estimate", "se"}
    assert set(report["gwet_ac2"]) == {"linear", "quadratic"}
    assert set(report["brennan_prediger"]) >= {"estimate", "se"}
    # Four raters: Cohen's kappa is null with the reason beside it.
    assert report["cohen_kappa"] is None and "exactly two raters" in report["cohen_kappa_reason"]
    assert "bootstrap" not in report
    assert all(isinstance(s, str) and s for s in report["interpretation"])
    # Shares are proportions: 28 of 49 within-unit pairs agree exactly here.
    assert 0 <= report["percent_exact"] <= report["percent_within_one"] <= 1


def test_declared_scale_changes_the_coefficients_that_count_levels(capsys):
    """Gwet's cac.raw4raters: AC1 .7754 with the levels observed (1-5), .7855 with 0-5."""
    _, observed, _ = run(capsys, RAW4, "--wide", "--format", "json")
    _, declared, _ = run(capsys, RAW4, "--wide", "--scale", "0:5", "--format", "json")
    observed, declared = no_nan(observed), no_nan(declared)
    assert round(observed["gwet_ac1"]["estimate"], 4) == 0.7754
    assert round(declared["gwet_ac1"]["estimate"], 4) == 0.7855
    assert declared["krippendorff_alpha"] == observed["krippendorff_alpha"]
    assert declared["scale"]["unused_levels"] == [0]
    assert any("Nobody used level 0" in s for s in declared["interpretation"])


def test_long_format_with_other_columns_and_participant_raters(tmp_path, capsys):
    """The app's export names raters 'participant' and carries extra columns."""
    lines = ["unit,huddle,vignette,domain,participant,area,score,submitted_at"]
    wide = {1: [1, 1, 1], 2: [2, 3, 2], 3: [4, 4, 5], 4: [0, 0, 0]}
    for unit, scores in wide.items():
        for rater, score in zip("ABC", scores):
            lines.append(f"V{unit}@v1/sensory,1,V{unit},sensory,P{rater},West,{score},2026-01-01")
    path = tmp_path / "export.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    status, out, _ = run(capsys, path, "--scale", "0:5", "--format", "json")
    assert status == 0
    report = no_nan(out)
    assert (report["n_units"], report["n_raters"], report["n_ratings"]) == (4, 3, 12)
    # 12 within-unit pairs; exact: units 1 and 4 (3 each) + unit 2 (1) + unit 3 (1) = 8.
    assert report["percent_exact"] == pytest.approx(8 / 12)
    assert report["percent_within_one"] == 1.0


def test_bootstrap_is_seeded_and_at_the_chosen_level(capsys):
    args = (K2011, "--wide", "--bootstrap", "500", "--seed", "4", "--level", "interval",
            "--format", "json")
    _, first, _ = run(capsys, *args)
    _, again, _ = run(capsys, *args)
    first_boot = no_nan(first)["bootstrap"]
    assert first_boot == no_nan(again)["bootstrap"]
    assert first_boot["level"] == "interval" and first_boot["n_boot"] == 500
    assert first_boot["seed"] == 4
    low, high = first_boot["ci95"]
    assert low < round(first_boot["alpha"], 3) == 0.849 < high
    assert set(first_boot["p_below"]) == {"0.667", "0.8"}


def test_two_raters_get_cohens_kappa(tmp_path, capsys):
    """Gwet's 100 pregnancies as raw ratings: Cohen's kappa .7964094, AC1 .8493305."""
    table = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]
    rows = ["unit,rater,score"]
    unit = 0
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            for _ in range(count):
                rows += [f"{unit},A,{i + 1}", f"{unit},B,{j + 1}"]
                unit += 1
    path = tmp_path / "two.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = no_nan(run(capsys, path, "--format", "json")[1])
    assert round(report["cohen_kappa"]["unweighted"]["estimate"], 7) == 0.7964094
    assert round(report["gwet_ac1"]["estimate"], 7) == 0.8493305
    assert set(report["cohen_kappa"]) == {"unweighted", "linear", "quadratic"}
    assert report["percent_exact"] == pytest.approx(0.89)


def test_identical_scores_give_reasons_not_nan(tmp_path, capsys):
    path = tmp_path / "same.csv"
    path.write_text("unit,rater,score\n1,a,3\n1,b,3\n2,a,3\n2,b,3\n", encoding="utf-8")
    status, out, _ = run(capsys, path, "--format", "json", "--bootstrap", "50", "--seed", "1")
    assert status == 0
    report = no_nan(out)
    assert report["krippendorff_alpha"]["ordinal"] is None
    assert "no variation" in report["krippendorff_alpha"]["reasons"]["ordinal"]
    assert report["percent_exact"] == 1.0
    assert report["fleiss_kappa"]["estimate"] is None and report["fleiss_kappa"]["reason"]
    assert report["bootstrap"]["ci95"] is None
    assert "undefined" in report["interpretation"][0]


def test_one_rater_is_explained(tmp_path, capsys):
    path = tmp_path / "one.csv"
    path.write_text("unit,rater,score\n1,a,3\n2,a,4\n3,a,1\n", encoding="utf-8")
    report = no_nan(run(capsys, path, "--format", "json")[1])
    assert report["n_pairable"] == 0 and report["percent_exact"] is None
    assert report["interpretation"][0].startswith("Only one rater")
    assert report["icc"]["ICC2"]["estimate"] is None and report["icc"]["ICC2"]["reason"]


def test_text_format_is_an_aligned_table(capsys):
    status, out, _ = run(capsys, K2011, "--wide", "--scale", "1:5")
    assert status == 0
    lines = out.splitlines()
    assert lines[1] == (
        "12 units, 4 raters, 41 ratings (40 in units rated twice or more); scale 1-5 (declared)"
    )
    header = next(i for i, line in enumerate(lines) if line.startswith("Coefficient"))
    table = lines[header:header + 8]
    # Every row of the table puts its estimate in the same column.
    column = table[0].index("Estimate") + len("Estimate")
    assert table[1].startswith("-----")
    ordinal = next(line for line in table if "alpha, ordinal" in line)
    assert ordinal[column - 5:column] == "0.815"
    assert "What this means:" in out


@pytest.mark.parametrize(
    "content, args, message",
    [
        ("unit,score\n1,2\n", (), "missing column(s) rater"),
        ("unit,rater,score\n1,a,high\n", (), "line 2: score 'high' is not a number"),
        ("", (), "the file is empty"),
        ("unit,rater,score\n", (), "header but no rows"),
        ("unit,rater,score\n1,a,2\n1,b,7\n", ("--scale", "0:5"),
         "bad.csv holds the score 7 on line 3, which is not in scale"),
        ("id,A,B\nu1,1,2\nu2,3,9\n", ("--wide", "--scale", "0:5"), "score 9 on line 3"),
        ("unit,rater,score\n1,a,1\n", ("--scale", "5:0"), "MIN below MAX"),
        ("unit,rater,score\n1,a,1\n1,a,2\n", (),
         "unit '1' has more than one score from rater 'a' (rows labelled 2 and 3)"),
        ("id,A,B\nu1,1,x\n", ("--wide",), "score for rater B 'x' is not a number"),
        ("id,A,A\nu1,1,2\n", ("--wide",), "the header names A more than once"),
    ],
)
def test_bad_files_exit_2_with_one_line(tmp_path, capsys, content, args, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    status, out, err = run(capsys, path, *args)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and message in err, err


def test_missing_file_and_usage_errors_exit_2(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "stats", "agreement", str(tmp_path / "nope.csv")],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert completed.returncode == 2
    assert completed.stderr.strip().endswith("no such file")
    assert completed.stderr.count("\n") == 1
    usage = subprocess.run(
        [sys.executable, "-m", "stats", "agreement", "x.csv", "--level", "rank"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert usage.returncode == 2 and "invalid choice" in usage.stderr


def test_text_names_why_each_missing_icc_form_is_missing(tmp_path, capsys):
    """Every ICC form the JSON leaves out has its reason in the text, once per reason."""
    path = tmp_path / "gap.csv"
    path.write_text("u,r1,r2,r3\n1,3,3,\n2,4,4,5\n3,0,1,0\n", encoding="utf-8")
    status, out, _ = run(capsys, path, "--wide", "--scale", "0:5", "--format", "json")
    icc = no_nan(out)["icc"]
    missing: dict[str, list[str]] = {}
    for form in ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"):
        if icc[form]["estimate"] is None:
            missing.setdefault(icc[form]["reason"], []).append(form)
    status, text, _ = run(capsys, path, "--wide", "--scale", "0:5")
    assert status == 0
    flat = " ".join(text.split())
    for reason, forms in missing.items():
        assert flat.count(f"- {', '.join(forms)}: {' '.join(reason.split())}") == 1
