"""/accounts/: the login's two steps and the user's own account pages (issue 17)."""

from django.urls import path

from zoufang.org import account_views as views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", views.login_verify, name="login_verify"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("two-factor/enrol/", views.two_factor_enrol, name="two_factor_enrol"),
    path("two-factor/remove/", views.two_factor_remove, name="two_factor_remove"),
    path("two-factor/recovery/", views.recovery_codes_renew, name="recovery_codes_renew"),
    path("password/", views.password_change, name="account_password"),
    path("tokens/", views.tokens, name="account_tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="account_token_revoke"),
    path("history/", views.login_history, name="account_history"),
    path("resume/", views.resume, name="account_resume"),
]
