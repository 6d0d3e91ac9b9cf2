"""Item 9: the API base class keeps its authentication, permission and
queryset hooks; the system check covers what class creation cannot see."""
from __future__ import annotations

import pytest
from rest_framework.permissions import AllowAny

from saas.api.base import FINAL_HOOKS, TenantAPIView, TenantViewSet


@pytest.mark.parametrize("hook", FINAL_HOOKS)
def test_a_subclass_replacing_a_final_hook_is_refused(hook):
    body = {hook: [AllowAny] if hook.endswith("_classes") else (lambda self, *a, **k: None)}
    if hook == "queryset":
        body[hook] = []
    with pytest.raises(TypeError, match=hook):
        type("Sneaky", (TenantViewSet,), {"permissions_map": {"list": "members.view"}, **body})


def test_a_mixin_placed_before_the_base_is_refused_too():
    class Opener:
        def get_permissions(self):
            return [AllowAny()]

    with pytest.raises(TypeError, match="get_permissions"):
        type("Sneaky", (Opener, TenantAPIView), {"permissions_map": {"GET": "workspace.view"}})


def test_safely_get_queryset_is_the_subclass_hook():
    class Fine(TenantViewSet):
        permissions_map = {"list": "members.view"}

        def safely_get_queryset(self):
            return ["rows"]

    assert Fine().get_queryset() == ["rows"]


def test_system_check_reports_a_hook_swapped_after_class_creation():
    from saas.checks import api_views_are_tenant_safe, replaced_api_hooks

    assert api_views_are_tenant_safe(None) == []
    assert replaced_api_hooks() == {}
    assert replaced_api_hooks("tests.architecture.unsafe_urls") == {"api/v1/patched/": ["permission_classes"]}
