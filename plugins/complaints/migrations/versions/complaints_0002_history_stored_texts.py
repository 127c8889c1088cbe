"""complaints: history entries written before the stored texts get their kind and parameters

Revision ID: complaints_0002
Revises: complaints_0001
Create Date: 2026-11-27 17:50:00

Complaint steps were always logged with their parameters in ``data`` and the history kind
equal to the text kind (``complaints.opened`` ...), so the conversion is one UPDATE: no
sentence has to be read back. Entries then read in each reader's language.
"""
from alembic import op
import sqlalchemy as sa


revision = 'complaints_0002'
down_revision = 'complaints_0001'
branch_labels = None
depends_on = 'core_0006'


def upgrade():
    op.execute(sa.text(
        "UPDATE core_interaction SET subject_kind = kind, subject_params = data "
        "WHERE source = 'complaints' AND kind LIKE 'complaints.%' AND subject_kind IS NULL AND data IS NOT NULL"))


def downgrade():
    op.execute(sa.text("UPDATE core_interaction SET subject_kind = NULL, subject_params = NULL "
                       "WHERE source = 'complaints' AND kind LIKE 'complaints.%'"))
