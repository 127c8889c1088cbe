"""The product and service catalog (in core because several plugins sell or service it)."""
