"""Test-suite wide setup: ember's own pytest fixtures for plugin tests."""

pytest_plugins = ["ember.testing.pytest_plugin"]
