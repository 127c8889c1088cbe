"""``/api/v1/products``."""
from flask_smorest import Blueprint

blp = Blueprint("api_products", __name__, url_prefix="/products", description="Product and service catalog")
