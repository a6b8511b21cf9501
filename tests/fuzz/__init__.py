"""The API fuzz, one test module per role so that xdist's loadfile runs the roles on different
workers; fuzzing.py is the one implementation."""
