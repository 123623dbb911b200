from django.db import migrations


class Migration(migrations.Migration):
    # (a migration of its own: Django creates the foreign keys of 0001 at its very end)
    dependencies = [("notifications", "0001_initial")]

    operations = [
        # Rows written while a workspace is being deleted (a deleted session's cancellation, the
        # events of its deletion) were not collected by Django's cascade: the database removes
        # them with the workspace row, as it does for the history tables.
        migrations.RunSQL(
            sql="""
            DO $$
            DECLARE r record;
            BEGIN
              FOR r IN
                SELECT con.conname, rel.relname
                  FROM pg_constraint con
                  JOIN pg_class rel ON rel.oid = con.conrelid
                  JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = ANY (con.conkey)
                 WHERE con.contype = 'f' AND att.attname = 'workspace_id'
                   AND rel.relname IN ('notifications_email', 'notifications_reminder', 'notifications_webhookendpoint',
                                       'notifications_webhookevent', 'notifications_webhookdelivery',
                                       'notifications_webhookattempt')
              LOOP
                EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', r.relname, r.conname);
                EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I FOREIGN KEY (workspace_id) '
                               'REFERENCES workspaces_workspace (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED',
                               r.relname, r.conname);
              END LOOP;
            END $$;
            """,
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
