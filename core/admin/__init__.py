"""Administration: users, roles and plugins."""
