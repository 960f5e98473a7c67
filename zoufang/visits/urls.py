from django.urls import path

from zoufang.visits import views

app_name = "visits"
urlpatterns = [
    path("", views.today, name="today"),
    path("coverage/", views.coverage, name="coverage"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/visit/", views.record, name="record"),
    path("<int:pk>/", views.visit_detail, name="visit_detail"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("beats/<int:beat_id>/tasks/", views.beat_tasks, name="beat_tasks"),
    path("beats/<int:beat_id>/generate/", views.generate, name="generate"),
    path("beats/<int:beat_id>/reassign/", views.reassign, name="reassign"),
    path("beats/<int:beat_id>/unvisited/", views.unvisited, name="unvisited"),
    path("corrections/<int:pk>/decide/", views.correction_decide, name="correction_decide"),
]
