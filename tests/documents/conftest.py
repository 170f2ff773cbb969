"""The certificate fixtures (a key ring, a status store and certificate data) for the rendering tests."""

from tests.support.certificates import make_data, ring, store  # noqa: F401  (fixtures)
