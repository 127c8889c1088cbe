"""A test plugin that hears complaints' events and takes the satisfaction survey (as marketing would)."""
from core import PluginManifest, hookimpl

manifest = PluginManifest(name="complaints_listener", label="Complaints listener")
HEARD: list[tuple[str, dict, int]] = []
TAKE_SURVEY = {"on": False}


@hookimpl(optionalhook=True)
def complaint_opened(complaint, event_id):
    HEARD.append(("opened", complaint, event_id))


@hookimpl(optionalhook=True)
def complaint_closed(complaint, event_id):
    HEARD.append(("closed", complaint, event_id))


@hookimpl(optionalhook=True)
def complaint_survey(complaint):
    HEARD.append(("survey", complaint, 0))
    return TAKE_SURVEY["on"]
