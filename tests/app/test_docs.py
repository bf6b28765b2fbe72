"""The documentation keeps up with the code: every command, setting and API route is named."""

from __future__ import annotations

import re
from pathlib import Path

from moderation_app import ENVIRONMENT_SETTINGS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
API_DOC = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_set_up_commands():
    first_block = README.split("```")[1]
    assert "make run" in first_block and "make test" in first_block


def test_every_cli_command_is_in_the_readme(app):
    ours = {name for name, command in app.cli.commands.items()
            if command.callback.__module__ == "moderation_app.cli"}
    assert ours == {"load-vignettes", "create-user", "set-password", "create-token", "add-area",
                    "seed-demo", "demo-county"}
    for name in ours:
        assert f"`{name}" in README, name


def test_every_environment_setting_is_in_the_readme():
    for variable in ENVIRONMENT_SETTINGS:
        assert f"`{variable}`" in README, variable


def test_every_api_route_is_documented(app):
    routes = {
        (method, re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", rule.rule.removeprefix("/api/v1")))
        for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert len(routes) == 14
    for method, path in routes:
        path = path.replace("<huddle_id>", "<id>")
        assert f"`{method} {path}`" in API_DOC, (method, path)


def test_the_stats_command_line_is_documented():
    """Every option of ``python -m stats agreement`` and every top-level JSON key is named."""
    import pandas as pd

    from stats import agreement_report
    from stats.__main__ import _parser

    commands = next(action for action in _parser()._actions if action.dest == "command").choices
    assert set(commands) == {"agreement", "drift"}
    for name, command in commands.items():
        assert f"python -m stats {name} FILE" in README, name
        for action in command._actions:
            for flag in action.option_strings:
                if flag not in ("-h", "--help"):
                    assert flag in README, (name, flag)
    frame = pd.DataFrame({"unit": [1, 1, 2, 2], "rater": ["a", "b", "a", "b"],
                          "score": [1, 2, 2, 2]})
    keys = agreement_report(frame, n_boot=10, seed=1).to_dict().keys()
    for key in keys:
        assert f"`{key}`" in README, key
