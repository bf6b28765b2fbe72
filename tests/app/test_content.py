"""Frameworks and vignettes as content files: the shipped set, validation, versioning.

Every refused load is checked for the exact problems it reports (each naming its file)
and for leaving the database exactly as it was.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from moderation_app.content import (
    PERSONAL_DATA_PATTERNS,
    ContentError,
    load_directory,
    render_markdown,
)
from moderation_app.extensions import db
from moderation_app.models import (
    PHASES,
    Framework,
    HuddleItem,
    Rating,
    Vignette,
    VignetteVersion,
)

from .helpers import DOMAINS

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "vignettes"
NEEDS_YAML = SHIPPED / "frameworks" / "needs.yaml"
MALFORMED = (
    "malformed front matter: the file must start with a '---' line, "
    "then YAML, then a closing '---' line"
)
BODY = (
    "## In class\n\n"
    "The pupil reads well below the level expected for their age and avoids writing tasks.\n"
)


# --- Helpers ---------------------------------------------------------------------------


def front_matter(**overrides) -> dict:
    """A valid vignette's front matter; a value of ``None`` leaves that key out."""
    meta = {
        "code": "T01",
        "title": "Year 3 pupil who finds reading hard",
        "phase": "primary",
        "version": 1,
        "framework": "needs",
        "reference": {"cognition-learning": 3, "sensory": 0},
    }
    meta.update(overrides)
    return {k: v for k, v in meta.items() if v is not None}


def vignette_text(body: str = BODY, **overrides) -> str:
    head = yaml.safe_dump(front_matter(**overrides), sort_keys=False, allow_unicode=True)
    return f"---\n{head}---\n{body}"


def content_dir(tmp_path: Path, files: dict[str, str], name: str = "content") -> Path:
    """A content directory holding a copy of the shipped framework and ``files``."""
    directory = tmp_path / name
    (directory / "frameworks").mkdir(parents=True)
    shutil.copy(NEEDS_YAML, directory / "frameworks" / "needs.yaml")
    for relative, text in files.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return directory


def row_counts() -> tuple[int, int, int]:
    return tuple(
        db.session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (Framework, Vignette, VignetteVersion)
    )


def refused(directory: Path) -> list[str]:
    """Load ``directory``, expect a ContentError, check nothing was written; the problems."""
    before = row_counts()
    with pytest.raises(ContentError) as raised:
        load_directory(directory)
    db.session.rollback()
    assert row_counts() == before
    assert str(raised.value) == "\n".join(raised.value.problems)
    return raised.value.problems


def versions_of(code: str) -> list[VignetteVersion]:
    return list(
        db.session.execute(
            select(VignetteVersion)
            .join(Vignette)
            .where(Vignette.code == code)
            .order_by(VignetteVersion.version)
        ).scalars()
    )


def shipped_codes() -> list[str]:
    return sorted(p.stem for p in SHIPPED.rglob("*.md") if p.name.lower() != "readme.md")


# --- 1. The shipped content ------------------------------------------------------------


def test_shipped_content_loads_cleanly(app):
    codes = shipped_codes()
    with app.app_context():
        summary = load_directory(SHIPPED)
        assert summary.frameworks_added == ["needs v1"]
        assert summary.vignettes_added == [f"{code} v1" for code in codes]
        assert summary.unchanged == 0
        assert row_counts() == (1, len(codes), len(codes))
        stored = db.session.execute(select(Vignette.code).order_by(Vignette.code)).scalars()
        assert list(stored) == codes


def test_shipped_framework_has_a_described_scale_and_domains(app):
    with app.app_context():
        load_directory(SHIPPED)
        framework = db.session.execute(select(Framework)).scalar_one()
        assert (framework.key, framework.version) == ("needs", 1)
        assert (framework.scale_min, framework.scale_max) == (0, 5)
        assert [level["value"] for level in framework.levels] == [0, 1, 2, 3, 4, 5]
        for level in framework.levels:
            assert level["label"].strip(), level
            assert level["descriptor"].strip() and "\n" not in level["descriptor"], level
        assert 6 <= len(framework.domains) <= 10
        assert framework.domain_keys == DOMAINS
        for domain in framework.domains:
            assert domain["name"].strip()
            assert sorted(domain["levels"]) == ["0", "1", "2", "3", "4", "5"], domain["key"]
            for value, descriptor in domain["levels"].items():
                assert descriptor.strip() and "\n" not in descriptor, (domain["key"], value)


