from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from zoufang.campaigns.models import Campaign


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    code = factory.Sequence(lambda n: f"c{n}")
    name = factory.Sequence(lambda n: f"专项活动{n}")
    start_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=10))
    end_date = factory.LazyAttribute(lambda o: o.start_date + dt.timedelta(days=30))
    is_current = True
