from django.urls import path

from zoufang.dashboard import reportviews, views

app_name = "dashboard"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reports/", reportviews.report_list, name="reports"),
    path("reports/new/", reportviews.report_new, name="report_new"),
    path("reports/<int:pk>/", reportviews.report_detail, name="report_detail"),
    path("reports/<int:pk>/publish/", reportviews.report_publish, name="report_publish"),
    path("reports/<int:pk>/pdf/", reportviews.report_pdf, name="report_pdf"),
    path("reports/<int:pk>/xlsx/", reportviews.report_xlsx, name="report_xlsx"),
]
