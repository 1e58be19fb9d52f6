"""Transactional outbox: every domain event is a row written in the transaction of the change that caused it."""
