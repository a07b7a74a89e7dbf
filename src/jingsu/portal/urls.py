from django.urls import path

from jingsu.portal import views

app_name = "portal"

urlpatterns = [
    path("n/<str:token>", views.notice, name="notice"),
    path("n/<str:token>/code", views.send_code, name="send_code"),
    path("n/<str:token>/verify", views.verify_code, name="verify_code"),
    path("n/<str:token>/pdf", views.pdf, name="pdf"),
    path("n/<str:token>/receipt.pdf", views.receipt_pdf, name="receipt_pdf"),
    path("n/<str:token>/installments", views.request_installments, name="request_installments"),
    path("n/<str:token>/callback", views.request_callback, name="request_callback"),
    path("n/<str:token>/pay", views.pay, name="pay"),
    path("n/<str:token>/paid", views.paid, name="paid"),
]
