from django.urls import path, re_path

from chargepoints.api.energy import views

urlpatterns = [
    path("me/energy/", views.MyEnergyView.as_view(), name="me-energy"),
    # Any segment reaches the view, so a malformed id is a JSON 404 and not
    # the URL resolver's HTML page.
    re_path(r"^users/(?P<pk>[^/]+)/energy/$", views.UserEnergyView.as_view(), name="user-energy"),
]
