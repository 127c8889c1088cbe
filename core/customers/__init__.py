"""Customers: companies and people, their contact details, profile and needs."""
