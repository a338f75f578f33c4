"""Service items: the one form and the approval stages."""
