from django import forms
from django.conf import settings
from django.utils.html import format_html


class SignupForm(forms.Form):
    name = forms.CharField(label="Company name", max_length=200)
    slug = forms.SlugField(label="Short name", max_length=40)
    email = forms.EmailField(label="Your e-mail")
    password = forms.CharField(widget=forms.PasswordInput, min_length=10)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # help texts are rendered as HTML (form_fields.html): build it escaped, with the real domain
        self.fields["slug"].help_text = format_html(
            "Your workspace address: <em>short-name</em>.{}", settings.SAAS_BASE_DOMAIN)
