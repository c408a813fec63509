"""The energy a driver charged: their own (me/energy/), anyone's for operators.

Under the accounts' URLs (me/, users/) because that is whose energy it is; here
because counting energy is the charging domain's business. The errors are
documented as the accounts API documents them, as they were when these
endpoints lived there.
"""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.schema import AUTH, ID, responses
from accounts.models import User
from chargepoints.api.energy.serializers import EnergySerializer
from chargepoints.selectors import user_energy_totals
from csms.api.permissions import requires


def _energy(user: User) -> dict:
    totals = user_energy_totals(user=user)
    # The selector counts in the profile's time zone, or the server's without one.
    profile = getattr(user, "profile", None)
    return {
        "day": totals.day,
        "week": totals.week,
        "month": totals.month,
        "year": totals.year,
        "timezone": str(profile.timezone) if profile else settings.TIME_ZONE,
    }


class MyEnergyView(APIView):
    """The caller's charged energy, periods in their profile's time zone."""

    @extend_schema(
        summary="Energy you charged today, this week, month and year",
        responses=responses({200: EnergySerializer}, *AUTH),
    )
    def get(self, request):
        return Response(_energy(request.user))


class UserEnergyView(GenericAPIView):
    """A user's charged energy, for operators; periods in the user's profile's time zone."""

    queryset = User.objects.all()
    # The figures add up the user's transactions: reading them is what it takes.
    permission_classes = [requires("chargepoints.view_transaction")]
    # One user, not a list: no filters, ordering or pages apply.
    filter_backends = []

    @extend_schema(
        summary="Energy the user charged today, this week, month and year",
        parameters=[ID],
        responses=responses({200: EnergySerializer}, *AUTH, 404),
    )
    def get(self, request, pk: str):
        return Response(_energy(self.get_object()))
