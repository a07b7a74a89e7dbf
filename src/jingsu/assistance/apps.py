from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "jingsu.assistance"
    label = "assistance"
    verbose_name = "납부 지원(분할 납부·상담 요청)"

    def ready(self) -> None:
        from jingsu.assistance import services
        from jingsu.payments import hooks

        # payments (a floor below) calls these without importing assistance
        hooks.plug(hooks.installment_levies, services.levies_for_number)
        hooks.plug(hooks.after_allocation, services.after_allocation)
