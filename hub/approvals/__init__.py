"""Approval routing: applications fan out to departments, stage by stage."""
