import datetime as dt

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from zoufang.campaigns.services import campaign_create_from_template, read_template


class Command(BaseCommand):
    help = "Create a campaign (phases, catalogs, forms, departments) from the template file. Safe to re-run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--start",
            type=dt.date.fromisoformat,
            default=None,
            help="first day, YYYY-MM-DD (default: the template's start, 21 June, this year)",
        )
        parser.add_argument("--code", default=None)
        parser.add_argument("--name", default=None)
        parser.add_argument("--not-current", action="store_true")

    def handle(self, *args: object, **opts: object) -> None:
        start = opts["start"]
        if start is None:
            month, day = read_template()["campaign"].get("start", "06-21").split("-")
            start = dt.date(timezone.localdate().year, int(month), int(day))
        campaign = campaign_create_from_template(
            start_date=start,
            code=opts["code"],
            name=opts["name"],
            make_current=not opts["not_current"],
        )
        self.stdout.write(
            f"campaign {campaign.code}: {campaign.start_date} – {campaign.end_date}, "
            f"{campaign.phases.count()} phases, {campaign.catalog.count()} catalog items, {campaign.forms.count()} forms"
        )
