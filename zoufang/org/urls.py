from django.urls import path

from zoufang.org import views

app_name = "org"
urlpatterns = [
    path("units/", views.unit_tree, name="unit_tree"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/children/", views.unit_children, name="unit_children"),
    path("people/", views.personnel_list, name="personnel_list"),
    path("people/new/", views.personnel_edit, name="personnel_create"),
    path("people/<int:pk>/", views.personnel_detail, name="personnel_detail"),
    path("people/<int:pk>/edit/", views.personnel_edit, name="personnel_edit"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/<int:pk>/", views.team_detail, name="team_detail"),
    path("teams/<int:pk>/members/add/", views.team_member_add, name="team_member_add"),
    path(
        "teams/<int:pk>/members/<int:person_pk>/remove/",
        views.team_member_remove,
        name="team_member_remove",
    ),
]
