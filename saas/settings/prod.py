"""Production settings. Required environment: DJANGO_SECRET_KEY, DATABASE_URL,
REDIS_URL, SAAS_BASE_DOMAIN, DJANGO_ALLOWED_HOSTS; HTTPS is assumed (behind a
TLS-terminating proxy that sets X-Forwarded-Proto). Optional: SAAS_PORT (public
port in absolute links, default 443), EMAIL_HOST/EMAIL_PORT/EMAIL_HOST_USER/
EMAIL_HOST_PASSWORD/EMAIL_USE_TLS for SMTP. See docker-compose.yml."""
import os

from django.core.exceptions import ImproperlyConfigured

# Production never starts the embedded dev servers (base.py does when a URL is unset).
# DJANGO_ALLOWED_HOSTS too: base.py's development fallback (localhost, testserver) must never serve production.
_REQUIRED = ("DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOWED_HOSTS")
_missing = [name for name in _REQUIRED if not "".join(os.environ.get(name, "").split(",")).strip()]
if _missing:
    raise ImproperlyConfigured(f"saas.settings.prod needs these environment variables: {', '.join(_missing)}")

from .base import *  # noqa: E402,F401,F403

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
SAAS_SCHEME = "https"
SAAS_PORT = os.environ.get("SAAS_PORT", "443")  # public port behind the proxy (omitted from links)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "0") == "1"
