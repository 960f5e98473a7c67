"""What a visit heard and whom it met, written with the visit: the opinions on police work
(for the research), the registry persons met by ID number (their page lists the visit), and
the wanted-person alert (追逃缉拿).

An ID number entered on any form question of type `id_number` is looked up city-wide (a
person wanted elsewhere may be met here). When it belongs to a key person of the fugitive
category, the chiefs of the beat's station who may see sensitive data are notified at once,
the alert is a row (`WantedAlert`, in the audit trail), and the recorder is asked only to call
the station: the screen and the API answer say nothing more (`visit_asks_call_in`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _

from zoufang.core.roles import Role
from zoufang.notifications.services import notify
from zoufang.org.models import Unit
from zoufang.registry.crypto import lookup_hash
from zoufang.registry.models import KeyPerson, Person
from zoufang.visits.access import may_see_wanted_alerts
from zoufang.visits.models import VisitOpinion, VisitPerson, WantedAlert

if TYPE_CHECKING:
    from zoufang.visits.formschema import CleanForm
    from zoufang.visits.models import Visit

logger = logging.getLogger(__name__)

NOTIFICATION_KIND = "wanted_match"


def visit_heard_write(*, visit: Visit, clean: CleanForm) -> None:
    """Write the opinions, the persons met and any wanted alert of a visit just inserted;
    sets `visit.call_in` (whether the recorder is asked to call the station)."""
    _opinions_write(visit, clean)
    people = _people_met(visit, clean.id_numbers)
    wanted = [p.key_record for p in people if _is_wanted(p)]
    visit.call_in = bool(wanted)
    for record in wanted:
        _wanted_alert(visit, record)


def visit_asks_call_in(visit: Visit) -> bool:
    """Whether the recorder of `visit` is asked to call the station (also on a resend)."""
    flag = getattr(visit, "call_in", None)
    if flag is None:
        flag = WantedAlert.objects.filter(visit_id=visit.pk).exists()
        visit.call_in = flag
    return flag


def _opinions_write(visit: Visit, clean: CleanForm) -> None:
    VisitOpinion.objects.bulk_create(
        VisitOpinion(
            visit=visit,
            campaign_id=visit.campaign_id,
            unit_path=visit.unit_path,
            kind=visit.kind,
            question=code,
            areas=list(dict.fromkeys(clean.opinion_areas)),
            text=text,
            created_at=visit.created_at,
        )
        for code, text in clean.opinions
    )


def _people_met(visit: Visit, numbers: list[str]) -> list[Person]:
    hashes = {lookup_hash(n) for n in numbers if n}
    if not hashes:
        return []
    people = list(Person.objects.filter(id_hash__in=hashes).select_related("key_record"))
    VisitPerson.objects.bulk_create(
        [VisitPerson(visit=visit, person=p, unit_path=visit.unit_path) for p in people],
        ignore_conflicts=True,
    )
    return people


def _is_wanted(person: Person) -> bool:
    record = getattr(person, "key_record", None)
    return record is not None and record.category == KeyPerson.Category.FUGITIVE


def _wanted_alert(visit: Visit, record: KeyPerson) -> None:
    station_id = Unit.objects.filter(pk=visit.beat_id).values_list("parent_id", flat=True)[0]
    chiefs = [
        u
        for u in get_user_model().objects.filter(
            unit_id=station_id, role=Role.STATION_CHIEF, is_active=True
        )
        if may_see_wanted_alerts(u, visit.unit_path)
    ]
    person = record.person
    notified = notify(
        kind=NOTIFICATION_KIND,
        title=_("Wanted person possibly met on a visit: %(name)s") % {"name": person.name},
        body=_(
            "The ID number %(id)s entered on a visit in %(beat)s belongs to %(name)s, "
            "recorded as a fugitive (在逃). The officer was asked only to call the station."
        )
        % {"id": person.id_masked, "beat": visit.beat.name, "name": person.name},
        url=reverse("visits:visit_detail", args=[visit.pk]),
        users=chiefs,
    )
    WantedAlert.objects.create(
        visit=visit, key_person=record, unit_path=visit.unit_path, notified=notified
    )
    if not notified:
        # Nobody at the station may receive it: the office's audit trail still has the row.
        logger.warning("wanted alert with no chief to notify", extra={"visit": visit.pk})
