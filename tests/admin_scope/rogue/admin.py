"""An app that registers a ModelAdmin without the back office's scoping: the project must refuse
to start with it installed (tests/admin_scope/test_registry.py installs it in a subprocess)."""

from django.contrib import admin

from services.models import Service

admin.site.unregister(Service)
admin.site.register(Service, admin.ModelAdmin)
