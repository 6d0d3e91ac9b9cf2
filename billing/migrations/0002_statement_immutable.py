"""Issued statements are immutable in the database itself: UPDATE, DELETE and
TRUNCATE are rejected. One UPDATE is allowed: detaching a purged tenant
(``tenant_id`` set to NULL, every other column unchanged), so a workspace's
deletion keeps its statements for the books."""
from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION public.billing_statement_reject_mutation() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.tenant_id IS NULL
       AND (to_jsonb(NEW) - 'tenant_id') = (to_jsonb(OLD) - 'tenant_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'billing_statement is immutable once issued (% rejected)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

TRIGGERS = """
CREATE TRIGGER billing_statement_no_update_delete
    BEFORE UPDATE OR DELETE ON public.billing_statement
    FOR EACH ROW EXECUTE FUNCTION public.billing_statement_reject_mutation();
CREATE TRIGGER billing_statement_no_truncate
    BEFORE TRUNCATE ON public.billing_statement
    FOR EACH STATEMENT EXECUTE FUNCTION public.billing_statement_reject_mutation();
"""

REVERSE = """
DROP TRIGGER IF EXISTS billing_statement_no_update_delete ON public.billing_statement;
DROP TRIGGER IF EXISTS billing_statement_no_truncate ON public.billing_statement;
"""


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_usage_and_statements")]

    operations = [migrations.RunSQL(FUNCTION + TRIGGERS, REVERSE)]
