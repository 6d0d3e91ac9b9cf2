from django.db import connection
from django.utils.functional import SimpleLazyObject

from accounts.roles import perms_for
from forecasting.selectors.catalog import Words, has_item_pages, series_codes, workspace_words
from forecasting.selectors.stores import forecast_span

NAV = [  # the planning pages, in the bar
    ("Dashboard", "dashboard", "workspace.view"),
    ("Data", "data", "data.view"),
    ("Models", "models", "models.view"),
    ("{locations}", "stores", "forecasts.view"),  # the workspace's own words (forecasting/selectors/catalog.py)
    ("{items}", "departments", "forecasts.view"),
    ("Forecasts", "forecasts", "forecasts.view"),
    ("Insights", "insights", "forecasts.view"),
    ("Simulator", "simulator", "simulations.run"),
]
NAV_ADMIN = [  # the workspace's administration, under "Admin" (issue 19 item 10: one menu row, not two mixed)
    ("Members", "members", "members.view"),
    ("API keys", "api_keys", "api_keys.manage"),
    ("Audit log", "audit", "audit.view"),
    ("Usage", "usage", "billing.view"),
    ("Billing", "billing", "billing.view"),
    ("Workspace", "workspace_settings", "workspace.manage"),
]


def workspace(request):
    tenant = getattr(connection, "tenant", None)
    is_public = tenant is None or tenant.schema_name == "public"
    user = getattr(request, "user", None)
    role = getattr(user, "role", None) if user is not None and user.is_authenticated else None
    perms = perms_for(role)
    words = Words() if is_public or role is None else workspace_words()
    items = not is_public and role is not None and has_item_pages()  # store traffic: no item pages
    nav = [(label.format(locations=words.locations, items=words.items), name)
           for label, name, perm in NAV if perm in perms and (name != "departments" or items)]
    nav_admin = [(label, name) for label, name, perm in NAV_ADMIN if perm in perms]
    return {"tenant": None if is_public else tenant, "is_public": is_public, "role": role,
            "perms": perms, "nav": nav, "nav_admin": nav_admin, "words": words,
            "codes": None if is_public or role is None else SimpleLazyObject(series_codes),
            "forecast_span": "13 weeks" if is_public or role is None else SimpleLazyObject(forecast_span)}
