from django.db import migrations

# Workspace.listened_events, kept by the database whatever the door (API, admin, shell, a bulk
# update): after any write of an endpoint, its workspace's list is worked out again from its
# active endpoints (endpoints change seldom; a write that creates a session happens all day).
SQL = """
CREATE FUNCTION notifications_listened_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  workspaces varchar[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    workspaces := ARRAY[NEW.workspace_id];
  ELSIF TG_OP = 'UPDATE' THEN
    workspaces := ARRAY[NEW.workspace_id, OLD.workspace_id];
  ELSE
    workspaces := ARRAY[OLD.workspace_id];
  END IF;
  UPDATE workspaces_workspace AS w
     SET listened_events = COALESCE(
           (SELECT array_agg(DISTINCT event ORDER BY event)
              FROM notifications_webhookendpoint AS e, unnest(e.events) AS event
             WHERE e.workspace_id = w.id AND e.is_active),
           '{}')
   WHERE w.id = ANY (workspaces);
  RETURN NULL;
END $$;

CREATE TRIGGER notifications_listened_events
  AFTER INSERT OR UPDATE OF workspace_id, events, is_active OR DELETE ON notifications_webhookendpoint
  FOR EACH ROW EXECUTE FUNCTION notifications_listened_events();

UPDATE workspaces_workspace AS w
   SET listened_events = COALESCE(
         (SELECT array_agg(DISTINCT event ORDER BY event)
            FROM notifications_webhookendpoint AS e, unnest(e.events) AS event
           WHERE e.workspace_id = w.id AND e.is_active),
         '{}');
"""

REVERSE_SQL = """
DROP TRIGGER notifications_listened_events ON notifications_webhookendpoint;
DROP FUNCTION notifications_listened_events();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_workspace_cascade"),
        ("workspaces", "0008_workspace_listened_events"),
    ]

    operations = [migrations.RunSQL(sql=SQL, reverse_sql=REVERSE_SQL)]
