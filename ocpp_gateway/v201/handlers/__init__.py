"""The 2.0.1 ``@on`` handlers, one module per functional block of OCPP 2.0.1 part 2."""
