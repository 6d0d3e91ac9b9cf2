"""The one way a web view answers an action the service refused
(``saas.errors.ServiceError``): the page's htmx partial with the message when
the request came from htmx and the view has one, else a flash message and a
redirect to the page the form was on."""
from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render

from saas.errors import ServiceError


def service_error_answer(request, exc: ServiceError, *, redirect_to: str, partial: str | None = None,
                         key: str = "error", **url_kwargs):
    if partial is not None and getattr(request, "htmx", False):
        return render(request, partial, {key: exc.message})
    messages.error(request, exc.message)
    return redirect(redirect_to, **url_kwargs)
