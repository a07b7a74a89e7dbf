from django.apps import AppConfig


class TaxpayersConfig(AppConfig):
    name = "jingsu.taxpayers"
    label = "taxpayers"
    verbose_name = "납세자"
