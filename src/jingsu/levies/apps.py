from django.apps import AppConfig


class LeviesConfig(AppConfig):
    name = "jingsu.levies"
    label = "levies"
    verbose_name = "부과·체납"
