"""The public page's routes (namespace "public"), included under /p/ by the staff site's
URLconf and by the public host's own (config/urls_public.py), which serves nothing else."""

from django.urls import path

from zoufang.outreach.views import public

app_name = "public"
urlpatterns = [
    path("", public.city, name="city"),
    path("status/", public.status, name="status"),
    path("privacy/", public.privacy, name="privacy"),
    path("challenge/", public.challenge, name="challenge"),
    path("<str:token>/", public.beat_page, name="beat"),
    path("<str:token>/rate/", public.rate, name="rate"),
    path("<str:token>/suggest/", public.suggest, name="suggest"),
    path("<str:token>/visit/", public.visit, name="visit"),
    path("<str:token>/clue/", public.clue, name="clue"),
]
