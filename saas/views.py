from django.shortcuts import render

from saas.api.errors import api_404, api_500


def handler404(request, exception=None):
    if request.path.startswith("/api/"):
        return api_404(request, exception)
    return render(request, "404.html", status=404)


def handler500(request):
    if request.path.startswith("/api/"):
        return api_500(request)
    return render(request, "500.html", status=500)
