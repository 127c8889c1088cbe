"""``/api/v1/customers``."""
from flask_smorest import Blueprint

blp = Blueprint("api_customers", __name__, url_prefix="/customers", description="Customers and their history")
