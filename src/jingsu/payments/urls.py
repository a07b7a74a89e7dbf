from django.urls import path

from jingsu.payments import views

app_name = "payments"

urlpatterns = [
    path("callbacks/pg", views.gateway_notice, name="gateway-notice"),
    path("pay/pg/return", views.gateway_return, name="gateway-return"),
]
