"""Sending messages to customers: the e-mail and SMS ports and their adapters (SMTP, HTTP provider, fakes)."""