def test_shipped_vignettes_cover_every_phase_and_every_level_of_every_domain(app):
    with app.app_context():
        load_directory(SHIPPED)
        versions = list(db.session.execute(select(VignetteVersion)).scalars())
        assert len(versions) >= 12
        assert {v.phase for v in versions} == set(PHASES)
        assert all(v.framework.key == "needs" for v in versions)

        used: dict[str, set[int]] = {domain: set() for domain in DOMAINS}
        for version in versions:
            for domain, score in version.reference_scores.items():
                used[domain].add(score)
        missing = {d: sorted(set(range(6)) - levels) for d, levels in used.items()}
        assert {d: gaps for d, gaps in missing.items() if gaps} == {}


def test_shipped_vignettes_hold_no_personal_data(app):
    files = [p for p in SHIPPED.rglob("*.md") if p.name.lower() != "readme.md"]
    assert len(files) >= 12
    found = {
        (path.name, what, match.group(0))
        for path in files
        for what, pattern in PERSONAL_DATA_PATTERNS.items()
        if (match := pattern.search(path.read_text(encoding="utf-8")))
    }
    assert found == set()
    with app.app_context():
        load_directory(SHIPPED)
        stored = [
            (v.vignette.code, v.title + "\n" + v.body_markdown)
            for v in db.session.execute(select(VignetteVersion)).scalars()
        ]
        assert len(stored) == len(files)
        assert [
            (code, what)
            for code, text in stored
            for what, pattern in PERSONAL_DATA_PATTERNS.items()
            if pattern.search(text)
        ] == []


def test_personal_data_patterns_do_catch_the_examples_used_here():
    """The anonymisation check is only as good as its patterns: they must fire."""
    examples = {
        "an email address": "jo.bloggs@example.com",
        "a phone number": "07700 900123",
        "a UK postcode": "SW1A 1AA",
        "a date of birth": "date of birth",
    }
    for what, sample in examples.items():
        match = PERSONAL_DATA_PATTERNS[what].search(f"Text with {sample} inside.")
        assert match is not None and match.group(0) == sample, what


# --- 2. Refused loads ------------------------------------------------------------------


def test_a_good_directory_loads(app, tmp_path):
    directory = content_dir(tmp_path, {"T01.md": vignette_text()})
    with app.app_context():
        summary = load_directory(directory)
        assert summary.lines() == [
            "framework needs v1 loaded",
            "vignette T01 v1 loaded",
            "1 framework(s) and 1 vignette version(s) added; 0 already up to date",
        ]
        assert row_counts() == (1, 1, 1)
        (version,) = versions_of("T01")
        assert (version.version, version.title, version.phase) == (
            1, "Year 3 pupil who finds reading hard", "primary")
        assert version.reference_scores == {"cognition-learning": 3, "sensory": 0}
        assert version.body_markdown == BODY
        assert version.source_path == str(directory / "T01.md")
        assert version.framework.key == "needs"


def test_unknown_domain_in_reference(app, tmp_path):
    directory = content_dir(
        tmp_path, {"T01.md": vignette_text(reference={"hearing": 2, "sensory": 1})}
    )
    with app.app_context():
        assert refused(directory) == [
            f"{directory / 'T01.md'}: reference names unknown domain 'hearing' "
            f"(framework needs has: {', '.join(DOMAINS)})"
        ]


@pytest.mark.parametrize("score, shown", [(6, "6"), (-1, "-1"), ("3", "'3'"), (2.5, "2.5")])
def test_reference_score_outside_the_scale(app, tmp_path, score, shown):
    directory = content_dir(
        tmp_path, {"T01.md": vignette_text(reference={"sensory": 1, "cognition-learning": score})}
    )
    with app.app_context():
        assert refused(directory) == [
            f"{directory / 'T01.md'}: reference score {shown} for cognition-learning "
            "is outside the scale 0..5"
        ]


