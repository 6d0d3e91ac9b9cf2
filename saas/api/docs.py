from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.renderers import TemplateHTMLRenderer

from saas.api.base import TenantAPIMixin


class SchemaView(TenantAPIMixin, SpectacularAPIView):
    permissions_map = {"GET": "workspace.view"}


class DocsView(TenantAPIMixin, SpectacularSwaggerView):
    permissions_map = {"GET": "workspace.view"}
    renderer_classes = [TemplateHTMLRenderer]
