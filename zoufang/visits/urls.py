from django.urls import path

from zoufang.visits.views import coverage, record, tasks, today, visit

app_name = "visits"
urlpatterns = [
    path("", today.today, name="today"),
    path("coverage/", coverage.coverage, name="coverage"),
    path("tasks/<int:pk>/", tasks.task_detail, name="task_detail"),
    path("tasks/<int:pk>/visit/", record.record, name="record"),
    path("<int:pk>/", visit.visit_detail, name="visit_detail"),
    path("photos/<int:pk>/", visit.photo, name="photo"),
    path("beats/<int:beat_id>/tasks/", tasks.beat_tasks, name="beat_tasks"),
    path("beats/<int:beat_id>/generate/", tasks.generate, name="generate"),
    path("beats/<int:beat_id>/reassign/", tasks.reassign, name="reassign"),
    path("beats/<int:beat_id>/unvisited/", coverage.unvisited, name="unvisited"),
    path("corrections/<int:pk>/decide/", coverage.correction_decide, name="correction_decide"),
]
