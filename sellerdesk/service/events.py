"""The conversation's timeline codes (core.messages); see service.conversations."""
