from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jingsu.core"
    label = "core"
    verbose_name = "공통 (지자체·감사 기록)"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.backends.signals import connection_created

        from jingsu.core import checks  # noqa: F401  (registers the deploy check of secrets)
        from jingsu.core.files import private_dir

        private_dir(settings.VAR_DIR)  # var/ is 0700 (and exists before SQLite opens its file there)
        connection_created.connect(_private_sqlite_file, dispatch_uid="jingsu.core.private_sqlite_file")


def _private_sqlite_file(sender, connection, **kwargs) -> None:  # type: ignore[no-untyped-def]
    """The SQLite database (and its journal files) is 0600, whatever the umask of the process that created it."""
    if connection.vendor != "sqlite":
        return
    from pathlib import Path

    from jingsu.core.files import make_private

    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    for suffix in ("", "-journal", "-wal", "-shm"):
        make_private(Path(name + suffix))
