from django.urls import path

from zoufang.research.views import questionnaires as q
from zoufang.research.views import topics as t

app_name = "research"
urlpatterns = [
    path("", t.index, name="index"),
    path("topics/new/", t.topic_new, name="topic_new"),
    path("topics/<int:pk>/", t.topic_detail, name="topic"),
    path("topics/<int:pk>/activities/new/", t.activity_new, name="activity_new"),
    path("topics/<int:pk>/problems/new/", t.problem_new, name="problem_new"),
    path("topics/<int:pk>/report/", t.report_edit, name="report"),
    path("topics/<int:pk>/report/submit/", t.report_submit, name="report_submit"),
    path("topics/<int:pk>/report/review/", t.report_review, name="report_review"),
    path("topics/<int:pk>/report/attach/", t.attachment_add, name="attachment_add"),
    path("attachments/<int:pk>/", t.attachment, name="attachment"),
    path("photos/<int:pk>/", t.photo, name="photo"),
    path("problems/<int:pk>/finding/", t.problem_finding, name="problem_finding"),
    path("problems/<int:pk>/task/", t.problem_task, name="problem_task"),
    path("words/", t.public_words, name="words"),
    path("questionnaires/", q.questionnaire_list, name="questionnaires"),
    path("questionnaires/new/", q.questionnaire_edit, name="questionnaire_new"),
    path("questionnaires/<int:pk>/", q.questionnaire_detail, name="questionnaire"),
    path("questionnaires/<int:pk>/edit/", q.questionnaire_edit, name="questionnaire_edit"),
    path("questionnaires/<int:pk>/publish/", q.questionnaire_publish, name="questionnaire_publish"),
    path("questionnaires/<int:pk>/results/", q.questionnaire_results, name="questionnaire_results"),
]