def test_duplicate_code_in_two_files(app, tmp_path):
    directory = content_dir(
        tmp_path,
        {
            "primary/T01.md": vignette_text(),
            "secondary/T01-copy.md": vignette_text(phase="secondary", title="Another"),
        },
    )
    first, second = directory / "primary" / "T01.md", directory / "secondary" / "T01-copy.md"
    with app.app_context():
        assert refused(directory) == [f"{second}: duplicate code T01 (also in {first})"]


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("code: T01\ntitle: x\n---\n" + BODY, MALFORMED, id="no-opening-line"),
        pytest.param("---\ncode: T01\ntitle: x\nphase: primary\nversion: 1\n" + BODY,
                     MALFORMED, id="unclosed"),
        pytest.param("---\n- code: T01\n- title: x\n---\n" + BODY,
                     "malformed front matter: expected 'key: value' lines", id="a-list"),
        pytest.param("---\njust some words\n---\n" + BODY,
                     "malformed front matter: expected 'key: value' lines", id="a-string"),
    ],
)
def test_malformed_front_matter(app, tmp_path, text, expected):
    directory = content_dir(tmp_path, {"T02.md": vignette_text(code="T02"), "T01.md": text})
    with app.app_context():
        assert refused(directory) == [f"{directory / 'T01.md'}: {expected}"]


def test_front_matter_with_a_yaml_syntax_error(app, tmp_path):
    text = "---\ncode: T01\nreference: {sensory: 1\ntitle: x\n---\n" + BODY
    directory = content_dir(tmp_path, {"T01.md": text})
    with app.app_context():
        (problem,) = refused(directory)
    prefix = f"{directory / 'T01.md'}: malformed front matter ("
    assert problem.startswith(prefix) and problem.endswith(")"), problem
    # The YAML parser's own first line is passed on, saying what went wrong.
    assert "flow mapping" in problem, problem


@pytest.mark.parametrize("missing", ["code", "title", "phase", "version"])
def test_missing_required_front_matter(app, tmp_path, missing):
    directory = content_dir(tmp_path, {"T01.md": vignette_text(**{missing: None})})
    with app.app_context():
        assert refused(directory) == [
            f"{directory / 'T01.md'}: front matter is missing '{missing}'"
        ]


def test_every_missing_field_is_named(app, tmp_path):
    directory = content_dir(tmp_path, {"T01.md": "---\nreference: {}\n---\n" + BODY})
    where = directory / "T01.md"
    with app.app_context():
        assert refused(directory) == [
            f"{where}: front matter is missing 'code'",
            f"{where}: front matter is missing 'title'",
            f"{where}: front matter is missing 'phase'",
            f"{where}: front matter is missing 'version'",
        ]


@pytest.mark.parametrize("phase", ["nursery", "Primary", "post 16"])
def test_bad_phase(app, tmp_path, phase):
    directory = content_dir(tmp_path, {"T01.md": vignette_text(phase=phase)})
    with app.app_context():
        assert refused(directory) == [
            f"{directory / 'T01.md'}: phase '{phase}' is not one of "
            "early years, primary, secondary, post-16"
        ]


@pytest.mark.parametrize("version", [0, -2, "one", "2", 1.5, True, 10**20])
def test_bad_version(app, tmp_path, version):
    directory = content_dir(tmp_path, {"T01.md": vignette_text(version=version)})
    with app.app_context():
        assert refused(directory) == [
            f"{directory / 'T01.md'}: version must be a whole number from 1 to 100000"
        ]


