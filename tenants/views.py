from django.conf import settings
from django.shortcuts import redirect, render

from accounts.audit import Actor
from accounts.services import handoff_token_create
from saas.client_ip import client_ip
from saas.errors import ServiceError
from saas.ratelimit import ip_ratelimit
from tenants.forms import SignupForm
from tenants.models import workspace_url
from tenants.services import SLUG_RE, tenant_provision


def landing(request):
    return render(request, "public/landing.html")


def signin(request):
    """Sign in from the product's home: a workspace's short name leads to its own sign-in page (nothing is
    looked up here: an unknown name lands on the unknown-workspace page of that address)."""
    slug = (request.GET.get("workspace") or "").strip().lower()
    error = None
    if slug:
        if SLUG_RE.match(slug):  # the shape provisioning gives every short name
            return redirect(f"{workspace_url(f'{slug}.{settings.SAAS_BASE_DOMAIN}')}accounts/login/")
        error = "A workspace's short name has lower-case letters, digits and hyphens, e.g. acme-retail."
    return render(request, "public/signin.html", {"slug": slug, "error": error,
                                                  "base_domain": settings.SAAS_BASE_DOMAIN}, status=400 if error else 200)


@ip_ratelimit("signup")
def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # an anonymous visitor signs up: the platform provisions on their behalf
        actor = Actor.system(ip=client_ip(request), request_id=getattr(request, "request_id", None))
        try:
            result = tenant_provision(slug=data["slug"], name=data["name"], owner_email=data["email"],
                                      owner_password=data["password"], actor=actor)
        except ServiceError as exc:
            for field, errors in (exc.details or {}).items() if isinstance(exc.details, dict) else []:
                if field in form.fields and isinstance(errors, list):
                    for err in errors:
                        form.add_error(field, err)
            if not form.errors:
                form.add_error(None, exc.message)
        else:
            token = handoff_token_create(schema=result.tenant.schema_name, user_id=result.owner_id)
            return redirect(f"{result.url}accounts/handoff/?token={token}")
    return render(request, "public/signup.html", {"form": form})
