"""`make run` settings. Django's debug pages (with the URL list and settings)
are never served by default: unknown workspaces, 404s and 500s get the
product's own pages. DJANGO_DEBUG=1 turns them on for local debugging only."""
import os

from .base import *  # noqa: F401,F403

DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