@pytest.mark.parametrize(
    "sentence, what, found",
    [
        ("Mum reads jo.bloggs@example.com each evening.", "an email address",
         "jo.bloggs@example.com"),
        ("Call the family on 07700 900123 after school.", "a phone number", "07700 900123"),
        ("The family live near SW1A 1AA.", "a UK postcode", "SW1A 1AA"),
        ("Her date of birth is in the file.", "a date of birth", "date of birth"),
        ("Born on 12/03/2015 at home.", "a date of birth", "12/03/2015"),
    ],
    ids=["email", "phone", "postcode", "date-of-birth", "birth-date"],
)
def test_personal_data_is_refused(app, tmp_path, sentence, what, found):
    directory = content_dir(
        tmp_path, {"T01.md": vignette_text(body=BODY + "\n" + sentence + "\n")}
    )
    with app.app_context():
        assert refused(directory) == [
            f"{directory / 'T01.md'}: looks like it contains {what} ('{found}'); "
            "vignettes must hold no personal data"
        ]


def test_personal_data_in_the_title_is_refused(app, tmp_path):
    directory = content_dir(
        tmp_path, {"T01.md": vignette_text(title="Pupil at jo@school.example.org")}
    )
    with app.app_context():
        assert refused(directory) == [
            f"{directory / 'T01.md'}: looks like it contains an email address "
            "('jo@school.example.org'); vignettes must hold no personal data"
        ]


@pytest.mark.parametrize("body", ["", "\n\n   \n"])
def test_empty_body(app, tmp_path, body):
    directory = content_dir(tmp_path, {"T01.md": vignette_text(body=body)})
    with app.app_context():
        assert refused(directory) == [
            f"{directory / 'T01.md'}: the vignette has no text after the front matter"
        ]


def test_one_good_and_one_bad_file_load_neither(app, tmp_path):
    directory = content_dir(
        tmp_path,
        {"T01.md": vignette_text(), "T02.md": vignette_text(code="T02", phase="college")},
    )
    with app.app_context():
        assert row_counts() == (0, 0, 0)
        assert refused(directory) == [
            f"{directory / 'T02.md'}: phase 'college' is not one of "
            "early years, primary, secondary, post-16"
        ]
        assert row_counts() == (0, 0, 0)
        assert versions_of("T01") == []


def test_a_bad_file_leaves_earlier_content_untouched(app, tmp_path):
    directory = content_dir(
        tmp_path,
        {"T01.md": vignette_text(), "T02.md": vignette_text(code="T02", version=0)},
    )
    with app.app_context():
        load_directory(SHIPPED)
        before = row_counts()
        assert refused(directory) == [
            f"{directory / 'T02.md'}: version must be a whole number from 1 to 100000"
        ]
        assert row_counts() == before
        assert versions_of("T01") == []


def test_every_problem_in_every_file_is_reported_at_once(app, tmp_path):
    directory = content_dir(
        tmp_path,
        {
            "T01.md": vignette_text(),
            "T02.md": vignette_text(code="T02", phase="nursery", version="one"),
            "T03.md": vignette_text(code="T03", title=None),
            "T04.md": vignette_text(code="T04", body=BODY + "Ring 07700 900123.\n"),
            "T05.md": "no front matter here\n",
            "T06.md": vignette_text(code="T06", body=""),
        },
    )
    where = {name: directory / f"{name}.md" for name in ("T02", "T03", "T04", "T05", "T06")}
    with app.app_context():
        problems = refused(directory)
    assert problems == [
        f"{where['T02']}: phase 'nursery' is not one of early years, primary, secondary, post-16",
        f"{where['T02']}: version must be a whole number from 1 to 100000",
        f"{where['T03']}: front matter is missing 'title'",
        f"{where['T04']}: looks like it contains a phone number ('07700 900123'); "
        "vignettes must hold no personal data",
        f"{where['T05']}: {MALFORMED}",
        f"{where['T06']}: the vignette has no text after the front matter",
    ]


def test_every_reference_problem_is_reported_at_once(app, tmp_path):
    directory = content_dir(
        tmp_path,
        {
            "T01.md": vignette_text(reference={"hearing": 1, "sensory": 9}),
            "T02.md": vignette_text(code="T02", reference={"cognition-learning": "3"}),
        },
    )
    with app.app_context():
        assert refused(directory) == [
            f"{directory / 'T01.md'}: reference names unknown domain 'hearing' "
            f"(framework needs has: {', '.join(DOMAINS)})",
            f"{directory / 'T01.md'}: reference score 9 for sensory is outside the scale 0..5",
            f"{directory / 'T02.md'}: reference score '3' for cognition-learning "
            "is outside the scale 0..5",
        ]


