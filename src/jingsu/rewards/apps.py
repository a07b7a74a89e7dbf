from django.apps import AppConfig


class RewardsConfig(AppConfig):
    name = "jingsu.rewards"
    label = "rewards"
    verbose_name = "세입징수 포상금"
