"""Data page: upload form with a progress bar that follows the job (htmx
polling), upload history, per-upload report, dataset summary. When an upload
started from the page ends, its last status answer swaps the summary and the
history in place; when the page shows an upload started elsewhere, it reloads
itself once that ends and the summary is stored (forecasting/web/job_watch.py)."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.audit import Actor
from accounts.decorators import role_required
from accounts.roles import has_perm
from accounts.scope import StoreScope
from forecasting import services
from forecasting.models import Upload
from forecasting.selectors.dataset import dataset_summary, upload_get, upload_list
from forecasting.selectors.monitoring import drift_report_for_scope, drift_report_of_upload, largest_level_shifts
from forecasting.web.job_watch import figures_watch, watch_answer
from jobs.models import Job
from saas.errors import ServiceError
from saas.web_answers import service_error_answer

# suggestions for a column's role (any location.<attribute>, item.<attribute> or covariate:<name>:known|past
# is accepted as typed)
ROLE_HINTS = ["location", "item", "date", "measure", "open", "event", "ignore", "location.type", "location.city",
              "location.region", "item.category", "item.brand", "covariate:price:known",
              "covariate:promotion:known", "covariate:temperature:past"]


class UploadForm(forms.Form):
    file = forms.FileField(help_text="CSV (any delimiter), .csv.gz, XLSX or Parquet: sales, locations, items, events "
                                     "or covariates, recognised by their columns or mapped by you on the next step")
    kind = forms.ChoiceField(label="What it is", required=False, choices=[
        ("", "Recognised from its columns"), ("sales", "Walmart's train.csv (sales)"),
        ("features", "Walmart's features.csv"), ("stores", "Walmart's stores.csv")])


def _figures(scope: StoreScope) -> dict:
    return {"summary": dataset_summary(scope=scope), "uploads": upload_list(scope=scope)[:50]}


def _watch(request) -> dict:
    """The uploads being loaded, then the worker storing the dataset summary (FiguresSnapshot "dataset")."""
    return figures_watch(scope=StoreScope.for_request(request), url_name="data_status", figures=("dataset",), words="The dataset figures",
                         kinds=(Job.Kind.INGEST,))


@role_required("data.view")
def data_status(request):
    return watch_answer(request, _watch(request))


@role_required("data.view")
def data_page(request):
    scope = StoreScope.for_request(request)
    return render(request, "forecasting/data.html", {
        **_figures(scope),
        "form": UploadForm(),
        "can_upload": has_perm(request.user.role, "data.upload"),
        "watch": _watch(request),
    })


@require_POST
@role_required("data.upload")
def upload_submit(request):
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        if request.htmx:
            return render(request, "forecasting/_upload_status.html", {"form_errors": form.errors})
        messages.error(request, "Choose a file to upload.")
        return redirect("data")
    f = form.cleaned_data["file"]
    try:
        upload = services.upload_create(actor=Actor.from_request(request), file=f, filename=f.name,
                                        kind=form.cleaned_data["kind"] or None)
    except ServiceError as exc:
        return service_error_answer(request, exc, redirect_to="data", partial="forecasting/_upload_status.html",
                                    key="service_error")
    if request.htmx:
        return render(request, "forecasting/_upload_status.html", {"upload": upload, "job": upload.job})
    messages.success(request, f"{upload.original_filename} received; it is being loaded.")
    return redirect("data")


@role_required("data.view")
def upload_status(request, upload_id: int):
    """Polled by the upload's card on the Data page; its last answer also brings the new summary and history."""
    scope = StoreScope.for_request(request)
    upload = upload_get(scope=scope, upload_id=upload_id)
    if upload is None:
        raise Http404
    done = request.htmx and upload.status in (Upload.Status.SUCCEEDED, Upload.Status.FAILED,
                                              Upload.Status.NEEDS_MAPPING)
    return render(request, "forecasting/_upload_status.html", {
        "upload": upload, "job": upload.job, "done_oob": done, **(_figures(scope) if done else {})})


@role_required("data.view")
def upload_report(request, upload_id: int):
    scope = StoreScope.for_request(request)
    upload = upload_get(scope=scope, upload_id=upload_id)
    if upload is None:
        raise Http404
    report = drift_report_of_upload(upload=upload)
    drift = None if report is None else drift_report_for_scope(report, scope=scope)
    if drift is not None:
        drift["largest"] = largest_level_shifts(drift)
    return render(request, "forecasting/upload_report.html", {
        "upload": upload, "job": upload.job, "drift": drift, **_mapping_form(request, upload)})


def _mapping_form(request, upload: Upload, *, values: dict | None = None, errors: dict | None = None) -> dict:
    """The mapping table of an upload waiting at needs_mapping: one role per column, with its first values."""
    if upload.status != Upload.Status.NEEDS_MAPPING or not has_perm(request.user.role, "data.upload"):
        return {}
    proposed = values or upload.proposed_mapping
    header, rows = (upload.preview[0], upload.preview[1:]) if upload.preview else ([], [])
    columns = [{"index": i, "header": h, "role": proposed.get("columns", {}).get(h, "ignore"),
                "samples": [r[i] for r in rows[:3] if i < len(r)]} for i, h in enumerate(header)]
    return {"mapping": {"columns": columns, "proposed": proposed, "roles": ROLE_HINTS, "errors": errors or {},
                        "delimiters": [(",", "comma"), (";", "semicolon"), ("tab", "tab"), ("|", "pipe")]}}


@require_POST
@role_required("data.upload")
def upload_mapping(request, upload_id: int):
    """The Data page's mapping table, confirmed: the upload is read again with it (and the mapping saved
    as the workspace's layout for its header)."""
    scope = StoreScope.for_request(request)
    upload = upload_get(scope=scope, upload_id=upload_id)
    if upload is None:
        raise Http404
    header = upload.preview[0] if upload.preview else []
    delimiter = request.POST.get("delimiter") or None
    mapping = {"columns": {h: request.POST.get(f"role-{i}", "").strip() for i, h in enumerate(header)},
               "decimal": request.POST.get("decimal", "."), "delimiter": "\t" if delimiter == "tab" else delimiter,
               "date_format": request.POST.get("date_format") or None,
               "period_label": request.POST.get("period_label", "start")}
    try:
        services.upload_mapping_confirm(upload=upload, actor=Actor.from_request(request), mapping=mapping)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return render(request, "forecasting/upload_report.html", {
            "upload": upload, "job": upload.job, "drift": None,
            **_mapping_form(request, upload, values=mapping, errors=exc.details or {})}, status=400)
    messages.success(request, f"{upload.original_filename}: mapping saved; the file is being read.")
    return redirect("data")