def test_reference_problems_are_reported_with_front_matter_problems(app, tmp_path):
    """Reference problems are reported in the same run as other files' front-matter problems."""
    directory = content_dir(
        tmp_path,
        {
            "T01.md": vignette_text(reference={"sensory": 7}),
            "T02.md": vignette_text(code="T02", phase="nursery"),
        },
    )
    with app.app_context():
        assert refused(directory) == [
            f"{directory / 'T01.md'}: reference score 7 for sensory is outside the scale 0..5",
            f"{directory / 'T02.md'}: phase 'nursery' is not one of "
            "early years, primary, secondary, post-16",
        ]


def test_a_title_too_long_to_store_is_reported_not_crashed_on(app, tmp_path):
    """A title longer than the database column is a problem naming the file, not a crash
    (PostgreSQL would refuse it at commit; SQLite would keep it silently)."""
    directory = content_dir(tmp_path, {"T01.md": vignette_text(title="A" * 250)})
    with app.app_context():
        problems = refused(directory)
    assert len(problems) == 1
    assert problems[0].startswith(f"{directory / 'T01.md'}: ") and "title" in problems[0]


def test_an_empty_directory_is_refused(app, tmp_path):
    (tmp_path / "empty").mkdir()
    with app.app_context():
        assert refused(tmp_path / "empty") == [
            f"{tmp_path / 'empty'}: no framework (frameworks/*.yaml) or vignette (*.md) files"
        ]


def test_a_missing_directory_is_refused(app, tmp_path):
    with app.app_context():
        assert refused(tmp_path / "nowhere") == [f"{tmp_path / 'nowhere'}: no such directory"]


# --- 3. Versioning ---------------------------------------------------------------------


def test_loading_the_same_content_twice_adds_nothing(app):
    codes = shipped_codes()
    with app.app_context():
        load_directory(SHIPPED)
        before = row_counts()
        again = load_directory(SHIPPED)
        assert again.frameworks_added == [] and again.vignettes_added == []
        assert again.unchanged == 1 + len(codes)
        assert again.lines() == [
            f"0 framework(s) and 0 vignette version(s) added; {1 + len(codes)} already up to date"
        ]
        assert row_counts() == before == (1, len(codes), len(codes))


def test_changed_text_with_the_same_version_is_refused(app, tmp_path):
    directory = content_dir(
        tmp_path, {"T01.md": vignette_text(), "T02.md": vignette_text(code="T02")}
    )
    with app.app_context():
        load_directory(directory)
        (directory / "T01.md").write_text(
            vignette_text(body=BODY + "\nA new paragraph.\n"), encoding="utf-8"
        )
        (directory / "T03.md").write_text(vignette_text(code="T03"), encoding="utf-8")
        assert refused(directory) == [
            f"{directory / 'T01.md'}: T01 version 1 is already loaded with a different text; "
            "a changed vignette needs a new version (e.g. version: 2)"
        ]
        (version,) = versions_of("T01")
        assert version.body_markdown == BODY
        assert versions_of("T03") == []


@pytest.mark.parametrize(
    "change",
    [{"title": "A new title"}, {"phase": "secondary"}, {"reference": {"sensory": 1}}],
    ids=["title", "phase", "reference"],
)
def test_any_changed_field_with_the_same_version_is_refused(app, tmp_path, change):
    directory = content_dir(tmp_path, {"T01.md": vignette_text()})
    with app.app_context():
        load_directory(directory)
        (directory / "T01.md").write_text(vignette_text(**change), encoding="utf-8")
        assert refused(directory) == [
            f"{directory / 'T01.md'}: T01 version 1 is already loaded with a different text; "
            "a changed vignette needs a new version (e.g. version: 2)"
        ]


