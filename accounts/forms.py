from django import forms
from django.contrib.auth.forms import AuthenticationForm

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


class AuditFilterForm(forms.Form):
    action = forms.CharField(required=False)
    actor = forms.CharField(required=False)
    since = forms.DateTimeField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateTimeField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
