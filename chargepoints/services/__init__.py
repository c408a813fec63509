"""Version-neutral behaviour of the charging domain.

The OCPP gateway calls these for both protocol versions; nothing here knows
which version a charger speaks (docs/architecture.md rule 1).
"""
