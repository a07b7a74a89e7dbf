from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "jingsu.delivery"
    label = "delivery"
    verbose_name = "발송·송달"
