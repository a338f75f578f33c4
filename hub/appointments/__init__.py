"""Appointments (网上预约): half-day slots at a center's windows, booked without signing in."""
