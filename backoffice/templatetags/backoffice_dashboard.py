from django import template

from backoffice.dashboard import dashboard_workspaces, todays_dashboard
from workspaces.admin_scope import admin_access

register = template.Library()


@register.inclusion_tag("backoffice/dashboard.html", takes_context=True)
def todays_sessions(context):
    """Today's sessions per staff member in the workspaces the back office shows the user."""
    access = admin_access(context["request"])
    return {"workspace_days": todays_dashboard(dashboard_workspaces(access)), "backoffice": access}
