"""Sending a rendered bulletin: the e-mail."""
