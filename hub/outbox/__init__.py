"""The transactional outbox and its relay."""
