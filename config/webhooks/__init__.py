"""Webhooks after the Standard Webhooks convention: endpoints, signed deliveries with retries, a delivery log."""
