from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "jingsu.payments"
    label = "payments"
    verbose_name = "수납"

    def ready(self) -> None:
        from jingsu.notices import hooks
        from jingsu.payments import campaigns

        hooks.plug(campaigns)  # the money side of a campaign, for notices and delivery (a floor below)
