"""Outbound delivery (interface 3): each approval task, once open, handed to its
department's own business system through the outbox, at least once, each task version
held once by the receiver; retries are scheduled, never waited for."""
