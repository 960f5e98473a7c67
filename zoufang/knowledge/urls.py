from django.urls import path

from zoufang.knowledge import views

app_name = "knowledge"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.entry_new, name="entry_new"),
    path("load/", views.load_starter, name="load"),
    path("chapters/<slug:slug>/", views.chapter_detail, name="chapter"),
    path("entries/<slug:slug>/", views.entry_detail, name="entry"),
    path("entries/<slug:slug>/edit/", views.entry_edit, name="entry_edit"),
    path("entries/<slug:slug>/history/", views.entry_history, name="entry_history"),
]
