from django.urls import path

from zoufang.supervision.views import (
    deepening,
    deployment,
    inspections,
    lists,
    scores,
    verification,
)

app_name = "supervision"
urlpatterns = [
    path("", scores.index, name="index"),
    path("settings/", scores.settings_page, name="settings"),
    path("deployment/", deployment.deployment_page, name="deployment"),
    path("verification/", verification.verification_list, name="verification_list"),
    path("verification/<int:pk>/", verification.verification_detail, name="verification_detail"),
    path("verification/samples/", verification.sample_draw, name="sample_draw"),
    path("verification/samples/<int:pk>/", verification.sample_audit, name="sample_audit"),
    path("inspections/", inspections.inspection_board, name="inspection_board"),
    path("inspections/pairings/", inspections.pairing_generate, name="pairing_generate"),
    path("inspections/pairings/<int:pk>/", inspections.pairing_detail, name="pairing_detail"),
    path("inspections/<int:pk>/", inspections.inspection_detail, name="inspection_detail"),
    path("inspections/photos/<int:pk>/", inspections.inspection_photo, name="inspection_photo"),
    path("scores/", scores.score_table, name="scores"),
    path("scores/snapshot/", scores.snapshot_now, name="snapshot_now"),
    path("lists/", lists.honour_lists, name="honour_lists"),
    path("lists/propose/", lists.honour_propose, name="honour_propose"),
    path("lists/<int:pk>/", lists.honour_detail, name="honour_detail"),
    path("lists/<int:pk>/act/", lists.honour_act, name="honour_act"),
    path("deepening/", deepening.deepening_board, name="deepening"),
    path("deepening/propose/", deepening.deepening_propose, name="deepening_propose"),
    path("deepening/<int:pk>/", deepening.deepening_act, name="deepening_act"),
]
