from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "jingsu.staff"
    label = "staff"
    verbose_name = "직원 콘솔"

    def ready(self) -> None:
        from jingsu.staff import signals  # noqa: F401  (audit rows for logins, failures, lockouts)
        from jingsu.staff.roles import connect_sync

        connect_sync(self)
