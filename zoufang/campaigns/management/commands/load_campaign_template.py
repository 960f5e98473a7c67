import datetime as dt

from django.core.management.base import BaseCommand, CommandParser

from zoufang.campaigns.services import campaign_create_from_template


class Command(BaseCommand):
    help = "Create a campaign (phases, catalogs, forms, departments) from the template file. Safe to re-run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--start", type=dt.date.fromisoformat, required=True, help="first day, YYYY-MM-DD"
        )
        parser.add_argument("--code", default=None)
        parser.add_argument("--name", default=None)
        parser.add_argument("--not-current", action="store_true")

    def handle(self, *args: object, **opts: object) -> None:
        campaign = campaign_create_from_template(
            start_date=opts["start"],
            code=opts["code"],
            name=opts["name"],
            make_current=not opts["not_current"],
        )
        self.stdout.write(
            f"campaign {campaign.code}: {campaign.start_date} – {campaign.end_date}, "
            f"{campaign.phases.count()} phases, {campaign.catalog.count()} catalog items, {campaign.forms.count()} forms"
        )
