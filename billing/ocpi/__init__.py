"""The OCPI 2.2.1 interface of our CPO: versions, credentials and the Sender side of
locations, sessions, CDRs and tariffs, under /ocpi/.

Roaming partners (eMSPs, hubs) are ``billing.models.OcpiPartner`` rows; they pull
our data with the token we issued them at registration.
"""
