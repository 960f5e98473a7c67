from django.urls import path

from zoufang.findings import views

app_name = "findings"
urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("mine/", views.my_findings, name="mine"),
    path("new/", views.create, name="create"),
    path("department/", views.department, name="department"),
    path("stats/", views.finding_stats, name="stats"),
    path("<int:pk>/", views.finding_detail, name="detail"),
    path("<int:pk>/act/", views.finding_act, name="act"),
    path("<int:pk>/refer/", views.refer, name="refer"),
    path("referrals/<int:pk>/feedback/", views.referral_feedback_add, name="referral_feedback"),
]
