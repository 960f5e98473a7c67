from django.urls import path

from zoufang.patrol import views

app_name = "patrol"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("flags/<int:pk>/", views.flag_detail, name="flag_detail"),
    path("flags/<int:pk>/decide/", views.flag_decide_view, name="flag_decide"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("run/", views.run_now, name="run_now"),
    path("run/<int:pk>/", views.run_progress, name="run_progress"),
    path("notices/", views.notice_list, name="notices"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
]
