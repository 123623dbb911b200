from config.routers import ApiRouter
from sessions.views import SessionViewSet

router = ApiRouter()
router.register(r"workspace/(?P<workspace_id>[^/]+)/sessions", SessionViewSet, basename="sessions")

urlpatterns = [*router.urls]
