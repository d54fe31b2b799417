"""The pages' forms: each field's label and every message in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

REQUIRED = _l("Please fill in this field.")


def options(pairs: list[tuple[str, object]]) -> list[SelectChoice]:
    """A select's options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED)])
    next = HiddenField()


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class LanguageForm(FlaskForm):
    lang = HiddenField(validators=[DataRequired()])
    next = HiddenField()


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason given to the company"),
        validators=[DataRequired(_l("Say why the booking is rejected.")), Length(max=500)],
    )


class ApproveForm(FlaskForm):
    reason = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])


def end_after_start(form: FlaskForm, field: TimeField) -> None:
    if form.start.data and field.data and field.data <= form.start.data:
        raise ValidationError(_l("The end must be after the start."))


class WhenForm(FlaskForm):
    """A day, a start and an end, in the site's time zone."""

    date = DateField(_l("Date"), validators=[InputRequired(REQUIRED)])
    start = TimeField(_l("From"), validators=[InputRequired(REQUIRED)])
    end = TimeField(_l("To"), validators=[InputRequired(REQUIRED), end_after_start])
    attendees = IntegerField(
        _l("Attendees"),
        validators=[InputRequired(REQUIRED), NumberRange(min=1, max=2000, message=_l("Between 1 and 2000 people."))],
    )


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes: easier with a keyboard than a multiple select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SearchForm(WhenForm):
    class Meta:
        csrf = False  # a search changes nothing, and its URL can be shared

    site = SelectField(_l("Site"), choices=[], validate_choice=True, default="")
    equipment = CheckboxesField(_l("Equipment"), choices=[], validate_choice=True)


REPEAT_CHOICES = options(
    [
        ("", _l("Does not repeat")),
        ("DAILY", _l("Every day")),
        ("WEEKLY", _l("Every week")),
    ]
)


class HybridFields:
    """People online and where they follow: on the booking form and the change form alike."""

    online_attendees = IntegerField(
        _l("People following online"),
        validators=[Optional(), NumberRange(min=0, max=100_000, message=_l("Between 0 and 100,000 people."))],
        default=0,
    )
    streaming_link = StringField(
        _l("Streaming link"),
        validators=[Optional(), URL(message=_l("A web address, e.g. https://…")), Length(max=500)],
    )


class BookForm(HybridFields, WhenForm):
    # staff only (the view removes it for a company's people): the company booked for
    organisation = SelectField(
        _l("Company booked for"), choices=[], validate_choice=True, default="",
        validators=[DataRequired(_l("Choose the company you book for."))],
    )  # fmt: skip
    title = StringField(
        _l("Title of the event"), validators=[DataRequired(_l("Give your booking a title.")), Length(max=200)]
    )
    layout = SelectField(_l("Layout"), choices=[], validate_choice=True, default="")
    hold = BooleanField(_l("Only hold the space for now (confirm later)"))
    repeat = SelectField(_l("How often"), choices=REPEAT_CHOICES, default="")
    count = IntegerField(
        _l("Number of dates"),
        validators=[Optional(), NumberRange(min=2, max=52, message=_l("Between 2 and 52 dates."))],
        default=4,
    )
    skip_conflicts = BooleanField(_l("Book the free dates even if some are taken"))
    notes = TextAreaField(_l("Notes for the venue"), validators=[Optional(), Length(max=2000)])


SCOPE_CHOICES = options([("this", _l("This date only")), ("following", _l("This date and the following ones"))])


class ChangeForm(HybridFields, FlaskForm):
    """One booking's day, times, title, services and people online, or those of its series from this date on."""

    title = StringField(
        _l("Title of the event"), validators=[DataRequired(_l("Give your booking a title.")), Length(max=200)]
    )
    date = DateField(_l("Date"), validators=[InputRequired(REQUIRED)])
    start = TimeField(_l("From"), validators=[InputRequired(REQUIRED)])
    end = TimeField(_l("To"), validators=[InputRequired(REQUIRED), end_after_start])
    scope = RadioField(_l("Change"), choices=SCOPE_CHOICES, default="this", validate_choice=True)
    version = HiddenField()


class MoveForm(FlaskForm):
    """Staff move one booking, or its series from this date on, to another day or time."""

    date = DateField(_l("Date"), validators=[InputRequired(REQUIRED)])
    start = TimeField(_l("From"), validators=[InputRequired(REQUIRED)])
    end = TimeField(_l("To"), validators=[InputRequired(REQUIRED), end_after_start])
    scope = RadioField(_l("Move"), choices=SCOPE_CHOICES, default="this", validate_choice=True)
    version = HiddenField()


