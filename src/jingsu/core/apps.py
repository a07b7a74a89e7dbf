from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jingsu.core"
    label = "core"
    verbose_name = "공통 (지자체·감사 기록)"

    def ready(self) -> None:
        from jingsu.core import checks  # noqa: F401  (registers the deploy check of secrets)
