"""Rasa input channels of the assistant (currently the WeChat official account)."""
