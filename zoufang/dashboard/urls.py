from django.urls import path

from zoufang.dashboard import mapviews, reportviews, summaryviews, views

app_name = "dashboard"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("map/", mapviews.map_page, name="map"),
    path("map/data/", mapviews.map_json, name="map_data"),
    path("reports/", reportviews.report_list, name="reports"),
    path("reports/new/", reportviews.report_new, name="report_new"),
    path("reports/<int:pk>/", reportviews.report_detail, name="report_detail"),
    path("reports/<int:pk>/publish/", reportviews.report_publish, name="report_publish"),
    path("reports/<int:pk>/pdf/", reportviews.report_pdf, name="report_pdf"),
    path("reports/<int:pk>/xlsx/", reportviews.report_xlsx, name="report_xlsx"),
    path("summaries/", summaryviews.summary_list, name="summaries"),
    path("summaries/new/", summaryviews.summary_new, name="summary_new"),
    path("summaries/<int:pk>/", summaryviews.summary_detail, name="summary_detail"),
    path("summaries/<int:pk>/publish/", summaryviews.summary_publish, name="summary_publish"),
    path("summaries/<int:pk>/pdf/", summaryviews.summary_pdf, name="summary_pdf"),
    path("summaries/<int:pk>/xlsx/", summaryviews.summary_xlsx, name="summary_xlsx"),
]
