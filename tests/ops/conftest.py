"""Operations tests reuse the API's TestClient factory and row seeder (tests/api/conftest.py)."""

from tests.api.conftest import Seed, make_client, seed  # noqa: F401  (fixtures re-exported)
