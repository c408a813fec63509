from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.api import views

router = SimpleRouter()
router.register("vehicles", views.VehicleViewSet, basename="vehicle")
router.register("id-tags", views.IdTagViewSet, basename="idtag")
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register("users", views.UserViewSet, basename="user")

urlpatterns = [
    path("auth/login/", views.LoginView.as_view(), name="auth-login"),
    path("auth/logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/register/", views.RegisterView.as_view(), name="auth-register"),
    path("me/", views.MeView.as_view(), name="me"),
    path("me/profile/", views.ProfileView.as_view(), name="me-profile"),
    path("me/payment-card/", views.PaymentCardView.as_view(), name="me-payment-card"),
    path("me/energy/", views.MyEnergyView.as_view(), name="me-energy"),
    *router.urls,
]
