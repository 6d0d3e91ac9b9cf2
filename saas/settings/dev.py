"""`make run` settings. Django's debug pages (with the URL list and settings)
are never served by default: unknown workspaces, 404s and 500s get the
product's own pages. DJANGO_DEBUG=1 turns them on for local debugging only."""
import os

from saas import embedded, secret_key

from .base import *  # noqa: F401,F403

# DJANGO_SECRET_KEY unset: the random key `make run` generated on its first start, under var/ (mode 0600);
# web, worker, beat and manage.py all read the same file
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or secret_key.load_or_create(embedded.var_dir())

DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
