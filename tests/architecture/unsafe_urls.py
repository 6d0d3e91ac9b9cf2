"""A URLconf with an API view that forgot the tenant-safe base, and one whose
permission hook was swapped after its class was created (for the checks' tests)."""
from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from saas.api.base import TenantAPIView


class Forgetful(APIView):
    def get(self, request):
        return None


class Patched(TenantAPIView):
    permissions_map = {"GET": "workspace.view"}

    def get(self, request):
        return None


Patched.permission_classes = [AllowAny]  # what __init_subclass__ cannot see: the check does

urlpatterns = [
    path("api/v1/", include("saas.api.urls")),
    path("api/v1/forgetful/", Forgetful.as_view()),
    path("api/v1/patched/", Patched.as_view()),
]
