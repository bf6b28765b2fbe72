"""The huddle report's agreement figures are those of ``stats`` on the exported CSV.

A huddle of six practitioners, some of whom leave domains unscored, runs through the API;
the report (JSON and page) must give the same figures as ``python -m stats agreement`` on
the facilitator's CSV export with the framework's scale, and as an independent pairwise
count of exact agreement.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json

import pytest

from stats.__main__ import main as stats_main

from .helpers import DOMAINS, check_page, login, text_of

#: Each practitioner's scores per vignette; a missing domain was left unscored.
SCORES = {
    "V01": {
        "AB": [4, 2, 1, 2, 0, 0, 1],
        "CD": [4, 3, 1, 2, 0, 1, 1],
        "EF": [3, 2, 2, 2, 0, 0, None],
        "GH": [5, 2, 1, 3, 1, 0, 2],
        "IJ": [4, None, 1, 2, 0, 0, 1],
        "KL": [4, 2, 0, 1, 0, 0, 1],
    },
    "V05": {
        "AB": [1, 3, 2, 4, 1, 0, 2],
        "CD": [1, 4, 2, 4, 1, 0, 3],
        "EF": [2, 3, 3, 5, 0, 0, 2],
        "GH": [1, 3, 2, 4, 1, 1, 2],
        "IJ": [0, 2, 2, 3, 1, 0, 2],
        "KL": [None, 3, 2, 4, None, 0, 2],
    },
}


@pytest.fixture
def finished(app, api, county):
    """The huddle above, both vignettes revealed with agreed scores; returns its id."""
    fac = county.facilitator_token
    created = api.call("POST", "/huddles", fac,
                       json={"title": "Agreement", "vignettes": list(SCORES)}).get_json()
    tokens = {
        name: api.call("POST", "/join", json={"join_code": created["join_code"], "name": name,
                                              "area": area}).get_json()["participant_token"]
        for name, area in zip(SCORES["V01"], itertools.cycle(["West", "North Coast", "Mid County"]))
    }
    for code, by_name in SCORES.items():
        assert api.call("POST", f"/huddles/{created['id']}/open", fac).status_code == 200
        for name, levels in by_name.items():
            scores = {d: s for d, s in zip(DOMAINS, levels) if s is not None}
            response = api.call("PUT", f"/huddles/{created['id']}/ratings/{code}", tokens[name],
                                json={"scores": scores})
            assert response.status_code == 200
        assert api.call("POST", f"/huddles/{created['id']}/reveal", fac).status_code == 200
        agreed = {d: by_name["AB"][i] for i, d in enumerate(DOMAINS)}
        assert api.call("PUT", f"/huddles/{created['id']}/consensus/{code}", fac,
                        json={"scores": agreed}).status_code == 200
    return created["id"]


def exact_agreement_by_pairs() -> tuple[float, float]:
    """Shares of within-unit pairs of scores that are equal, and at most one level apart."""
    equal = near = pairs = 0
    for by_name in SCORES.values():
        for i in range(len(DOMAINS)):
            levels = [s[i] for s in by_name.values() if s[i] is not None]
            for a, b in itertools.combinations(levels, 2):
                pairs += 1
                equal += a == b
                near += abs(a - b) <= 1
    return equal / pairs, near / pairs


def assert_same_figures(a, b, where: str = "") -> None:
    """Equal structure and text; numbers equal to 1e-9."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for key in a:
            assert_same_figures(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same_figures(x, y, f"{where}[{i}]")
    elif isinstance(a, float):
        assert b == pytest.approx(a, abs=1e-9), where
    else:
        assert a == b, where


def cli_json(path: str) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = stats_main(["agreement", path, "--scale", "0:5", "--format", "json"])
    assert status == 0
    return json.loads(out.getvalue())


def test_report_figures_match_the_command_line_on_the_export(client, api, county, finished,
                                                             tmp_path):
    report = api.call("GET", f"/huddles/{finished}/report", county.facilitator_token).get_json()
    agreement = report["agreement"]

    login(client)
    export = client.get(f"/huddles/{finished}/export.csv")
    assert export.status_code == 200
    path = tmp_path / "export.csv"
    path.write_bytes(export.get_data())
    from_file = cli_json(str(path))

    n_ratings = sum(s is not None for by in SCORES.values() for v in by.values() for s in v)
    assert (agreement["n_units"], agreement["n_raters"], agreement["n_ratings"]) == (14, 6, n_ratings)
    assert (from_file["n_units"], from_file["n_raters"], from_file["n_ratings"]) == (14, 6, n_ratings)
    exact, within_one = exact_agreement_by_pairs()
    assert agreement["percent_exact"] == pytest.approx(exact, abs=1e-12)
    assert agreement["percent_within_one"] == pytest.approx(within_one, abs=1e-12)
    # The same coefficients from the file as in the report (labels differ, figures do not).
    # Every coefficient the same from the file as in the report; the report's sentences
    # add one about its bootstrap interval.
    unseeded = {k: v for k, v in agreement.items() if k not in ("bootstrap", "interpretation")}
    assert_same_figures(unseeded, {k: v for k, v in from_file.items() if k != "interpretation"})
    extra = [s for s in agreement["interpretation"] if s not in from_file["interpretation"]]
    assert len(extra) == 1 and "bootstrap resamples" in extra[0]
    assert report["krippendorff_alpha"]["ordinal"] == agreement["krippendorff_alpha"]["ordinal"]
    # Seeded by the huddle: the interval reads the same each time.
    again = api.call("GET", f"/huddles/{finished}/report", county.facilitator_token).get_json()
    assert again["agreement"]["bootstrap"] == agreement["bootstrap"]
    low, high = agreement["bootstrap"]["ci95"]
    assert low <= agreement["krippendorff_alpha"]["ordinal"] <= high

    page = check_page(client.get(f"/huddles/{finished}/report"))
    sentences = [li.get_text(" ", strip=True) for li in page.select(".app-interpretation li")]
    assert sentences == agreement["interpretation"] and sentences
    assert f"{100 * exact:.0f}%" in text_of(page)


def test_disagreements_across_decision_boundaries_come_first(client, api, county, finished):
    """The needs framework's boundaries: 2|3 targeted support, 3|4 specialist support."""
    boundaries = {(2, 3): "Targeted support beyond ordinarily available provision",
                  (3, 4): "Specialist support or statutory assessment considered"}
    expected = []
    for code, by_name in SCORES.items():
        for i, domain in enumerate(DOMAINS):
            levels = [s[i] for s in by_name.values() if s[i] is not None]
            crossed = [label for (low, high), label in boundaries.items()
                       if min(levels) <= low and max(levels) >= high]
            if crossed:
                expected.append((code, domain, min(levels), max(levels), crossed))
    assert expected, "the fixture has spreads across a boundary"
    report = api.call("GET", f"/huddles/{finished}/report", county.facilitator_token).get_json()
    got = [(m["vignette"], m["domain"], m["lowest"], m["highest"], m["crosses"])
           for m in report["major_disagreements"]]
    assert got == expected
    for item in report["items"]:
        key = (item["vignette"], item["domain"])
        assert bool(item["crosses"]) == any(e[:2] == key for e in expected)
    login(client)
    page = check_page(client.get(f"/huddles/{finished}/report"))
    headings = [h.get_text() for h in page.find_all("h2")]
    assert headings[0] == "Disagreements that matter"
    assert len(page.select(".app-major li")) == len(expected)


def test_halo_in_the_huddle_report(api, county, finished):
    """Deviations from the agreed scores (AB's scores), or the median where none was agreed."""
    import pandas as pd

    from stats import halo_index

    rows = []
    for code, by_name in SCORES.items():
        for name, levels in by_name.items():
            for i, domain in enumerate(DOMAINS):
                if levels[i] is not None:
                    agreed = by_name["AB"][i]
                    rows.append((f"{name}/{code}", domain, levels[i] - agreed))
    expected = halo_index(pd.DataFrame(rows, columns=["profile", "domain", "deviation"]))
    report = api.call("GET", f"/huddles/{finished}/report", county.facilitator_token).get_json()
    assert report["halo"]["index"] == pytest.approx(expected.index, abs=1e-9)
    assert report["halo"]["n_profiles"] == expected.n_profiles == 12


def test_per_vignette_agreement_most_disagreement_and_follow_ups(client, api, county, finished):
    import pandas as pd

    from stats import krippendorff_alpha_long

    report = api.call("GET", f"/huddles/{finished}/report", county.facilitator_token).get_json()
    for entry in report["vignettes"]:
        rows = [(d, n, s[i]) for n, s in SCORES[entry["vignette"]].items()
                for i, d in enumerate(DOMAINS) if s[i] is not None]
        frame = pd.DataFrame(rows, columns=["unit", "rater", "score"])
        expected = krippendorff_alpha_long(frame, "ordinal", value_domain=range(6)).alpha
        assert entry["alpha"] == pytest.approx(expected, abs=1e-12)
    within = {}
    for code, by_name in SCORES.items():
        for i, domain in enumerate(DOMAINS):
            levels = [s[i] for s in by_name.values() if s[i] is not None]
            pairs = list(itertools.combinations(levels, 2))
            within[(code, domain)] = sum(abs(a - b) <= 1 for a, b in pairs) / len(pairs)
    worst = sorted(within.values())[:3]
    assert [row["within_one"] for row in report["most_disagreement"]] == pytest.approx(worst)
    for row in report["items"]:
        assert row["within_one"] == pytest.approx(within[(row["vignette"], row["domain"])])
    login(client)
    page = check_page(client.get(f"/huddles/{finished}/report"))
    follow = [li.get_text(" ", strip=True) for li in page.select(".app-follow-ups li")]
    assert follow and any("decision boundary" in f for f in follow)
    assert len(page.select("svg.app-dots")) == len(SCORES)
