from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

from saas.api.errors import api_404, api_500, error_body
from tenants.models import workspace_url


def handler404(request, exception=None):
    if request.path.startswith("/api/"):
        return api_404(request, exception)
    return render(request, "404.html", status=404)


def handler500(request):
    if request.path.startswith("/api/"):
        return api_500(request)
    return render(request, "500.html", status=500)


def unknown_workspace(request):
    """No tenant has this host name (settings.DEFAULT_NOT_FOUND_TENANT_VIEW):
    a friendly 404 in every mode — never Django's debug page with the URL list."""
    message = "No workspace at this address."
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("workspace_not_found", message), status=404)
    public = workspace_url(settings.SAAS_BASE_DOMAIN)
    return render(request, "tenants/unknown.html", {"message": message, "public_url": public,
                                                    "host": request.get_host().split(":")[0]}, status=404)
