"""Writes of the organisation, one module a topic: people and roles (users), opportunities, and the
idempotency records' upkeep."""
