"""Each app reads the catalogs of its own plugins, whatever another app in the process loaded."""
from flask_babel import force_locale, gettext


def _rfm_class_in_hebrew(app) -> str:
    with app.test_request_context("/"), force_locale("he"):
        return gettext("RFM class")  # a string only analytics' catalog has


def test_an_app_without_plugins_does_not_hide_the_next_apps_plugin_catalogs(make_app):
    bare = make_app(RAPPORT_INSTALLED=[])
    assert _rfm_class_in_hebrew(bare) == "RFM class"  # core alone has no such string
    with_analytics = make_app("sales", "analytics")
    assert _rfm_class_in_hebrew(with_analytics) == "סיווג RFM"
    assert _rfm_class_in_hebrew(bare) == "RFM class"