def needed_for_a_stop(form: Form, field) -> None:
    """A roadshow stop with a space needs its date and times; an empty stop is ignored."""
    if not form.space.data:
        field.errors[:] = []  # an unused stop: nothing to check
        raise StopValidation()
    if not any(field.raw_data or []):
        field.errors[:] = []
        raise StopValidation(REQUIRED)
    if field.data is None:
        raise StopValidation()  # not a date or time: the field's own message says so


class LegForm(Form):
    """One stop of a roadshow (a sub-form: the roadshow form carries the CSRF token)."""

    space = SelectField(_l("Space"), choices=[], validate_choice=True, default="")
    date = DateField(_l("Date"), validators=[needed_for_a_stop])
    start = TimeField(_l("From"), validators=[needed_for_a_stop])
    end = TimeField(_l("To"), validators=[needed_for_a_stop, end_after_start])


class RoadshowForm(FlaskForm):
    title = StringField(
        _l("Title of the roadshow"), validators=[DataRequired(_l("Give your booking a title.")), Length(max=200)]
    )
    attendees = IntegerField(
        _l("Attendees"),
        validators=[InputRequired(REQUIRED), NumberRange(min=1, max=2000, message=_l("Between 1 and 2000 people."))],
    )
    hold = BooleanField(_l("Only hold the spaces for now (confirm later)"))
    legs = FieldList(FormField(LegForm), min_entries=4, max_entries=8)


class FeedForm(FlaskForm):
    target = SelectField(_l("What the calendar shows"), choices=[], validate_choice=True)


COUNTRIES = [
    ("FR", "France"), ("BE", "Belgique / België"), ("CH", "Suisse / Schweiz"), ("LU", "Luxembourg"),
    ("DE", "Deutschland"), ("IT", "Italia"), ("ES", "España"), ("PT", "Portugal"), ("NL", "Nederland"),
    ("GB", "United Kingdom"), ("IE", "Ireland"), ("MC", "Monaco"), ("MA", "Maroc"), ("TN", "Tunisie"),
    ("DZ", "Algérie"), ("SN", "Sénégal"), ("CA", "Canada"), ("US", "United States"), ("JP", "日本"),
]  # fmt: skip


class SignupForm(FlaskForm):
    join = SelectField(
        _l("I want to"), default="new", validate_choice=True,
        choices=options([("new", _l("Open an account for my company")), ("join", _l("Join my company's account"))]),
    )  # fmt: skip
    company = StringField(_l("Company name"), validators=[DataRequired(REQUIRED), Length(max=200)])
    country = SelectField(_l("Country"), choices=options(COUNTRIES), default="FR", validate_choice=True)
    vat_number = StringField(_l("VAT number (optional)"), validators=[Optional(), Length(max=40)])
    billing_address = TextAreaField(_l("Billing address (optional)"), validators=[Optional(), Length(max=500)])
    name = StringField(_l("Your name"), validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(
        _l("Password (10 characters or more)"),
        validators=[Optional(), Length(min=10, max=200, message=_l("At least 10 characters."))],
    )
    locale = SelectField(
        _l("Language of your e-mails"), choices=options([("fr", "Français"), ("en", "English")]), validate_choice=True
    )


class EmailForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(REQUIRED), Length(max=254)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password (10 characters or more)"),
        validators=[DataRequired(REQUIRED), Length(min=10, max=200, message=_l("At least 10 characters."))],
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)])


class InviteForm(FlaskForm):
    email = EmailField(_l("Their e-mail address"), validators=[DataRequired(REQUIRED), Length(max=254)])
    name = StringField(_l("Their name (optional)"), validators=[Optional(), Length(max=200)])


class JoinForm(NewPasswordForm):
    name = StringField(_l("Your name"), validators=[DataRequired(REQUIRED), Length(max=200)])


class BookingFilterForm(FlaskForm):
    """My bookings narrowed to a site or a status; a GET, so the URL can be kept."""

    class Meta:
        csrf = False

    site = SelectField(_l("Site"), choices=[], validate_choice=True, default="")
    status = SelectField(_l("Status"), choices=[], validate_choice=True, default="")


class TokenForm(FlaskForm):
    name = StringField(_l("What the token is for"), validators=[Optional(), Length(max=100)])
