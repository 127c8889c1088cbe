"""complaints: where a complaint's rating came from (link, portal, API, marketing's survey)

Revision ID: complaints_0003
Revises: complaints_0002
Create Date: 2026-11-27 21:00:00

Marketing's survey after closing now writes its score back as the complaint's rating
(``survey_answered``); the complaint page says which way the customer answered.
"""
from alembic import op
import sqlalchemy as sa


revision = 'complaints_0003'
down_revision = 'complaints_0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("complaints_complaint") as batch:
        batch.add_column(sa.Column("rating_source", sa.String(20), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("complaints_complaint") as batch:
        batch.drop_column("rating_source")
