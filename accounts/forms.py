import re
from datetime import timedelta
from datetime import timezone as dt_timezone

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import validate_email

from accounts.audit.registry import ACTIONS
from accounts.roles import API_KEY_ROLES, Role


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(label="E-mail", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))


class InviteForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100)
    role = forms.ChoiceField(choices=[(r.value, r.label) for r in API_KEY_ROLES], initial="viewer")


class _DateOrDateTimeField(forms.DateTimeField):
    """An ISO 8601 date or datetime. A bare date given to ``until`` means the
    end of that day (so since=until=D lists day D). Always aware, in UTC."""

    def __init__(self, *, end_of_day: bool = False, **kwargs):
        self.end_of_day = end_of_day
        super().__init__(**kwargs)

    def to_python(self, value):
        raw = (value or "").strip() if isinstance(value, str) else value
        result = super().to_python(value)
        if result is None:
            return None
        if self.end_of_day and isinstance(raw, str) and _DATE_ONLY.fullmatch(raw):
            result += timedelta(days=1) - timedelta(microseconds=1)
        try:
            return result.astimezone(dt_timezone.utc)
        except OverflowError:
            raise forms.ValidationError("This date is out of range.", code="overflow") from None


_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
_KEY_ACTOR = re.compile(r"key:[A-Za-z0-9]{1,16}")
_USER_ID = re.compile(r"[0-9]{1,18}")  # ASCII digits only: "²".isdigit() is True


class AuditFilterForm(forms.Form):
    """The one validator of the audit log's filters, for the page and the API."""

    action = forms.CharField(required=False, max_length=64)
    actor = forms.CharField(required=False, max_length=254)
    since = _DateOrDateTimeField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = _DateOrDateTimeField(required=False, end_of_day=True, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_action(self):
        action = self.cleaned_data.get("action", "").strip()
        if not action:
            return ""
        known = action in ACTIONS if not action.endswith(".") else any(a.startswith(action) for a in ACTIONS)
        if not known:
            raise forms.ValidationError(
                "Unknown action. Give an action code (e.g. member.invite) or a prefix ending in '.' (e.g. member.).",
                code="unknown_action")
        return action

    def clean_actor(self):
        actor = self.cleaned_data.get("actor", "").strip()
        if not actor or actor == "system" or _USER_ID.fullmatch(actor) or _KEY_ACTOR.fullmatch(actor):
            return actor
        try:
            validate_email(actor)
        except forms.ValidationError:
            raise forms.ValidationError("Give an e-mail address, a member id, key:<prefix> or 'system'.",
                                        code="invalid_actor") from None
        return actor

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", forms.ValidationError("'until' is before 'since'.", code="until_before_since"))
        return data

    def filters(self) -> dict:
        """The non-empty cleaned filters, for ``selectors.audit_event_list``."""
        return {k: v for k, v in self.cleaned_data.items() if v}

    def error_details(self) -> dict[str, list[str]]:
        return {field: [str(e) for e in errors] for field, errors in self.errors.items()}
