"""The source tests run against real servers on loopback (tests/servers, registered in tests/conftest.py)."""

import pytest

from tests.sources.unprivileged import shared_folder


@pytest.fixture
def shared_dir():
    """A temporary folder an ordinary (unprivileged) user can reach too."""
    with shared_folder() as folder:
        yield folder
