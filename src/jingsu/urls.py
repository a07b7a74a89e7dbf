from django.urls import include, path

from jingsu.core import views as core_views
from jingsu.ops import metrics as ops_metrics

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", ops_metrics.metrics, name="metrics"),
    path("", include("jingsu.delivery.urls")),
    path("", include("jingsu.portal.urls")),
    path("", include("jingsu.payments.urls")),
    path("staff/", include("jingsu.staff.urls")),
]
