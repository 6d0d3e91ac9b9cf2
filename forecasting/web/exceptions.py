"""The Exceptions page (Forecasts > Exceptions): the worklist of what needs a
person, by money at stake, each row linked to its series with the actions:
override it there, or accept or dismiss it here with a reason."""
from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.audit import Actor
from accounts.decorators import role_required
from accounts.roles import has_perm
from accounts.scope import StoreScope
from forecasting.models import ExceptionDismissal
from forecasting.selectors.exceptions import exception_list
from forecasting.services.exceptions import exception_answer
from saas.errors import ServiceError

SHOWN = 200  # the largest rows; the API lists every one


@role_required("forecasts.view")
def exceptions_page(request):
    found = exception_list(scope=StoreScope.for_request(request))
    return render(request, "forecasting/exceptions.html", {
        "rows": found["results"][:SHOWN], "count": found["count"], "floor": found["floor"], "stale": found["stale"],
        "reasons": ExceptionDismissal.Reason.choices,
        "can_answer": has_perm(request.user.role, "exceptions.answer"),
        "can_override": has_perm(request.user.role, "forecasts.override")})


@require_POST
@role_required("exceptions.answer")
def exception_answer_view(request):
    post = request.POST
    try:
        exception_answer(actor=Actor.from_request(request), scope=StoreScope.for_request(request),
                         kind=post.get("kind", ""), store=post.get("store"), dept=post.get("dept"),
                         basis=post.get("basis", ""), reason=post.get("reason", ""), note=post.get("note", ""))
        messages.success(request, "Answered: the row stays hidden while its figures are the same.")
    except ServiceError as exc:
        messages.error(request, f"Not answered: {exc.message}")
    return redirect("exceptions")
