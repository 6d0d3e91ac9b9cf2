"""A page as a workspace's owner sees it, through the Django test client."""
from __future__ import annotations

from accounts.models import User
from tests.conftest import in_tenant, web_client


def owner_page(t, url: str) -> str:
    """The HTML of ``url`` for ``t``'s owner; the page must answer 200."""
    with in_tenant(t):
        owner = User.objects.get(email=t.owner_email)
    response = web_client(t, owner).get(url)
    assert response.status_code == 200, url
    return response.content.decode()
