"""Staff accounts: a Django user plus the jurisdiction (지자체) they work for and their role."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jingsu.core.models import Jurisdiction
from jingsu.staff.roles import PERMISSIONS, ROLE_BY_CODE, ROLE_CHOICES, Role


class StaffProfile(models.Model):
    """One per staff user: one jurisdiction, one role. A user without a profile cannot use the console."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    role = models.CharField("역할", max_length=20, choices=ROLE_CHOICES)
    display_name = models.CharField("이름", max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "직원"
        # The console's permissions (jingsu.staff.roles); has_perm("staff.<codename>").
        permissions = sorted(PERMISSIONS.items())

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.role_obj.name}, {self.jurisdiction_id})"

    @property
    def role_obj(self) -> Role:
        return ROLE_BY_CODE[self.role]
