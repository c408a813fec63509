"""The 1.6 ``@on`` handlers, named after the OCPP 2.0.1 functional blocks they mirror."""
