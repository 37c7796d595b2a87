"""reading references checked per statement on PostgreSQL, not per row

Revision ID: 1704
Revises: 1703
Create Date: 2026-12-07 15:40:00

A reading names its device and its site. PostgreSQL checks a foreign key with one trigger call
per inserted row and per key (a lookup and a FOR KEY SHARE lock of the referenced row): for the
control-scale ingest, which inserts 5,000 readings a batch from a few hundred devices, the two
checks were about 60 % of the server's work per reading (measured: 50,000 readings from 500
devices, 2.5-3.0 s with the keys, 1.1 s without).

On PostgreSQL the two foreign keys of `reading` become triggers that keep the same guarantees
with one check per statement:
- after an INSERT (or an UPDATE of device_id or site_id), one statement-level trigger locks the
  referenced devices and sites FOR KEY SHARE, as the foreign key does row by row, and refuses
  the statement (SQLSTATE 23503, foreign_key_violation) if a reading names a device or a site
  that does not exist;
- a device or site that readings name cannot be deleted or get another id (a row trigger on
  device and site, SQLSTATE 23503), as the foreign key's NO ACTION does.
The lock makes the two sides wait for each other exactly as the foreign key's checks do: a
device deleted while a batch is being written is either gone before the batch locks it (the
batch is refused) or deleted after the batch commits (the delete is refused).

SQLite keeps its foreign keys (they are cheap there). Downgrade restores the foreign keys.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1704"
down_revision: str | None = "1703"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FOREIGN_KEYS = (
    ("reading_device_id_fkey", "device_id", "device"),
    ("reading_site_id_fkey", "site_id", "site"),
)

_INSERT_CHECK = """
CREATE FUNCTION reading_references_exist() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing text;
BEGIN
    PERFORM 1 FROM device d WHERE d.id IN (SELECT DISTINCT n.device_id FROM new_rows n)
        ORDER BY d.id FOR KEY SHARE;
    PERFORM 1 FROM site s WHERE s.id IN (SELECT DISTINCT n.site_id FROM new_rows n)
        ORDER BY s.id FOR KEY SHARE;
    SELECT n.device_id INTO missing FROM new_rows n
        WHERE NOT EXISTS (SELECT 1 FROM device d WHERE d.id = n.device_id) LIMIT 1;
    IF FOUND THEN
        RAISE foreign_key_violation USING
            MESSAGE = format('reading names device %L, which does not exist', missing);
    END IF;
    SELECT n.site_id::text INTO missing FROM new_rows n
        WHERE NOT EXISTS (SELECT 1 FROM site s WHERE s.id = n.site_id) LIMIT 1;
    IF FOUND THEN
        RAISE foreign_key_violation USING
            MESSAGE = format('reading names site %s, which does not exist', missing);
    END IF;
    RETURN NULL;
END $$
"""

_STILL_NAMED = """
CREATE FUNCTION reading_keeps_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
        RETURN NEW;
    END IF;
    IF EXISTS (SELECT 1 FROM reading r WHERE r.{column} = OLD.id) THEN
        RAISE foreign_key_violation USING
            MESSAGE = format('{table} %s is still named by readings', OLD.id);
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    bind = op.get_bind()
    for key in sa.inspect(bind).get_foreign_keys("reading"):
        if key["referred_table"] in ("device", "site") and key["name"]:
            op.drop_constraint(key["name"], "reading", type_="foreignkey")
    op.execute(_INSERT_CHECK)
    for event in ("INSERT", "UPDATE"):
        op.execute(
            f"CREATE TRIGGER reading_references_on_{event.lower()} AFTER {event} ON reading "
            "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
            "EXECUTE FUNCTION reading_references_exist()"
        )
    for _, column, table in _FOREIGN_KEYS:
        op.execute(_STILL_NAMED.format(table=table, column=column))
        op.execute(
            f"CREATE TRIGGER reading_keeps_{table} BEFORE DELETE OR UPDATE OF id ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION reading_keeps_{table}()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for _, _, table in _FOREIGN_KEYS:
        op.execute(f"DROP TRIGGER IF EXISTS reading_keeps_{table} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS reading_keeps_{table}()")
    for event in ("insert", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS reading_references_on_{event} ON reading")
    op.execute("DROP FUNCTION IF EXISTS reading_references_exist()")
    for name, column, table in _FOREIGN_KEYS:
        op.create_foreign_key(name, "reading", table, [column], ["id"])
