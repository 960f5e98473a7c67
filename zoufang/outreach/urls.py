from django.urls import path

from zoufang.outreach.views import moderation, staff

app_name = "outreach"
urlpatterns = [
    path("", staff.index, name="index"),
    path("drives/<int:pk>/", staff.drive_detail, name="drive"),
    path("events/new/", staff.event_new, name="event_new"),
    path("events/photos/<int:pk>/", staff.event_photo, name="event_photo"),
    path("leaflets/", staff.leaflets, name="leaflets"),
    path("leaflets/issue/", staff.issue, name="issue"),
    path("leaflets/<int:pk>/sheet/", staff.sheet, name="sheet"),
    path("leaflets/batch/", staff.batch, name="batch"),
    path("satisfaction/", staff.satisfaction, name="satisfaction"),
    path("moderation/", moderation.queue, name="moderation"),
    path("submissions/<int:pk>/", moderation.detail, name="submission"),
    path("submissions/<int:pk>/decide/", moderation.decide, name="decide"),
    path("submissions/<int:pk>/photo/", moderation.photo, name="submission_photo"),
]
