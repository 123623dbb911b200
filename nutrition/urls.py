from config.routers import ApiRouter
from nutrition.views import FollowUpViewSet, NutritionSessionViewSet

router = ApiRouter()
router.register(
    r"workspace/(?P<workspace_id>[^/]+)/nutrition/sessions", NutritionSessionViewSet, basename="nutrition-sessions"
)
router.register(
    r"workspace/(?P<workspace_id>[^/]+)/nutrition/sessions/(?P<session_id>[^/]+)/follow-ups",
    FollowUpViewSet,
    basename="nutrition-follow-ups",
)

urlpatterns = [*router.urls]
