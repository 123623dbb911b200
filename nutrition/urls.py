from config.routers import ApiRouter
from nutrition.views import NutritionSessionViewSet

router = ApiRouter()
router.register(
    r"workspace/(?P<workspace_id>[^/]+)/nutrition/sessions", NutritionSessionViewSet, basename="nutrition-sessions"
)

urlpatterns = [*router.urls]