def test_a_new_version_is_added_beside_the_old_one(app, tmp_path):
    directory = content_dir(tmp_path, {"T01.md": vignette_text()})
    new_body = BODY + "\nSince the spring they have had daily one-to-one reading.\n"
    with app.app_context():
        load_directory(directory)
        (directory / "T01.md").write_text(
            vignette_text(body=new_body, version=2, reference={"cognition-learning": 2}),
            encoding="utf-8",
        )
        summary = load_directory(directory)
        assert summary.lines() == [
            "vignette T01 v2 loaded",
            "0 framework(s) and 1 vignette version(s) added; 1 already up to date",
        ]
        assert row_counts() == (1, 1, 2)
        first, second = versions_of("T01")
        assert (first.version, first.body_markdown, first.reference_scores) == (
            1, BODY, {"cognition-learning": 3, "sensory": 0})
        assert (second.version, second.body_markdown, second.reference_scores) == (
            2, new_body, {"cognition-learning": 2})
        assert first.vignette_id == second.vignette_id
        assert first.content_digest != second.content_digest
        # Loading version 2 again changes nothing.
        assert load_directory(directory).vignettes_added == []
        assert row_counts() == (1, 1, 2)


def test_ratings_stay_with_the_version_that_was_scored(app, api, county, tmp_path):
    fac = county.facilitator_token
    created = api.call("POST", "/huddles", fac, json={"title": "Early years", "vignettes": ["V01"]})
    assert created.status_code == 201, created.get_json()
    huddle_id, join_code = created.get_json()["id"], created.get_json()["join_code"]
    joined = api.call("POST", "/join", json={"join_code": join_code, "name": "AB",
                                             "area": "West"})
    assert joined.status_code == 201, joined.get_json()
    practitioner = joined.get_json()["participant_token"]
    opened = api.call("POST", f"/huddles/{huddle_id}/open", fac)
    assert opened.get_json()["vignette"]["version"] == 1
    rated = api.call("PUT", f"/huddles/{huddle_id}/ratings/V01", practitioner,
                     json={"scores": {"speech-language-communication": 4, "sensory": 1}})
    assert rated.status_code == 200, rated.get_json()

    with app.app_context():
        (v1,) = versions_of("V01")
        v1_id, v1_body = v1.id, v1.body_markdown

    shipped_text = (SHIPPED / "needs" / "V01.md").read_text(encoding="utf-8")
    assert "\nversion: 1\n" in shipped_text
    v2_text = shipped_text.replace("\nversion: 1\n", "\nversion: 2\n") + (
        "\nThe child now uses around twenty signs with adults and friends.\n"
    )
    directory = content_dir(tmp_path, {"needs/V01.md": v2_text})
    with app.app_context():
        assert load_directory(directory).vignettes_added == ["V01 v2"]
        first, second = versions_of("V01")
        assert (first.id, first.version, first.body_markdown) == (v1_id, 1, v1_body)
        assert second.version == 2 and second.id != v1_id
        assert second.body_markdown.endswith("around twenty signs with adults and friends.\n")
        ratings = list(db.session.execute(select(Rating).order_by(Rating.domain)).scalars())
        assert [(r.huddle_id, r.vignette_version_id, r.domain, r.score) for r in ratings] == [
            (huddle_id, v1_id, "sensory", 1),
            (huddle_id, v1_id, "speech-language-communication", 4),
        ]
        old_items = db.session.execute(
            select(HuddleItem.vignette_version_id).where(HuddleItem.huddle_id == huddle_id)
        ).scalars()
        assert list(old_items) == [v1_id]
        v2_id = second.id

    listed = api.call("GET", "/vignettes", fac).get_json()
    assert {v["code"]: v["version"] for v in listed}["V01"] == 2
    assert [v["code"] for v in listed].count("V01") == 1
    assert {v["version"] for v in listed if v["code"] != "V01"} == {1}

    later = api.call("POST", "/huddles", fac, json={"title": "Later", "vignettes": ["V01"]})
    assert later.status_code == 201, later.get_json()
    later_id = later.get_json()["id"]
    with app.app_context():
        new_items = db.session.execute(
            select(HuddleItem.vignette_version_id).where(HuddleItem.huddle_id == later_id)
        ).scalars()
        assert list(new_items) == [v2_id]
    opened = api.call("POST", f"/huddles/{later_id}/open", fac).get_json()
    assert opened["vignette"]["version"] == 2
    assert opened["vignette"]["text"].endswith("around twenty signs with adults and friends.\n")


