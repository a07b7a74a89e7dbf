"""포상금 인적 사항 등록 (officials, civilians, committees, members) in the staff console: being written."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
