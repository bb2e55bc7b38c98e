"""Settings for geocoding the citizens' addresses (address text to coordinates)."""

from __future__ import annotations

from dataclasses import dataclass

PROVIDERS = ("nominatim",)


@dataclass(frozen=True, slots=True)
class GeocoderSettings:
    provider: str = "nominatim"
    """Which geocoder speaks to us; only Nominatim (OpenStreetMap) for now."""
    domain: str = "nominatim.openstreetmap.org"
    """Host (and `:port`) of the Nominatim server; a self-hosted one is kinder to the public one."""
    scheme: str = "https"
    """`https`, or `http` for a server on the local network."""
    timeout: float = 3.0
    """Seconds to wait on each network step. Short: a booking must never wait long on a map."""
    user_agent: str = "postal-tracker"
    """Sent with every request; the public server's usage policy wants it to name the application
    (best with a contact address) and blocks generic ones."""
    country_codes: str = "vn"
    """Comma-separated ISO 3166-1 alpha-2 codes the results are restricted to."""
    language: str = "vi"
    """Preferred language of the returned place names (`accept-language`)."""
    max_distance_km: float = 20.0
    """A result farther than this from the `near` point (the commune) is a same-name place
    elsewhere, not the citizen's home."""
    max_results: int = 5
    """How many candidates to ask for; the first one near the commune is taken."""

    def __post_init__(self) -> None:
        if self.provider not in PROVIDERS:
            raise ValueError(f"unknown geocoding provider {self.provider!r}; known: {', '.join(PROVIDERS)}")
        if self.scheme not in ("http", "https"):
            raise ValueError("the geocoder scheme must be http or https")
        if not self.domain or "/" in self.domain:
            raise ValueError("the geocoder domain is a host name, optionally with :port")
        if not self.user_agent.strip():
            raise ValueError("the geocoder needs a user agent naming this application")
        if self.timeout <= 0 or self.max_distance_km <= 0 or self.max_results < 1:
            raise ValueError("timeout, max_distance_km and max_results must be positive")
