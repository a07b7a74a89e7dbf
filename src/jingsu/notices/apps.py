from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "jingsu.notices"
    label = "notices"
    verbose_name = "안내·고지 (캠페인, 문서)"
