from django.urls import path

from jingsu.delivery import views

app_name = "delivery"

urlpatterns = [
    path("callbacks/kt", views.kt_callback, name="kt-callback"),
]
