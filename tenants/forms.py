from django import forms


class SignupForm(forms.Form):
    name = forms.CharField(label="Company name", max_length=200)
    slug = forms.SlugField(label="Short name", max_length=40,
                           help_text="Your workspace address: <short name>.<domain>")
    email = forms.EmailField(label="Your e-mail")
    password = forms.CharField(widget=forms.PasswordInput, min_length=10)
