from django import template

from backoffice.dashboard import todays_dashboard

register = template.Library()


@register.inclusion_tag("backoffice/dashboard.html", takes_context=True)
def todays_sessions(context):
    """Today's sessions per staff member for the signed-in user's workspaces."""
    request = context["request"]
    return {"workspace_days": todays_dashboard(request.user)}
