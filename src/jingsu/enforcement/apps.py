from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "jingsu.enforcement"
    label = "enforcement"
    verbose_name = "체납처분·행정제재"

    def ready(self) -> None:
        from jingsu.enforcement import deterrence, services
        from jingsu.notices import hooks as notice_hooks
        from jingsu.payments import hooks

        # payments (a floor below) calls this without importing enforcement: money recorded re-checks the cases
        hooks.plug(hooks.after_allocation, services.after_allocation)
        hooks.plug(hooks.money_returned, services.money_returned)
        # notices (a floor below) asks for a deterrence notice's next measure without importing enforcement
        notice_hooks.plug_next_measures(deterrence.next_measures)
