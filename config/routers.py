from rest_framework.routers import SimpleRouter


class ApiRouter(SimpleRouter):
    """Routes match with and without a trailing slash; nothing redirects."""

    def __init__(self):
        super().__init__()
        self.trailing_slash = "/?"
