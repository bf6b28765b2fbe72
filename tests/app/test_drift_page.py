"""The reviewers' drift page, its exports and the demo county behind it."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from moderation_app.extensions import db
from moderation_app.models import Huddle, Participant, Rating, VignetteVersion
from moderation_app.services import demo, drift
from stats import drift_report

from .helpers import check_page, login, text_of


@pytest.fixture
def county_with_drift(app, county):
    """A small demo county: 6 areas, 60 practitioners, 30 huddles, drift planted."""
    with app.app_context():
        built = demo.build_demo_county(n_areas=6, n_practitioners=60, n_huddles=30, seed=3,
                                       today=date(2026, 7, 20))
    return built


def test_demo_county_stores_what_it_reports(app, county_with_drift):
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Huddle)).scalar_one() == 30
        assert db.session.execute(
            select(func.count()).select_from(Rating)).scalar_one() == county_with_drift.ratings
        practitioners = db.session.execute(
            select(func.count(func.distinct(Participant.practitioner_id)))).scalar_one()
        assert practitioners <= 60
        assert demo.has_huddles()
        statuses = set(db.session.execute(select(Huddle.status)).scalars())
        assert statuses == {"closed"}
    planted = {a: s for a, s in county_with_drift.planted.items() if abs(s) >= 0.5}
    assert sorted(planted.values()) == [-0.9, 0.9]


def test_the_model_finds_the_planted_drift(app, county_with_drift):
    with app.app_context():
        view = drift.reviewer_drift()
        table = drift.rating_table()
    planted = {a: ("higher" if s > 0 else "lower")
               for a, s in county_with_drift.planted.items() if abs(s) >= 0.5}
    flagged = {row["area"]: row["flag"] for row in view.payload["areas"] if row["flag"]}
    assert flagged == planted
    assert "raters" not in view.payload
    # The same figures as the stats package on the same table.
    direct = drift_report(table, min_raters=drift.MIN_GROUP)
    for row, area in zip(view.payload["areas"], direct.areas):
        assert row["area"] == area.area
        if not row["suppressed"]:
            assert row["offset"] == pytest.approx(area.offset, abs=1e-12)


def test_reviewer_page_shows_flags_chart_and_suppression(app, client, county_with_drift):
    login(client, "rev@example.org")
    page = check_page(client.get("/drift"))
    text = text_of(page)
    for area, shift in county_with_drift.planted.items():
        if abs(shift) >= 0.5:
            assert f"{area} scores {'higher' if shift > 0 else 'lower'} than the county" in text
    assert page.find("svg", class_="app-forest").find("title").get_text()
    assert len(page.select("svg.app-forest circle")) == 6
    # Small groups: any term in which an area had fewer than 5 practitioners says so only.
    with app.app_context():
        payload = drift.reviewer_drift().payload
    small = [row for row in payload["periods"] if row["suppressed"]]
    assert small, "the small demo has thin terms"
    for row in small:
        assert (row["offset"], row["ci95"], row["n_raters"], row["n_ratings"]) == (
            None, None, None, None)
    assert text.count("fewer than 5 practitioners") >= len(small)


def test_filters_and_exports(app, client, county_with_drift):
    login(client, "rev@example.org")
    with app.app_context():
        periods = drift.reviewer_drift().periods
        one_term = drift.reviewer_drift(period=periods[-1]).payload
    assert periods == sorted(periods) and len(periods) >= 3
    page = check_page(client.get(f"/drift?period={periods[-1]}&phase="))
    assert page.find("option", selected=True, string=periods[-1])
    assert client.get("/drift?phase=university").status_code == 404

    exported = client.get(f"/drift.csv?period={periods[-1]}")
    assert exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    areas = [r for r in rows if r["table"] == "areas"]
    assert [r["area"] for r in areas] == [row["area"] for row in one_term["areas"]]
    for r, row in zip(areas, one_term["areas"]):
        if row["suppressed"]:
            assert (r["offset"], r["suppressed"]) == ("", "True")
        else:
            assert float(r["offset"]) == pytest.approx(row["offset"], abs=1e-9)

    book = load_workbook(io.BytesIO(client.get(f"/drift.xlsx?period={periods[-1]}").data))
    sheet = list(book["Area drift"].values)
    assert list(sheet[0]) == list(rows[0].keys())
    assert len(sheet) == len(rows) + 1
    assert [c for c in sheet[1][:2]] == [rows[0]["table"], rows[0]["area"]]


@pytest.mark.parametrize("email, status", [("fac@example.org", 403), ("admin@example.org", 200)])
def test_only_reviewers_and_admins_see_drift(client, county_with_drift, email, status):
    login(client, email)
    assert client.get("/drift").status_code == status
    assert client.get("/drift.csv").status_code == status


def test_signed_out_visitors_are_sent_to_sign_in(client, county):
    response = client.get("/drift")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_empty_county_says_so(client, county):
    login(client, "rev@example.org")
    assert "No drift figures for this choice: no independent scores match" in text_of(
        check_page(client.get("/drift")))


@pytest.mark.parametrize("day, term", [
    (date(2026, 9, 1), "2026/27 autumn"), (date(2026, 12, 31), "2026/27 autumn"),
    (date(2027, 1, 4), "2026/27 spring"), (date(2027, 3, 31), "2026/27 spring"),
    (date(2027, 4, 1), "2026/27 summer"), (date(2027, 8, 31), "2026/27 summer"),
    (date(2009, 10, 1), "2009/10 autumn"), (date(2000, 2, 1), "1999/00 spring"),
])
def test_school_terms(day, term):
    assert drift.school_term(day) == term


def test_demo_county_command(app, runner, county):
    result = runner.invoke(args=["demo-county", "--areas", "6", "--practitioners", "40",
                                 "--huddles", "5", "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert "demo county: 5 huddles, 40 practitioners" in result.output
    assert "planted drift (scale points):" in result.output
    again = runner.invoke(args=["demo-county", "--if-empty"])
    assert again.exit_code == 0 and "nothing added" in again.output
    too_few = runner.invoke(args=["demo-county", "--areas", "6", "--practitioners", "10"])
    assert too_few.exit_code != 0 and "practitioners must be between 30" in too_few.output
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Huddle)).scalar_one() == 5


def test_anchor_suggestions_prefer_widely_scored_vignettes_new_to_the_host(app, county_with_drift):
    with app.app_context():
        table = drift.rating_table()
        host = county_with_drift.areas[0]
        suggestions = drift.suggest_anchors(host_area=host, limit=20)
        assert len(drift.suggest_anchors(host_area=host)) == 3
        # Independently: the areas that scored each vignette code.
        codes = {str(v.id): v.vignette.code for v in
                 db.session.execute(select(VignetteVersion)).scalars()}
    by_code: dict[str, set[str]] = {}
    for unit, area in table[["unit", "area"]].drop_duplicates().itertuples(index=False):
        by_code.setdefault(codes[unit], set()).add(area)
    assert suggestions
    for s in suggestions:
        assert s.n_areas == len(by_code[s.code])
        assert s.scored_by_host == (host in by_code[s.code])
    keys = [(s.scored_by_host, -s.n_areas) for s in suggestions]
    assert keys == sorted(keys)


@pytest.mark.parametrize("email, status", [("admin@example.org", 200), ("rev@example.org", 403),
                                           ("fac@example.org", 403)])
def test_practitioner_offsets_are_for_admins_only(app, client, county_with_drift, email, status):
    login(client, email)
    response = client.get("/admin/raters")
    assert response.status_code == status
    if status != 200:
        return
    page = check_page(response)
    with app.app_context():
        rows, reason = drift.rater_rows()
        full = drift_report(drift.rating_table(), min_raters=drift.MIN_GROUP)
        direct = {r.rater: r for r in full.raters}
        areas = {a.area: a.offset for a in full.areas}
    assert reason is None and len(rows) == len(direct)
    cells = [tr.find_all("td") for tr in page.select("tbody tr")]
    assert len(cells) == len(rows)
    for row, tds in zip(rows, cells):
        assert tds[2].get_text() == f"{direct[str(row.practitioner_id)].offset:+.2f}"
        assert (tds[6].get_text() == "may want support") == (
            direct[str(row.practitioner_id)].flag is not None)
        assert row.own == pytest.approx(row.offset - areas[row.area], abs=1e-12)
    assert any(row.may_want_support for row in rows)
    # Reviewers' drift data never carries individuals.
    with app.app_context():
        assert "raters" not in drift.reviewer_drift().payload


def test_drift_api_for_reviewers(app, api, county, county_with_drift):
    response = api.call("GET", "/drift", county.reviewer_token)
    assert response.status_code == 200
    payload = response.get_json()
    with app.app_context():
        expected = drift.reviewer_drift().payload
    assert payload["areas"] == expected["areas"] and "raters" not in payload
    assert payload["reason"] is None and payload["available_periods"]
    flagged = {row["area"] for row in payload["areas"] if row["flag"]}
    assert flagged == {a for a, s in county_with_drift.planted.items() if abs(s) >= 0.5}
    for row in payload["periods"]:
        if row["suppressed"]:
            assert row["offset"] is None and row["n_raters"] is None
        else:
            assert row["n_raters"] >= drift.MIN_GROUP
    term = payload["available_periods"][0]
    one = api.call("GET", f"/drift?period={term}&model=ordinal", county.admin_token).get_json()
    assert one["model"] == "ordinal" and {row["period"] for row in one["periods"]} == {term}
    assert api.call("GET", "/drift?phase=nursery", county.reviewer_token).status_code == 422
    assert api.call("GET", "/drift?model=cubic", county.reviewer_token).status_code == 422
    assert api.call("GET", "/drift", county.facilitator_token).status_code == 403
    assert api.call("GET", "/drift").status_code == 401


def test_create_huddle_page_marks_anchor_vignettes(app, client, county_with_drift):
    login(client)
    with app.app_context():
        expected = [a for phase in drift.PHASES for a in drift.suggest_anchors(phase=phase, limit=2)]
    page = check_page(client.get("/huddles/new"))
    marked = {}
    for hint in page.select(".govuk-checkboxes__hint"):
        anchor = hint.find(class_="app-anchor")
        if anchor:
            code = page.find(attrs={"aria-describedby": hint["id"]})["value"]
            marked[code] = anchor.get_text()
    assert marked == {a.code: f"anchor: scored in {a.n_areas} areas" for a in expected}
    assert "Include at least one anchor" in text_of(page)


def test_suppressed_figures_cannot_be_recovered_from_the_shown_ones(app, county_with_drift):
    """Offsets sum to zero: if a small area were fitted and only hidden, minus the sum of the
    shown offsets would give it away. Small areas are left out of the fit instead, so the
    shown offsets of every table sum to zero on their own."""
    with app.app_context():
        views = [drift.reviewer_drift()]
        views += [drift.reviewer_drift(period=p) for p in views[0].periods]
        views += [drift.reviewer_drift(phase=p) for p in drift.PHASES]
    checked = 0
    for view in views:
        payload = view.payload
        groups: dict[tuple, list[dict]] = {}
        for key, rows in (("areas", payload["areas"]), ("domain", payload["area_domains"]),
                          ("period", payload["periods"])):
            for row in rows:
                groups.setdefault((key, row.get("domain"), row.get("period")), []).append(row)
        for rows in groups.values():
            if any(r["suppressed"] for r in rows):
                shown = [r["offset"] for r in rows if r["offset"] is not None]
                assert abs(sum(shown)) < 1e-9
                checked += 1
    assert checked > 0


def test_filtered_exports_say_what_they_hold(app, client, county_with_drift):
    login(client, "rev@example.org")
    with app.app_context():
        term = drift.reviewer_drift().periods[0]
    exported = client.get(f"/drift.csv?period={term}&phase=primary")
    slug = term.replace("/", "-").replace(" ", "-")
    assert exported.headers["Content-Disposition"] == (
        f'attachment; filename="area-drift-{slug}-primary.csv"')
    book = load_workbook(io.BytesIO(client.get(f"/drift.xlsx?period={term}").data))
    about = [row[0] for row in book["About"].values]
    assert f"Term: {term}; phase: all phases" in about


def test_reviewers_start_at_area_drift(client, county):
    response = login(client, "rev@example.org")
    assert response.status_code == 302 and response.headers["Location"].endswith("/drift")
    response = login(client.application.test_client(), "fac@example.org")
    assert response.headers["Location"].endswith("/huddles/")


def test_drift_api_edges(api, county):
    empty = api.call("GET", "/drift?period=none-such&model=ordinal", county.reviewer_token)
    assert empty.status_code == 200
    payload = empty.get_json()
    assert (payload["model"], payload["areas"], payload["reason"]) == (
        "ordinal", [], "no independent scores match")
    assert api.call("GET", "/drift?model=", county.reviewer_token).get_json()["model"] == "linear"
    created = api.call("POST", "/huddles", county.facilitator_token,
                       json={"title": "T", "vignettes": ["V01"]}).get_json()
    token = api.call("POST", "/join", json={"join_code": created["join_code"], "name": "P",
                                            "area": "West"}).get_json()["participant_token"]
    refused = api.call("GET", "/drift", token)
    assert refused.status_code == 403
    assert refused.get_json()["error"] == "area drift needs a reviewer's or admin's token"



def test_a_practitioner_sees_their_own_county_offset(app, county_with_drift):
    from moderation_app.models import Practitioner
    from moderation_app.services import calibration

    with app.app_context():
        rows, _ = drift.rater_rows()
        row = rows[0]
        practitioner = db.session.get(Practitioner, row.practitioner_id)
        mine = calibration.my_calibration(practitioner)["county_offset"]
    assert mine["offset"] == pytest.approx(row.offset, abs=1e-12)
    assert mine["ci95"] == pytest.approx(list(row.ci95), abs=1e-12)
    assert mine["may_want_support"] == row.may_want_support


def test_county_report_figures(app, client, county_with_drift):
    from stats import krippendorff_alpha_long

    from moderation_app.services import county as county_service

    with app.app_context():
        report = county_service.county_report()
        frame = county_service.revealed_scores()
    # Participation, independently from the table of scores.
    for row in report["participation_by_area"]:
        part = frame[frame["area"] == row["area"]]
        n = part["rater"].nunique()
        assert row["suppressed"] == (n < 5)
        if not row["suppressed"]:
            assert (row["practitioners"], row["scores"]) == (n, len(part))
    assert sum(r["scores"] for r in report["participation_by_term"]) == len(frame)
    # Agreement by term: alpha over units of one domain of one vignette in one huddle.
    for row in report["agreement_by_term"]:
        part = frame[frame["term"] == row["term"]]
        if not row["suppressed"]:
            expected = krippendorff_alpha_long(part, "ordinal", value_domain=range(6)).alpha
            assert row["alpha"] == pytest.approx(expected, abs=1e-12)
    alphas = [d["alpha"] for d in report["domains"] if d["alpha"] is not None]
    assert alphas == sorted(alphas)  # least consistent first
    for m in report["major_disagreements"]:
        units = frame[frame["domain"] == m["domain"]].groupby("unit")["score"].agg(["min", "max"])
        crossed = ((units["min"] <= 2) & (units["max"] >= 3)) | (
            (units["min"] <= 3) & (units["max"] >= 4))
        assert (m["units"], m["crossed"]) == (len(units), int(crossed.sum()))
    shares = [m["share"] for m in report["major_disagreements"]]
    assert shares == sorted(shares, reverse=True)
    assert {r["area"] for r in report["drift_flags"]} == {
        a for a, s in county_with_drift.planted.items() if abs(s) >= 0.5}

    login(client, "rev@example.org")
    page = check_page(client.get("/county"))
    assert len(page.select("#training tbody tr")) == len(report["domains"])
    assert "Where to focus training" in text_of(page)
    assert [h.get_text() for h in page.find_all("h2")][0] == "Disagreements that matter"
    summary = page.find(id="drift-summary").get_text(" ", strip=True)
    for row in report["drift_flags"]:
        assert f"{row['area']} scores {row['flag']} than the county" in summary
    facilitator = client.application.test_client()
    login(facilitator, "fac@example.org")
    assert facilitator.get("/county").status_code == 403


def test_vignette_library_report(app, client, county_with_drift):
    from stats import krippendorff_alpha_long

    from moderation_app.services import county as county_service
    from moderation_app.services import library

    with app.app_context():
        report = library.library_report()
        frame = county_service.revealed_scores()
        codes = {v.vignette.code: v.id
                 for v in db.session.execute(select(VignetteVersion)).scalars()}
    assert report
    for entry in report:
        part = frame[frame["version"] == codes[entry["vignette"]]]
        assert entry["n_scores"] == len(part)
        expected = krippendorff_alpha_long(part, "ordinal", value_domain=range(6)).alpha
        assert entry["alpha"] == pytest.approx(expected, abs=1e-12)
        for d in entry["domains"]:
            scores = part[part["domain"] == d["domain"]]["score"]
            assert d["mean"] == pytest.approx(scores.mean())
            far = d["reference"] is not None and abs(scores.mean() - d["reference"]) >= 1
            assert far == any("from its reference" in r for r in d["reword"])
    alphas = [e["alpha"] for e in report if e["alpha"] is not None]
    assert alphas == sorted(alphas)

    login(client, "admin@example.org")
    page = check_page(client.get("/admin/library"))
    headings = [h.get_text() for h in page.find_all("h2")]
    assert headings[0] == "Disagreements that matter" and len(headings) == len(report) + 1
    # Independently: a spread crosses 2|3 or 3|4 when it reaches both sides.
    crossings = {}
    for (version, domain, huddle), part in frame.groupby(["version", "domain", "huddle"]):
        lo, hi = part["score"].min(), part["score"].max()
        crossed = (lo <= 2 and hi >= 3) or (lo <= 3 and hi >= 4)
        crossings[(version, domain)] = crossings.get((version, domain), 0) + int(crossed)
    for entry in report:
        for d in entry["domains"]:
            assert d["boundary_crossings"] == crossings[(codes[entry["vignette"]], d["domain"])]
    assert len(page.select("#major li")) == sum(1 for n in crossings.values() if n)
    exported = client.get("/admin/library.csv")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert len(rows) == sum(len(e["domains"]) for e in report)
    reviewer = client.application.test_client()
    login(reviewer, "rev@example.org")
    assert reviewer.get("/admin/library").status_code == 403


def test_every_report_exports(app, client, api, county, county_with_drift):
    """County (reviewers), vignette library (admins), huddle report (its facilitator) and a
    practitioner's own calibration each download with the figures the page shows."""
    from moderation_app.services import county as county_service
    from moderation_app.services import library

    login(client, "rev@example.org")
    book = load_workbook(io.BytesIO(client.get("/county.xlsx").data))
    assert book.sheetnames == ["Disagreements that matter", "Training needs",
                               "Agreement by term", "Taking part by area",
                               "Taking part by term", "About"]
    with app.app_context():
        report = county_service.county_report()
        rows = library.as_rows(library.library_report())
    training = list(book["Training needs"].values)
    assert [r[0] for r in training[1:]] == [d["domain"] for d in report["domains"]]
    csv_rows = list(csv.DictReader(io.StringIO(client.get("/county.csv").get_data(as_text=True))))
    assert [r["domain"] for r in csv_rows] == [d["domain"] for d in report["domains"]]

    admin = client.application.test_client()
    login(admin, "admin@example.org")
    sheet = list(load_workbook(io.BytesIO(admin.get("/admin/library.xlsx").data))
                 ["Vignette library"].values)
    assert len(sheet) == len(rows) + 1 and list(sheet[0]) == list(rows.columns)

    fac = county.facilitator_token
    created = api.call("POST", "/huddles", fac, json={"title": "X", "vignettes": ["V01"]}).get_json()
    token = api.call("POST", "/join", json={"join_code": created["join_code"], "name": "Q",
                                            "area": "West"}).get_json()["participant_token"]
    api.call("POST", f"/huddles/{created['id']}/open", fac)
    api.call("PUT", f"/huddles/{created['id']}/ratings/V01", token,
             json={"scores": {"sensory": 3, "physical-medical": 1}})
    api.call("POST", f"/huddles/{created['id']}/reveal", fac)
    api.call("PUT", f"/huddles/{created['id']}/consensus/V01", fac,
             json={"scores": {"sensory": 2, "physical-medical": 1}})
    facilitator = client.application.test_client()
    login(facilitator, "fac@example.org")
    book = load_workbook(io.BytesIO(facilitator.get(f"/huddles/{created['id']}/report.xlsx").data))
    spread = list(book["Spread and agreed"].values)
    header = list(spread[0])
    sensory = next(r for r in spread[1:] if r[header.index("domain")] == "sensory")
    assert (sensory[header.index("level 3")], sensory[header.index("agreed")]) == (1, 2)
    assert reviewer_blocked(client, f"/huddles/{created['id']}/report.xlsx")

    phone = client.application.test_client()
    phone.set_cookie("huddle_practitioner", token, domain="huddle.test")
    mine = list(csv.DictReader(io.StringIO(phone.get("/me/calibration.csv").get_data(as_text=True))))
    assert {r["domain"]: float(r["mean_signed_difference"]) for r in mine} == {
        "sensory": 1.0, "physical-medical": 0.0}
    book = load_workbook(io.BytesIO(phone.get("/me/calibration.xlsx").data))
    assert book.sheetnames[:2] == ["Against agreed scores", "Against references"]
    agreed_sheet = list(book["Against agreed scores"].values)
    assert {r[0]: r[3] for r in agreed_sheet[1:]} == {"sensory": 1.0, "physical-medical": 0.0}


def reviewer_blocked(client, path: str) -> bool:
    return client.get(path).status_code in (403, 404)
