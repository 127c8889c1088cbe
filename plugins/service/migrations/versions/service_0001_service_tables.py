"""Service tables: equipment, warranties, requests and their lines, plans, visits.

Revision ID: service_0001
Revises: (first of the ``service`` branch; needs core_0001 for customers, users, products)
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa


revision = 'service_0001'
down_revision = None
branch_labels = ('service',)
depends_on = 'core_0001'


def upgrade():
    op.create_table('service_equipment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('model_name', sa.String(length=200), nullable=False),
    sa.Column('serial', sa.String(length=100), nullable=True),
    sa.Column('serial_key', sa.String(length=100), nullable=True),
    sa.Column('purchase_date', sa.Date(), nullable=True),
    sa.Column('install_date', sa.Date(), nullable=True),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('retired_on', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('order_number', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['core_customer.id'], name=op.f('fk_service_equipment_customer_id_core_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['core_product.id'], name=op.f('fk_service_equipment_product_id_core_product'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_equipment')),
    sa.UniqueConstraint('product_id', 'serial', name='uq_service_equipment_product_serial')
    )
    with op.batch_alter_table('service_equipment', schema=None) as batch_op:
        batch_op.create_index('ix_service_equipment_customer', ['customer_id', 'id'], unique=False)
        batch_op.create_index('ix_service_equipment_order', ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_equipment_product_id'), ['product_id'], unique=False)
        batch_op.create_index('ix_service_equipment_serial_key', ['serial_key'], unique=False)
        batch_op.create_index('ix_service_equipment_status', ['status', 'id'], unique=False)

    op.create_table('service_warranty',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('equipment_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('terms', sa.String(length=10), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('visits_per_year', sa.Integer(), nullable=False),
    sa.Column('price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('end_date >= start_date', name=op.f('ck_service_warranty_dates')),
    sa.ForeignKeyConstraint(['equipment_id'], ['service_equipment.id'], name=op.f('fk_service_warranty_equipment_id_service_equipment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_warranty'))
    )
    with op.batch_alter_table('service_warranty', schema=None) as batch_op:
        batch_op.create_index('ix_service_warranty_end', ['end_date', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_warranty_equipment_id'), ['equipment_id'], unique=False)

    op.create_table('service_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('warranty_id', sa.Integer(), nullable=True),
    sa.Column('interval_months', sa.Integer(), nullable=False),
    sa.Column('checklist', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('interval_months > 0', name=op.f('ck_service_plan_interval')),
    sa.ForeignKeyConstraint(['product_id'], ['core_product.id'], name=op.f('fk_service_plan_product_id_core_product'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['warranty_id'], ['service_warranty.id'], name=op.f('fk_service_plan_warranty_id_service_warranty'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_plan'))
    )
    with op.batch_alter_table('service_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_plan_active'), ['active'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_plan_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_plan_warranty_id'), ['warranty_id'], unique=False)

    op.create_table('service_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('equipment_id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('problem_category', sa.String(length=30), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('diagnosis', sa.Text(), nullable=False),
    sa.Column('faulty_serial', sa.String(length=100), nullable=True),
    sa.Column('replacement_serial', sa.String(length=100), nullable=True),
    sa.Column('coverage', sa.String(length=20), nullable=False),
    sa.Column('coverage_terms', sa.String(length=10), nullable=True),
    sa.Column('coverage_warranty_id', sa.Integer(), nullable=True),
    sa.Column('coverage_override', sa.String(length=20), nullable=True),
    sa.Column('override_reason', sa.Text(), nullable=False),
    sa.Column('override_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('diagnosed_at', sa.DateTime(), nullable=True),
    sa.Column('repair_started_at', sa.DateTime(), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['coverage_warranty_id'], ['service_warranty.id'], name=op.f('fk_service_request_coverage_warranty_id_service_warranty'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['core_user.id'], name=op.f('fk_service_request_created_by_id_core_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['core_customer.id'], name=op.f('fk_service_request_customer_id_core_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['equipment_id'], ['service_equipment.id'], name=op.f('fk_service_request_equipment_id_service_equipment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['override_by_id'], ['core_user.id'], name=op.f('fk_service_request_override_by_id_core_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['technician_id'], ['core_user.id'], name=op.f('fk_service_request_technician_id_core_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_request'))
    )
    with op.batch_alter_table('service_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_request_coverage_warranty_id'), ['coverage_warranty_id'], unique=False)
        batch_op.create_index('ix_service_request_customer', ['customer_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_request_equipment_id'), ['equipment_id'], unique=False)
        batch_op.create_index('ix_service_request_status', ['status', 'id'], unique=False)
        batch_op.create_index('ix_service_request_tech', ['technician_id', 'status', 'id'], unique=False)

    op.create_table('service_request_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['core_product.id'], name=op.f('fk_service_request_line_product_id_core_product'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['service_request.id'], name=op.f('fk_service_request_line_request_id_service_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_request_line'))
    )
    with op.batch_alter_table('service_request_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_request_line_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_request_line_request_id'), ['request_id'], unique=False)

    op.create_table('service_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('equipment_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('technician_id', sa.Integer(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['core_customer.id'], name=op.f('fk_service_visit_customer_id_core_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['equipment_id'], ['service_equipment.id'], name=op.f('fk_service_visit_equipment_id_service_equipment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['service_plan.id'], name=op.f('fk_service_visit_plan_id_service_plan'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['technician_id'], ['core_user.id'], name=op.f('fk_service_visit_technician_id_core_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_visit')),
    sa.UniqueConstraint('plan_id', 'equipment_id', 'due_date', name='uq_service_visit_plan_equipment_due')
    )
    with op.batch_alter_table('service_visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_visit_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_service_visit_due', ['status', 'due_date', 'id'], unique=False)
        batch_op.create_index('ix_service_visit_equipment', ['equipment_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_visit_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_visit_technician_id'), ['technician_id'], unique=False)



def downgrade():
    with op.batch_alter_table('service_visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_visit_technician_id'))
        batch_op.drop_index(batch_op.f('ix_service_visit_plan_id'))
        batch_op.drop_index('ix_service_visit_equipment')
        batch_op.drop_index('ix_service_visit_due')
        batch_op.drop_index(batch_op.f('ix_service_visit_customer_id'))

    op.drop_table('service_visit')
    with op.batch_alter_table('service_request_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_request_line_request_id'))
        batch_op.drop_index(batch_op.f('ix_service_request_line_product_id'))

    op.drop_table('service_request_line')
    with op.batch_alter_table('service_request', schema=None) as batch_op:
        batch_op.drop_index('ix_service_request_tech')
        batch_op.drop_index('ix_service_request_status')
        batch_op.drop_index(batch_op.f('ix_service_request_equipment_id'))
        batch_op.drop_index('ix_service_request_customer')
        batch_op.drop_index(batch_op.f('ix_service_request_coverage_warranty_id'))

    op.drop_table('service_request')
    with op.batch_alter_table('service_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_plan_warranty_id'))
        batch_op.drop_index(batch_op.f('ix_service_plan_product_id'))
        batch_op.drop_index(batch_op.f('ix_service_plan_active'))

    op.drop_table('service_plan')
    with op.batch_alter_table('service_warranty', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_warranty_equipment_id'))
        batch_op.drop_index('ix_service_warranty_end')

    op.drop_table('service_warranty')
    with op.batch_alter_table('service_equipment', schema=None) as batch_op:
        batch_op.drop_index('ix_service_equipment_status')
        batch_op.drop_index('ix_service_equipment_serial_key')
        batch_op.drop_index(batch_op.f('ix_service_equipment_product_id'))
        batch_op.drop_index('ix_service_equipment_order')
        batch_op.drop_index('ix_service_equipment_customer')

    op.drop_table('service_equipment')
