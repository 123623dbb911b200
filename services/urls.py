from config.routers import ApiRouter
from services.views import ServiceViewSet

router = ApiRouter()
router.register(r"workspace/(?P<workspace_id>[^/]+)/services", ServiceViewSet, basename="services")

urlpatterns = [*router.urls]
