from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "jingsu.assistance"
    label = "assistance"
    verbose_name = "납부 지원(분할 납부·상담 요청)"
