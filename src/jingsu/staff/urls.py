"""URLs of the staff console (mounted at /staff/). Every view here must carry a permission
(jingsu.staff.access.staff_view) or be marked public; tests/staff/test_url_walker.py checks all of them.

Path parameters are named after the object they point to (`taxpayer_id`, …) so the walker can fill them."""

from django.urls import path

from jingsu.staff import views

app_name = "staff"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("", views.home, name="home"),
    path("taxpayers/", views.taxpayer_search, name="taxpayer_search"),
    path("taxpayers/<int:taxpayer_id>/", views.taxpayer_detail, name="taxpayer_detail"),
    path("taxpayers/<int:taxpayer_id>/reveal/", views.taxpayer_reveal, name="taxpayer_reveal"),
    path("audit/", views.audit_log, name="audit_log"),
]
