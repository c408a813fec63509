from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from accounts.api.schema import ANY_SEGMENT
from accounts.api.views import (
    login,
    me,
    notifications,
    password_reset,
    photos,
    tags,
    tokens,
    users,
    vehicles,
)

router = SimpleRouter()
router.register("vehicles", vehicles.VehicleViewSet, basename="vehicle")
router.register("id-tags", tags.IdTagViewSet, basename="idtag")
router.register("notifications", notifications.NotificationViewSet, basename="notification")
router.register("users", users.UserViewSet, basename="user")
router.register("auth/tokens", tokens.TokenViewSet, basename="auth-token")

urlpatterns = [
    path("auth/login/", login.LoginView.as_view(), name="auth-login"),
    path("auth/logout/", login.LogoutView.as_view(), name="auth-logout"),
    path("auth/logout-all/", login.LogoutEverywhereView.as_view(), name="auth-logout-all"),
    path("auth/register/", login.RegisterView.as_view(), name="auth-register"),
    path(
        "auth/password-reset/",
        password_reset.PasswordResetView.as_view(),
        name="auth-password-reset",
    ),
    path(
        "auth/password-reset/confirm/",
        password_reset.PasswordResetConfirmView.as_view(),
        name="auth-password-reset-confirm",
    ),
    path("me/", me.MeView.as_view(), name="me"),
    path("me/profile/", me.ProfileView.as_view(), name="me-profile"),
    path("me/payment-card/", me.PaymentCardView.as_view(), name="me-payment-card"),
    re_path(
        rf"^users/(?P<pk>{ANY_SEGMENT})/photo/$", photos.UserPhotoView.as_view(), name="user-photo"
    ),
    *router.urls,
]
