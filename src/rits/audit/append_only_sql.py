"""SQL for the append-only audit log triggers (used by migration 0002 and the test suite)."""

PG_FORWARD = """
CREATE OR REPLACE FUNCTION rits_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION rits_audit_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS rits_audit_append_only();
"""
SQLITE_NO_UPDATE = """CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_auditevent
   BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;"""
SQLITE_NO_DELETE = """CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_auditevent
   BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;"""
SQLITE_FORWARD = [SQLITE_NO_UPDATE, SQLITE_NO_DELETE]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS audit_event_no_update;",
    "DROP TRIGGER IF EXISTS audit_event_no_delete;",
]
