"""Staff accounts, roles and permissions, API tokens."""
