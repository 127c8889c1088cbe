"""Root conftest: load Rapport's fixtures for core and plugin tests alike."""
pytest_plugins = ["core.testing"]
