"""Delivery of the outbox: signed webhooks to the desk's software and SMS to citizens."""