def test_a_changed_framework_with_the_same_version_is_refused(app, tmp_path):
    directory = content_dir(tmp_path, {"T01.md": vignette_text()})
    framework_file = directory / "frameworks" / "needs.yaml"
    with app.app_context():
        load_directory(directory)
        original = framework_file.read_text(encoding="utf-8")
        changed = original.replace("name: Valuing SEND needs profile",
                                   "name: Valuing SEND needs profile (revised)")
        assert changed != original
        framework_file.write_text(changed, encoding="utf-8")
        (directory / "T02.md").write_text(vignette_text(code="T02"), encoding="utf-8")
        assert refused(directory) == [
            f"{framework_file}: framework needs version 1 is already loaded with different "
            "content; give the changed framework version 2"
        ]
        framework = db.session.execute(select(Framework)).scalar_one()
        assert framework.name == "Valuing SEND needs profile"
        assert versions_of("T02") == []


def test_a_changed_framework_with_a_new_version_is_loaded(app, tmp_path):
    directory = content_dir(tmp_path, {"T01.md": vignette_text()})
    framework_file = directory / "frameworks" / "needs.yaml"
    with app.app_context():
        load_directory(directory)
        framework_file.write_text(
            framework_file.read_text(encoding="utf-8")
            .replace("\nversion: 1\n", "\nversion: 2\n")
            .replace("name: Valuing SEND needs profile", "name: Needs profile, revised"),
            encoding="utf-8",
        )
        summary = load_directory(directory)
        assert summary.frameworks_added == ["needs v2"]
        rows = db.session.execute(select(Framework).order_by(Framework.version)).scalars()
        assert [(f.version, f.name) for f in rows] == [
            (1, "Valuing SEND needs profile"), (2, "Needs profile, revised")]
        (version,) = versions_of("T01")
        assert version.framework.version == 1


# --- 4. Rendering ----------------------------------------------------------------------


def test_render_markdown_escapes_raw_html():
    html = render_markdown("Before\n\n<script>alert(1)</script>\n\nAfter *this*.\n")
    assert str(html) == (
        "<p>Before</p>\n"
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
        "<p>After <em>this</em>.</p>\n"
    )
    assert "<script" not in html


def test_render_markdown_escapes_inline_html_and_refuses_script_links():
    html = str(render_markdown('Say <b onclick="steal()">hi</b> and [go](javascript:alert(1)).'))
    assert html == (
        "<p>Say &lt;b onclick=&quot;steal()&quot;&gt;hi&lt;/b&gt; and "
        "[go](javascript:alert(1)).</p>\n"
    )


def test_a_loaded_vignette_with_html_is_rendered_escaped(app, tmp_path):
    body = "The pupil wrote <script>alert(1)</script> on the board.\n"
    directory = content_dir(tmp_path, {"T01.md": vignette_text(body=body)})
    with app.app_context():
        load_directory(directory)
        (version,) = versions_of("T01")
        assert version.body_markdown == body
        assert str(render_markdown(version.body_markdown)) == (
            "<p>The pupil wrote &lt;script&gt;alert(1)&lt;/script&gt; on the board.</p>\n"
        )


def test_a_reference_score_that_yaml_reads_as_a_date_is_reported(app, tmp_path):
    """A reference score that YAML reads as a date is reported, not a crash."""
    text = vignette_text().replace("  sensory: 0\n", "  sensory: 2024-01-01\n")
    assert "sensory: 2024-01-01" in text
    directory = content_dir(tmp_path, {"T01.md": text})
    with app.app_context():
        problems = refused(directory)
    assert len(problems) == 1
    assert problems[0].startswith(f"{directory / 'T01.md'}: ") and "sensory" in problems[0]
