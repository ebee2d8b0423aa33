"""The incident log: a structured record of anti-social behaviour that holds up as evidence."""
