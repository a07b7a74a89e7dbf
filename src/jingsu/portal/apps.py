from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "jingsu.portal"
    label = "portal"
    verbose_name = "납세자 열람 포털"
