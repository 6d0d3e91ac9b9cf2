"""A URLconf with an API view that forgot the tenant-safe base (for the check's test)."""
from django.urls import include, path
from rest_framework.views import APIView


class Forgetful(APIView):
    def get(self, request):
        return None


urlpatterns = [
    path("api/v1/", include("saas.api.urls")),
    path("api/v1/forgetful/", Forgetful.as_view()),
]
