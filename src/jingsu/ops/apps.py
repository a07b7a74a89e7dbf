from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "jingsu.ops"
    label = "ops"
    verbose_name = "운영 명령"
