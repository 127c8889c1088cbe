"""First-party Rapport plugins. Each is discovered through the ``rapport.plugins`` entry point."""
