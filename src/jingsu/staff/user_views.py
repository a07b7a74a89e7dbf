"""직원 계정 관리 (issue #8 item 1) in the staff console: being written."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
