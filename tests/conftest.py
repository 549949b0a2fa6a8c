"""Test-suite wide setup: ember's own pytest fixtures for plugin tests, hypothesis profiles."""

import os

from hypothesis import settings

pytest_plugins = ["ember.testing.pytest_plugin"]

# CI replays the same examples on every run (a failure there is reproducible from its log);
# local runs keep drawing new ones. HYPOTHESIS_PROFILE=ci selects it by hand.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default")
)
