"""Web forms (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from .models import PHASES

PRACTITIONER_ROLES = (
    "SENCo",
    "Class or subject teacher",
    "Teaching assistant",
    "Early years practitioner",
    "Head or senior leader",
    "LA officer or adviser",
    "Educational psychologist",
    "Other",
)


def choices(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    """Options for a select or checkbox list from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class LoginForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address")])
    password = PasswordField("Password", validators=[DataRequired("Enter your password")])


class HuddleForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[DataRequired("Give the huddle a title"), Length(max=200)],
        description="For example: Autumn term primary moderation, North Coast",
    )
    held_on = DateField("Date", default=date.today, validators=[DataRequired("Enter a date")])
    phase = SelectField(
        "Phase", choices=choices([("", "Any phase")] + [(p, p.capitalize()) for p in PHASES])
    )
    host_area = SelectField("Host area (optional)", choices=[])
    cofacilitators = SelectMultipleField(
        "Co-facilitators (optional)",
        choices=[],
        description="They can run this huddle and see its report too.",
    )
    vignettes = SelectMultipleField(
        "Vignettes, in running order",
        choices=[],
        validators=[DataRequired("Choose at least one vignette")],
    )


class JoinForm(FlaskForm):
    code = StringField(
        "Join code",
        validators=[DataRequired("Enter the join code shown on the screen")],
        description="6 letters and numbers, shown on the facilitator's screen",
        render_kw={"autocapitalize": "characters", "spellcheck": "false"},
    )
    name = StringField(
        "Your name or initials",
        validators=[DataRequired("Enter your name or initials"), Length(max=80)],
        description="The facilitator sees this; other practitioners do not see your scores.",
    )
    role = SelectField(
        "Your role",
        choices=choices([("", "Choose your role")] + [(r, r) for r in PRACTITIONER_ROLES]),
        validators=[Optional()],
    )
    setting = StringField(
        "Your setting (optional)",
        validators=[Optional(), Length(max=120)],
        description="For example: primary school, nursery, secondary academy, college",
    )
    area = SelectField("Your area", choices=[], validators=[DataRequired("Choose your area")])


class ConsensusForm(FlaskForm):
    note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=2000)],
                         description="What swayed the group, for the record")


class AreaForm(FlaskForm):
    name = StringField("Area name", validators=[DataRequired("Enter the area's name"),
                                                Length(max=120)])


class EmptyForm(FlaskForm):
    """A form with only its CSRF token, for buttons that change something."""
