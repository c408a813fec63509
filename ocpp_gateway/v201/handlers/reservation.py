"""H Reservation: a reservation the charging station ended."""

from ocpp.routing import on
from ocpp.v201 import call_result
from ocpp.v201.enums import Action

from chargepoints.services.events import (
    reservation_status_update,
)


class ReservationHandlers:
    """ReservationStatusUpdate."""

    @on(Action.reservation_status_update)
    async def on_reservation_status_update(self, reservation_id, reservation_update_status, **_):
        await self.run(
            reservation_status_update,
            reservation_id=reservation_id,
            status=reservation_update_status,
        )
        return call_result.ReservationStatusUpdate()
