from config.routers import ApiRouter

router = ApiRouter()

urlpatterns = [*router.urls]
