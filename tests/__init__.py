"""Whole-product tests: who may do what (the authorization matrix), the CSRF walk, mass
assignment and the API fuzz run across every app."""
