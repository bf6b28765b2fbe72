"""Frameworks and vignettes as content files: parse, validate, load.

A load is all or nothing: every file is parsed and checked first, every problem is
reported with the file it is in, and only a clean run touches the database.

Layout of a content directory::

    frameworks/<key>.yaml     the scale (levels) and the domains
    <anything>/<CODE>.md      a vignette: YAML front matter, then Markdown
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy import select

from .extensions import db
from .models import PHASES, Framework, Vignette, VignetteVersion

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
MAX_TITLE = 200
MAX_VERSION = 100_000
#: A vignette is a page or two; anything far longer is a mistake (and slow to check).
MAX_FILE_BYTES = 64 * 1024

#: Patterns that suggest personal data has crept into a vignette.
PERSONAL_DATA_PATTERNS: dict[str, re.Pattern[str]] = {
    "an email address": re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    "a phone number": re.compile(r"(?<!\d)(?:\+44\s?|0)\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}(?!\d)"),
    "a UK postcode": re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b"),
    "an NHS number": re.compile(r"(?<!\d)\d{3}[\s-]?\d{3}[\s-]?\d{4}(?!\d)"),
    "a unique pupil number": re.compile(r"\b[A-HJ-NP-RT-Z]\d{11}[A-HJ-NP-RT-Z\d]\b"),
    "a date of birth": re.compile(
        r"\b(?:date of birth|d\.?o\.?b\.?)\b|\b\d{1,2}[/.]\d{1,2}[/.](?:19|20)\d{2}\b", re.I
    ),
}

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render_markdown(text: str) -> Markup:
    """Render vignette Markdown to HTML. Raw HTML in the source is escaped, never passed on."""
    return Markup(_markdown.render(text))


class ContentError(Exception):
    """One or more content files are invalid; nothing was loaded."""

    def __init__(self, problems: list[str]):
        # Grouped by file (each problem starts with its path), in the order found.
        self.problems = sorted(problems, key=lambda problem: problem.split(": ", 1)[0])
        super().__init__("\n".join(self.problems))


@dataclass
class LoadSummary:
    frameworks_added: list[str] = field(default_factory=list)
    vignettes_added: list[str] = field(default_factory=list)
    unchanged: int = 0

    def lines(self) -> list[str]:
        out = [f"framework {f} loaded" for f in self.frameworks_added]
        out += [f"vignette {v} loaded" for v in self.vignettes_added]
        out.append(
            f"{len(self.frameworks_added)} framework(s) and {len(self.vignettes_added)} "
            f"vignette version(s) added; {self.unchanged} already up to date"
        )
        return out


@dataclass
class ParsedFramework:
    path: Path
    definition: dict[str, Any]
    digest: str

    @property
    def key(self) -> str:
        return self.definition["key"]

    @property
    def version(self) -> int:
        return self.definition["version"]


@dataclass
class ParsedVignette:
    path: Path
    code: str
    title: str
    phase: str
    version: int
    framework_key: str | None
    reference: dict[str, int]
    body: str
    digest: str


def _digest(payload: Any) -> str:
    canonical = json.dumps(
        payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=repr
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_version(value: Any) -> bool:
    return _is_int(value) and 1 <= value <= MAX_VERSION


def _parse_framework(path: Path, problems: list[str]) -> ParsedFramework | None:
    where = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(f"{where}: not valid YAML ({_first_line(exc)})")
        return None
    if not isinstance(data, dict):
        problems.append(f"{where}: expected a mapping with key, name, version, scale, domains")
        return None
    before = len(problems)
    for name in ("key", "name", "version", "scale", "domains"):
        if name not in data:
            problems.append(f"{where}: missing '{name}'")
    if len(problems) > before:
        return None
    if len(str(data["name"])) > MAX_TITLE:
        problems.append(f"{where}: the name must be {MAX_TITLE} characters or fewer")
    if not isinstance(data["key"], str) or not KEY_PATTERN.match(data["key"]):
        problems.append(f"{where}: key must be lower-case letters, digits and hyphens")
    if not _is_version(data["version"]):
        problems.append(f"{where}: version must be a whole number from 1 to {MAX_VERSION}")

    scale = data["scale"]
    values: list[int] = []
    if not isinstance(scale, dict) or not _is_int(scale.get("min")) or not _is_int(scale.get("max")):
        problems.append(f"{where}: scale needs whole-number 'min' and 'max'")
    elif scale["max"] <= scale["min"]:
        problems.append(f"{where}: scale max must be above min")
    else:
        values = list(range(scale["min"], scale["max"] + 1))
        levels = scale.get("levels")
        if not isinstance(levels, list):
            problems.append(f"{where}: scale needs 'levels', one per value {values[0]}..{values[-1]}")
        else:
            seen = [lv.get("value") for lv in levels if isinstance(lv, dict)]
            if seen != values:
                problems.append(
                    f"{where}: scale levels must be {values} in order, each with value, "
                    f"label and descriptor (found {seen})"
                )
            for lv in levels:
                if not isinstance(lv, dict) or not lv.get("label") or not lv.get("descriptor"):
                    problems.append(f"{where}: every scale level needs a label and a descriptor")
                    break

    domains = data["domains"]
    if not isinstance(domains, list) or not domains:
        problems.append(f"{where}: domains must be a non-empty list")
        domains = []
    keys_seen: set[str] = set()
    for index, domain in enumerate(domains, start=1):
        if not isinstance(domain, dict):
            problems.append(f"{where}: domain {index} must be a mapping")
            continue
        key = domain.get("key")
        label = key or f"#{index}"
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            problems.append(f"{where}: domain {label}: key must be lower-case letters, digits, hyphens")
        elif key in keys_seen:
            problems.append(f"{where}: domain {key} is defined twice")
        else:
            keys_seen.add(key)
        if not domain.get("name"):
            problems.append(f"{where}: domain {label}: missing 'name'")
        domain_levels = domain.get("levels")
        if values and (
            not isinstance(domain_levels, dict)
            or sorted(domain_levels, key=repr) != sorted(values, key=repr)
        ):
            problems.append(
                f"{where}: domain {label}: 'levels' must describe every value {values[0]}..{values[-1]}"
            )
    boundaries = data.get("decision_boundaries") or []
    if not isinstance(boundaries, list):
        problems.append(f"{where}: decision_boundaries must be a list, e.g. - between: [2, 3]")
        boundaries = []
    for boundary in boundaries:
        between = boundary.get("between") if isinstance(boundary, dict) else None
        if (
            not isinstance(between, list)
            or len(between) != 2
            or not all(_is_int(v) and v in values for v in between)
            or between[1] != between[0] + 1
        ):
            problems.append(
                f"{where}: a decision boundary must sit between two adjacent levels, e.g. [2, 3]"
            )
    if len(problems) > before:
        return None
    definition = {
        "key": data["key"],
        "name": str(data["name"]),
        "description": str(data.get("description") or ""),
        "version": data["version"],
        "scale": {
            "min": scale["min"],
            "max": scale["max"],
            "levels": [
                {"value": lv["value"], "label": str(lv["label"]), "descriptor": str(lv["descriptor"])}
                for lv in scale["levels"]
            ],
        },
        "decision_boundaries": [
            {"between": list(b["between"]), "label": str(b.get("label") or "")}
            for b in data.get("decision_boundaries") or []
        ],
        "domains": [
            {
                "key": d["key"],
                "name": str(d["name"]),
                "broad_area": str(d.get("broad_area") or ""),
                "summary": str(d.get("summary") or ""),
                "levels": {str(v): str(d["levels"][v]) for v in values},
            }
            for d in domains
        ],
    }
    return ParsedFramework(path=path, definition=definition, digest=_digest(definition))


def _split_front_matter(text: str) -> tuple[str, str] | None:
    text = text.lstrip("\ufeff")
    match = re.match(r"^---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|$)(.*)$", text, re.S)
    if not match:
        return None
    return match.group(1), match.group(2)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _parse_vignette(path: Path, problems: list[str]) -> ParsedVignette | None:
    where = str(path)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        problems.append(f"{where}: the file is {size // 1024} KB; a vignette may be at most "
                        f"{MAX_FILE_BYTES // 1024} KB")
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(f"{where}: not UTF-8 text")
        return None
    parts = _split_front_matter(text)
    if parts is None:
        problems.append(f"{where}: malformed front matter: the file must start with a '---' line, "
                        "then YAML, then a closing '---' line")
        return None
    head, body = parts
    try:
        meta = yaml.safe_load(head)
    except yaml.YAMLError as exc:
        problems.append(f"{where}: malformed front matter ({_first_line(exc)})")
        return None
    if not isinstance(meta, dict):
        problems.append(f"{where}: malformed front matter: expected 'key: value' lines")
        return None
    before = len(problems)
    for name in ("code", "title", "phase", "version"):
        if meta.get(name) in (None, ""):
            problems.append(f"{where}: front matter is missing '{name}'")
    if len(problems) > before:
        return None
    code = str(meta["code"])
    if not CODE_PATTERN.match(code):
        problems.append(f"{where}: code '{code}' may use only letters, digits, '-' and '_' "
                        "(at most 32 characters)")
    title = " ".join(str(meta["title"]).split())
    if not isinstance(meta["title"], (str, int, float)) or isinstance(meta["title"], bool):
        problems.append(f"{where}: title must be text")
    elif len(title) > MAX_TITLE:
        problems.append(f"{where}: the title has {len(title)} characters; "
                        f"at most {MAX_TITLE} are allowed")
    if meta["phase"] not in PHASES:
        problems.append(f"{where}: phase '{meta['phase']}' is not one of {', '.join(PHASES)}")
    if not _is_version(meta["version"]):
        problems.append(f"{where}: version must be a whole number from 1 to {MAX_VERSION}")
    framework_key = meta.get("framework")
    if framework_key is not None and not isinstance(framework_key, str):
        problems.append(f"{where}: framework must be a framework's key, e.g. 'needs'")
    reference = meta.get("reference") or {}
    if not isinstance(reference, dict):
        problems.append(f"{where}: reference must map domain keys to scores")
        reference = {}
    for domain in reference:
        if not isinstance(domain, str):
            problems.append(f"{where}: reference key {domain!r} is not a domain key")
    if not body.strip():
        problems.append(f"{where}: the vignette has no text after the front matter")
    for what, pattern in PERSONAL_DATA_PATTERNS.items():
        found = pattern.search(text)
        if found:
            problems.append(
                f"{where}: looks like it contains {what} ('{found.group(0)}'); "
                "vignettes must hold no personal data"
            )
    if len(problems) > before:
        return None
    digest = _digest(
        {
            "title": title,
            "phase": meta["phase"],
            "framework": meta.get("framework"),
            "reference": reference,
            "body": body.strip(),
        }
    )
    return ParsedVignette(
        path=path,
        code=code,
        title=title,
        phase=meta["phase"],
        version=meta["version"],
        framework_key=framework_key,
        reference=reference,
        body=body.strip() + "\n",
        digest=digest,
    )


def _check_reference(v: ParsedVignette, framework: dict[str, Any], problems: list[str]) -> None:
    keys = [d["key"] for d in framework["domains"]]
    low, high = framework["scale"]["min"], framework["scale"]["max"]
    for domain, score in v.reference.items():
        if domain not in keys:
            problems.append(
                f"{v.path}: reference names unknown domain '{domain}' "
                f"(framework {framework['key']} has: {', '.join(keys)})"
            )
        elif not _is_int(score) or not low <= score <= high:
            problems.append(
                f"{v.path}: reference score {score!r} for {domain} is outside the scale {low}..{high}"
            )


def _parse_all(
    directory: Path,
) -> tuple[list[ParsedFramework], list[ParsedVignette], list[str]]:
    """Parse every content file, collecting problems instead of stopping at the first."""
    problems: list[str] = []
    if not directory.is_dir():
        return [], [], [f"{directory}: no such directory"]
    framework_paths = sorted((directory / "frameworks").glob("*.y*ml"))
    vignette_paths = sorted(
        p for p in directory.rglob("*.md")
        if p.name.lower() != "readme.md" and "frameworks" not in p.relative_to(directory).parts
    )
    frameworks = [f for p in framework_paths if (f := _parse_framework(p, problems))]
    seen_frameworks: dict[tuple[str, int], Path] = {}
    for f in frameworks:
        if (f.key, f.version) in seen_frameworks:
            problems.append(
                f"{f.path}: framework {f.key} version {f.version} is also defined in "
                f"{seen_frameworks[(f.key, f.version)]}"
            )
        seen_frameworks[(f.key, f.version)] = f.path
    vignettes = [v for p in vignette_paths if (v := _parse_vignette(p, problems))]
    seen_codes: dict[str, Path] = {}
    for v in vignettes:
        if v.code in seen_codes:
            problems.append(f"{v.path}: duplicate code {v.code} (also in {seen_codes[v.code]})")
        seen_codes[v.code] = v.path
    if not framework_paths and not vignette_paths:
        problems.append(f"{directory}: no framework (frameworks/*.yaml) or vignette (*.md) files")
    return frameworks, vignettes, problems


def parse_directory(directory: Path) -> tuple[list[ParsedFramework], list[ParsedVignette]]:
    """Parse and validate every content file under ``directory`` (no database needed).

    Raises :class:`ContentError` listing every problem found, each naming its file.
    """
    frameworks, vignettes, problems = _parse_all(directory)
    if problems:
        raise ContentError(problems)
    return frameworks, vignettes


def load_directory(directory: Path) -> LoadSummary:
    """Validate ``directory`` and load what is new, all or nothing.

    A vignette whose text changed must carry a new version number; the earlier version
    stays, with the ratings given to it.
    """
    frameworks, vignettes, problems = _parse_all(directory)
    summary = LoadSummary()

    # Frameworks available to this run: those in the files, else the newest in the database.
    available: dict[str, dict[str, Any]] = {}
    framework_rows: dict[tuple[str, int], Framework] = {}
    for f in frameworks:
        row = db.session.execute(
            select(Framework).filter_by(key=f.key, version=f.version)
        ).scalar_one_or_none()
        if row is not None and row.content_digest != f.digest:
            problems.append(
                f"{f.path}: framework {f.key} version {f.version} is already loaded with "
                f"different content; give the changed framework version {f.version + 1}"
            )
        framework_rows[(f.key, f.version)] = row  # type: ignore[assignment]
        if f.key not in available or f.version > available[f.key]["version"]:
            available[f.key] = f.definition
    for row in db.session.execute(select(Framework).order_by(Framework.version)).scalars():
        if row.key not in available or row.version > available[row.key]["version"]:
            available[row.key] = row.definition

    for v in vignettes:
        key = v.framework_key
        if key is None:
            if len(available) == 1:
                key = next(iter(available))
            else:
                problems.append(f"{v.path}: front matter must name its 'framework' "
                                f"(one of: {', '.join(sorted(available)) or 'none loaded'})")
                continue
        if key not in available:
            problems.append(f"{v.path}: unknown framework '{key}'")
            continue
        v.framework_key = key
        _check_reference(v, available[key], problems)
        existing = db.session.execute(
            select(VignetteVersion)
            .join(Vignette)
            .where(Vignette.code == v.code, VignetteVersion.version == v.version)
        ).scalar_one_or_none()
        if existing is not None and existing.content_digest != v.digest:
            problems.append(
                f"{v.path}: {v.code} version {v.version} is already loaded with a different text; "
                f"a changed vignette needs a new version (e.g. version: {v.version + 1})"
            )
    if problems:
        raise ContentError(problems)

    try:
        for f in frameworks:
            if framework_rows[(f.key, f.version)] is None:
                row = Framework(
                    key=f.key,
                    version=f.version,
                    name=f.definition["name"],
                    scale_min=f.definition["scale"]["min"],
                    scale_max=f.definition["scale"]["max"],
                    definition=f.definition,
                    content_digest=f.digest,
                )
                db.session.add(row)
                framework_rows[(f.key, f.version)] = row
                summary.frameworks_added.append(f"{f.key} v{f.version}")
        db.session.flush()
        for v in vignettes:
            framework = db.session.execute(
                select(Framework)
                .filter_by(key=v.framework_key, version=available[v.framework_key]["version"])
            ).scalar_one()
            vignette = db.session.execute(
                select(Vignette).filter_by(code=v.code)
            ).scalar_one_or_none()
            if vignette is None:
                vignette = Vignette(code=v.code)
                db.session.add(vignette)
                db.session.flush()
            exists = db.session.execute(
                select(VignetteVersion).filter_by(vignette_id=vignette.id, version=v.version)
            ).scalar_one_or_none()
            if exists is not None:
                summary.unchanged += 1
                continue
            db.session.add(
                VignetteVersion(
                    vignette_id=vignette.id,
                    version=v.version,
                    framework_id=framework.id,
                    title=v.title,
                    phase=v.phase,
                    body_markdown=v.body,
                    reference_scores=v.reference,
                    content_digest=v.digest,
                    source_path=str(v.path)[-500:],
                )
            )
            summary.vignettes_added.append(f"{v.code} v{v.version}")
        summary.unchanged += len(frameworks) - len(summary.frameworks_added)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return summary
