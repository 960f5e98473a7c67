from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The top of the house: the home page per role, the page header's campaign, and the demo
    city (`seed_demo`, which asks every app for its own demo builder). It may import every
    domain app; nothing imports it."""

    name = "zoufang.home"
    label = "home"
    verbose_name = _("home")
