"""Service settings, read from the environment (prefix METROLOGY_) and an optional .env file."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """All settings of the service; one instance per process through get_settings()."""

    model_config = SettingsConfigDict(
        env_prefix="METROLOGY_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(default=Path("var"), description="Where the embedded database lives")
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means the SQLite file var/metrology.db",
    )
    sqlite_busy_timeout_ms: int = 5000
    mqtt_url: str = "mqtt://127.0.0.1:1883"
    public_base_url: str = "http://127.0.0.1:8000"
    stamp_key_dir: Path = Field(default=Path("var/keys"))
    # Scales: the in-service MPE is twice the verification MPE (OIML R 76).
    scale_in_service_factor: float = 2.0
    # Fuel dispensers: ±0.3 % on verification (ĐLVN 10); the in-service value is unverified.
    dispenser_mpe_percent: float = 0.3
    dispenser_in_service_mpe_percent: float = 0.3
    # Days before the due date at which an instrument counts as "due".
    due_soon_days: int = 30
    max_upload_bytes: int = 50 * 1024 * 1024

    def resolved_database_url(self) -> str:
        """Return the database URL, defaulting to the SQLite file in data_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'metrology.db').as_posix()}"


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings (cached; tests clear the cache)."""
    return Settings()
