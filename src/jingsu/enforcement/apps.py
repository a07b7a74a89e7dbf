from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "jingsu.enforcement"
    label = "enforcement"
    verbose_name = "체납처분·행정제재"
