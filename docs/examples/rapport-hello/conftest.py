# Rapport's fixtures (make_app, app, client, login, make_user, token_for).
pytest_plugins = ["core.testing"]
