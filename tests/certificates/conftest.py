"""Certificate fixtures: a key ring, a status store and certificate data, all under tmp_path."""

from tests.support.certificates import make_data, ring, store  # noqa: F401  (fixtures)
