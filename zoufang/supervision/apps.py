from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "zoufang.supervision"
    label = "supervision"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        # The score components supervision computes itself; apps above it add theirs in
        # their own ready() (zoufang.supervision.scoring).
        from zoufang.supervision.components import register_builtin

        register_builtin()
