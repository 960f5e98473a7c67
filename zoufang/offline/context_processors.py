from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# What the offline scripts say (they hold no translations of their own). `%(n)s`, `%(t)s`
# are filled in by the script.
TEXT = {
    "pending": _("Waiting to send: %(n)s"),
    "last_sync": _("synced %(t)s"),
    "never_synced": _("not synced yet"),
    "queued_badge": _("Waiting to send"),
    "saved_offline": _(
        "No network: the record is saved on this phone (waiting to send) and will be sent "
        "by itself when the network returns."
    ),
    "saved_login": _(
        "Your session has ended: the record is saved on this phone. Log in again and it "
        "will be sent."
    ),
    "login_needed": _("Your session has ended: log in again to send the records waiting here."),
    "login_link": _("Log in"),
    "conflicts": _("%(n)s record(s) on this phone need your decision: open Waiting to send."),
    "call_in": _(
        "Please call the station on duty now to confirm the details entered on a visit sent "
        "from this phone."
    ),
    "logout_warning": _(
        "%(n)s record(s) on this phone have not been sent. Logging out deletes them from the phone."
    ),
    "still_waiting": _("%(n)s record(s) could not be sent yet: you are still logged in."),
    "state_pending": _("Waiting to send"),
    "state_conflict": _("Conflict"),
    "state_refused": _("Refused by the server"),
    "kind_visit": _("Visit"),
    "kind_finding": _("Finding"),
    "attempts": _("%(n)s attempt(s); next try at %(t)s"),
    "saved_at": _("saved on the phone at %(t)s"),
    "other_user": _(
        "%(n)s record(s) of another account wait on this phone: log in as that account to "
        "send them."
    ),
    "show_conflict": _("See both versions"),
    "discard": _("Delete from the phone"),
    "correct": _("Correct and send again"),
    "correcting": _(
        "Correcting a record the server refused: change what it says below, then save; the "
        "record is sent again under the same number."
    ),
    "kept_photos": _("%(n)s photo(s) saved with this record are sent with it."),
    "corrected": _("The corrected record is saved on this phone and is being sent."),
    "discard_confirm": _("Delete this record from the phone? It was not accepted by the server."),
    "phone_version": _("On this phone"),
    "server_version": _("On the server"),
    "server_unknown": _("The server did not say what it holds (you may not see that record)."),
    "keep_server": _("Keep the server's version (delete the phone's)"),
    "resend_new": _("Send the phone's version as a new record"),
    "fields": {
        "title": _("Record"),
        "outcome": _("Outcome"),
        "started_at": _("Started"),
        "ended_at": _("Ended"),
        "members": _("Team members present"),
        "note": _("Note"),
        "topics": _("Topics explained"),
        "leaflets": _("Leaflets handed out"),
        "findings": _("Findings on the spot"),
        "photos": _("Photos"),
        "recorded_by": _("Recorded by"),
        "recorded_at": _("Recorded at"),
        "kind": _("Kind"),
        "description": _("Description"),
        "place_text": _("Place"),
        "grade": _("Proposed grade"),
        "resident_name": _("Resident concerned"),
        "resident_phone": _("Resident phone"),
        "state": _("State"),
    },
}


def offline(request: HttpRequest) -> dict[str, Any]:
    """The campaign's UTC offset ("+08:00": a form saved offline turns its local times into
    instants with it, as the server does with the times a page posts) and the scripts'
    words."""
    offset = timezone.localtime().strftime("%z")
    return {"offline_tz": f"{offset[:3]}:{offset[3:]}", "offline_text": TEXT}
