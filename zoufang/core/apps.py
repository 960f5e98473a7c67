from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zoufang.core"
    label = "core"
    verbose_name = "Zoufang core"
