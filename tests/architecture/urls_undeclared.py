"""A workspace urlconf with mistakes, for the system check's test
(tests/accounts/test_web_roles.py): a page that declares no role and one that
requires a permission that does not exist."""
from django.http import HttpResponse
from django.urls import path

from accounts.decorators import public_page, role_required


def naked(request):
    return HttpResponse("anyone")


@public_page("test")
def fine(request):
    return HttpResponse("anyone, on purpose")


@role_required("forecast.view")  # typo of forecasts.view
def typo(request):
    return HttpResponse("nobody")


urlpatterns = [
    path("naked/", naked),
    path("typo/", typo),
    path("fine/", fine),
    path("api/v1/ignored/", naked),  # API routes have their own checks (E001/E002)
]
