from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "jingsu.enforcement"
    label = "enforcement"
    verbose_name = "체납처분·행정제재"

    def ready(self) -> None:
        from jingsu.enforcement import services
        from jingsu.payments import hooks

        # payments (a floor below) calls this without importing enforcement: money recorded re-checks the cases
        hooks.plug(hooks.after_allocation, services.after_allocation)
        hooks.plug(hooks.money_returned, services.money_returned)
