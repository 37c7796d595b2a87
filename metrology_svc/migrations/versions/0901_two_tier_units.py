"""two-tier Vietnam: unit code schemes with validity, succession, site moves, record units

Revision ID: 0901
Revises: 0803
Create Date: 2026-12-09 09:00:00

Every existing unit becomes a unit of the 2004 scheme (the three-tier list, valid until
30/06/2025); nothing is renumbered or renamed in place. Codes become unique within a scheme,
not across, so the 2025 list (loaded after the migration, see `units load`) can hold 18073
Phường Thành Sen beside the old 18073. Verifications, inspections, stamps and notices get the
unit they were made under, filled from their site's unit now (all of the 2004 scheme). New
tables: unit_scheme, unit_succession, site_move, rehome_case, account_message.
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0901"
down_revision: str | None = "0803"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TWO_TIER_FROM = date(2025, 7, 1)

_SCHEMES: list[dict[str, Any]] = [
    {
        "key": "2004",
        "name_vi": "Danh mục đơn vị hành chính ba cấp (tỉnh, huyện, xã), đến 30/06/2025",
        "name_en": "Three-tier list of administrative units (province, district, commune), "
        "until 30/06/2025",
        "basis": "QĐ 124/2004/QĐ-TTg và các quyết định sửa đổi",
        "valid_from": None,
        "valid_to": TWO_TIER_FROM,
        "tiers": 3,
        "data_source": "",
    },
    {
        "key": "2025",
        "name_vi": "Danh mục đơn vị hành chính hai cấp (tỉnh, xã), từ 01/07/2025",
        "name_en": "Two-tier list of administrative units (province, commune), from 01/07/2025",
        "basis": "Luật 72/2025/QH15; QĐ 19/2025/QĐ-TTg",
        "valid_from": TWO_TIER_FROM,
        "valid_to": None,
        "tiers": 2,
        "data_source": "",
    },
]

_PREFIX_TYPES = [
    ("Thành phố ", "thành phố"),
    ("Thị trấn ", "thị trấn"),
    ("Thị xã ", "thị xã"),
    ("Đặc khu ", "đặc khu"),
    ("Phường ", "phường"),
    ("Huyện ", "huyện"),
    ("Quận ", "quận"),
    ("Tỉnh ", "tỉnh"),
    ("Xã ", "xã"),
]

_RECORDS = ("verification", "inspection", "stamp")


def upgrade() -> None:
    scheme = op.create_table(
        "unit_scheme",
        sa.Column("key", AutoString(length=16), nullable=False),
        sa.Column("name_vi", AutoString(length=300), nullable=False),
        sa.Column("name_en", AutoString(length=300), nullable=False),
        sa.Column("basis", AutoString(length=300), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("tiers", sa.Integer(), nullable=False),
        sa.Column("data_source", AutoString(length=300), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.bulk_insert(scheme, _SCHEMES)

    with op.batch_alter_table("admin_unit", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scheme", AutoString(length=16), nullable=False, server_default="2004")
        )
        batch_op.add_column(
            sa.Column("division_type", AutoString(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("valid_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("valid_to", sa.Date(), nullable=True))
        batch_op.drop_index("ix_admin_unit_code")
        batch_op.create_index("ix_admin_unit_code", ["code"], unique=False)
        batch_op.create_index("ix_admin_unit_scheme", ["scheme"], unique=False)
        batch_op.create_unique_constraint("uq_admin_unit_scheme_code", ["scheme", "code"])
        batch_op.create_foreign_key("fk_admin_unit_scheme", "unit_scheme", ["scheme"], ["key"])

    bind = op.get_bind()
    unit = sa.table(
        "admin_unit",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("division_type", sa.String),
        sa.column("valid_to", sa.Date),
    )
    bind.execute(sa.update(unit).values(valid_to=TWO_TIER_FROM))
    for uid, name in bind.execute(sa.select(unit.c.id, unit.c.name)).all():
        kind = next((t for p, t in _PREFIX_TYPES if str(name).startswith(p)), "")
        if kind:
            bind.execute(sa.update(unit).where(unit.c.id == uid).values(division_type=kind))

    for table in _RECORDS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
            batch_op.create_index(f"ix_{table}_unit_id", ["unit_id"], unique=False)
            batch_op.create_foreign_key(f"fk_{table}_unit_id", "admin_unit", ["unit_id"], ["id"])
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))

    for table in ("verification", "notice"):
        op.execute(
            f"UPDATE {table} SET unit_id = (SELECT site.unit_id FROM instrument "  # noqa: S608
            f"JOIN site ON site.id = instrument.site_id WHERE instrument.id = {table}.instrument_id)"
        )
    op.execute(
        "UPDATE inspection SET unit_id = (SELECT site.unit_id FROM site "
        "WHERE site.id = inspection.site_id)"
    )
    op.execute(
        "UPDATE stamp SET unit_id = (SELECT verification.unit_id FROM verification "
        "WHERE verification.id = stamp.verification_id)"
    )

    op.create_table(
        "unit_succession",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("old_unit_id", sa.Integer(), nullable=False),
        sa.Column("new_unit_id", sa.Integer(), nullable=False),
        sa.Column("share", sa.String(length=8), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("resolution", AutoString(length=100), nullable=False),
        sa.Column("resolution_date", sa.Date(), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("source", AutoString(length=300), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["old_unit_id"], ["admin_unit.id"]),
        sa.ForeignKeyConstraint(["new_unit_id"], ["admin_unit.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("old_unit_id", "new_unit_id", name="uq_unit_succession_pair"),
    )
    op.create_index("ix_unit_succession_old_unit_id", "unit_succession", ["old_unit_id"])
    op.create_index("ix_unit_succession_new_unit_id", "unit_succession", ["new_unit_id"])

    op.create_table(
        "site_move",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("from_unit_id", sa.Integer(), nullable=False),
        sa.Column("to_unit_id", sa.Integer(), nullable=False),
        sa.Column("moved_at", UTCDateTime(), nullable=False),
        sa.Column("reason", AutoString(length=32), nullable=False),
        sa.Column("basis", AutoString(length=300), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"]),
        sa.ForeignKeyConstraint(["from_unit_id"], ["admin_unit.id"]),
        sa.ForeignKeyConstraint(["to_unit_id"], ["admin_unit.id"]),
        sa.ForeignKeyConstraint(["by_user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_site_move_site_id", "site_move", ["site_id"])
    op.create_index("ix_site_move_moved_at", "site_move", ["moved_at"])

    op.create_table(
        "rehome_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("old_unit_id", sa.Integer(), nullable=False),
        sa.Column("to_scheme", AutoString(length=16), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("suggested_unit_id", sa.Integer(), nullable=True),
        sa.Column("suggestion_reason", AutoString(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_unit_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("note", AutoString(length=500), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"]),
        sa.ForeignKeyConstraint(["old_unit_id"], ["admin_unit.id"]),
        sa.ForeignKeyConstraint(["to_scheme"], ["unit_scheme.key"]),
        sa.ForeignKeyConstraint(["suggested_unit_id"], ["admin_unit.id"]),
        sa.ForeignKeyConstraint(["decided_unit_id"], ["admin_unit.id"]),
        sa.ForeignKeyConstraint(["decided_by_user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id", "old_unit_id", "to_scheme", name="uq_rehome_case"),
    )
    op.create_index("ix_rehome_case_site_id", "rehome_case", ["site_id"])
    op.create_index("ix_rehome_case_status", "rehome_case", ["status"])

    op.create_table(
        "account_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("text_vi", AutoString(length=2000), nullable=False),
        sa.Column("text_en", AutoString(length=2000), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("read_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_account_message_user_id", "account_message", ["user_id"])


def downgrade() -> None:
    # Two units with one code cannot go back under a unique code: refuse rather than lose one.
    found = op.get_bind().execute(sa.text("SELECT count(*) FROM admin_unit WHERE scheme <> '2004'"))
    if found.scalar_one():
        raise RuntimeError("units of schemes after 2004 exist: 0901 cannot be undone")
    for name in ("account_message", "rehome_case", "site_move", "unit_succession"):
        op.drop_table(name)
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_column("unit_id")
    for table in _RECORDS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"fk_{table}_unit_id", type_="foreignkey")
            batch_op.drop_index(f"ix_{table}_unit_id")
            batch_op.drop_column("unit_id")
    with op.batch_alter_table("admin_unit", schema=None) as batch_op:
        batch_op.drop_constraint("fk_admin_unit_scheme", type_="foreignkey")
        batch_op.drop_constraint("uq_admin_unit_scheme_code", type_="unique")
        batch_op.drop_index("ix_admin_unit_scheme")
        batch_op.drop_index("ix_admin_unit_code")
        batch_op.create_index("ix_admin_unit_code", ["code"], unique=True)
        for name in ("valid_to", "valid_from", "division_type", "scheme"):
            batch_op.drop_column(name)
    op.drop_table("unit_scheme")
