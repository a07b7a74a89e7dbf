from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "jingsu.payments"
    label = "payments"
    verbose_name = "수납"
