from django.apps import AppConfig


class RewardsConfig(AppConfig):
    name = "jingsu.rewards"
    label = "rewards"
    verbose_name = "세입징수 포상금"

    def ready(self) -> None:
        from jingsu.payments import hooks
        from jingsu.rewards import services

        # payments (a floor below) calls these without importing rewards
        hooks.plug(hooks.unmatch_refusals, services.unmatch_refusal)
        hooks.plug(hooks.money_returned, services.claw_back_on_reduction)
