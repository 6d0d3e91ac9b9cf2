from django.urls import path

from tenants import views
from tenants.admin import operator_site

urlpatterns = [
    path("", views.landing, name="landing"),
    path("signup/", views.signup, name="signup"),
    path("signin/", views.signin, name="signin"),
    path("operator/", operator_site.urls),  # the operator console: public host only
]
