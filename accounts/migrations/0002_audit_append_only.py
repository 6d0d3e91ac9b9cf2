"""AuditEvent is append-only: the database itself rejects UPDATE, DELETE and
TRUNCATE on it. The trigger function lives in the public schema (so cloned
tenant schemas reference the same function); the trigger is per tenant table."""
from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION public.audit_event_reject_mutation() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'accounts_auditevent is append-only (% rejected)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

TRIGGERS = """
CREATE TRIGGER accounts_auditevent_no_update_delete
    BEFORE UPDATE OR DELETE ON accounts_auditevent
    FOR EACH ROW EXECUTE FUNCTION public.audit_event_reject_mutation();
CREATE TRIGGER accounts_auditevent_no_truncate
    BEFORE TRUNCATE ON accounts_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION public.audit_event_reject_mutation();
"""

REVERSE = """
DROP TRIGGER IF EXISTS accounts_auditevent_no_update_delete ON accounts_auditevent;
DROP TRIGGER IF EXISTS accounts_auditevent_no_truncate ON accounts_auditevent;
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunSQL(FUNCTION + TRIGGERS, REVERSE)]
