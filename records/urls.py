from config.routers import ApiRouter
from records.views import ConsultationAttachmentViewSet, NoteViewSet, SessionAttachmentViewSet, SessionFieldViewSet

WORKSPACE = r"workspace/(?P<workspace_id>[^/]+)"

router = ApiRouter()
router.register(rf"{WORKSPACE}/sessions/(?P<session_id>[^/]+)/notes", NoteViewSet, basename="session-notes")
router.register(
    rf"{WORKSPACE}/sessions/(?P<session_id>[^/]+)/attachments",
    SessionAttachmentViewSet,
    basename="session-attachments",
)
router.register(
    rf"{WORKSPACE}/nutrition/sessions/(?P<session_id>[^/]+)/attachments",
    ConsultationAttachmentViewSet,
    basename="nutrition-attachments",
)
router.register(rf"{WORKSPACE}/session-fields", SessionFieldViewSet, basename="session-fields")

urlpatterns = [*router.urls]
