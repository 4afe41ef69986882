"""Durable and shared state of the Rasa server: lock store, tracker store, their health and retention."""
