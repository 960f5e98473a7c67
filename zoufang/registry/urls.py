from django.urls import path

from zoufang.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.place_list, name="place_list"),
    path("places/<int:pk>/", views.place_detail, name="place_detail"),
    path("places/<int:pk>/edit/", views.place_edit, name="place_edit"),
    path("places/<int:pk>/household/", views.household_edit, name="household_edit"),
    path("places/<int:pk>/org/", views.org_edit, name="org_edit"),
    path("places/<int:pk>/key-items/new/", views.key_item_new, name="key_item_new"),
    path("persons/", views.person_list, name="person_list"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/key/", views.key_person_edit, name="key_person_edit"),
    path("persons/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("key-persons/", views.key_person_list, name="key_person_list"),
    path("shops/", views.org_list, {"kind": "shops"}, name="shop_list"),
    path("enterprises/", views.org_list, {"kind": "enterprises"}, name="enterprise_list"),
    path("key-items/", views.key_item_list, name="key_item_list"),
    path("imports/", views.import_start, name="import_start"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/report/", views.import_report, name="import_report"),
    path("imports/<int:pk>/retry/", views.import_retry, name="import_retry"),
    path("imports/template/<str:kind>/", views.import_template, name="import_template"),
]
