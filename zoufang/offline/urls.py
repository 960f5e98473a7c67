from django.urls import path

from zoufang.offline import views

app_name = "offline"
urlpatterns = [
    path("", views.outbox, name="outbox"),
    path("pages.json", views.pages, name="pages"),
    path("ping", views.ping, name="ping"),
    path("fallback/", views.fallback, name="fallback"),
]
