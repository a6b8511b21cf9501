"""Reads of the organisation, scoped to what the asking user may see; one module a topic."""
