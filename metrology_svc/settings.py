"""Service settings, read from the environment (prefix METROLOGY_) and an optional .env file."""

import base64
import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
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
    # How long a write waits for SQLite's one writer before giving up (HTTP 503); reads never
    # wait. Above the longest transaction expected: a 100,000-row import holds it ~13 s.
    sqlite_busy_timeout_ms: int = 30_000
    mqtt_url: str = "mqtt://127.0.0.1:1883"
    # What `serve` runs beside the API (each also runs alone: `ingest`, `scheduler`).
    serve_ingest: bool = True
    serve_scheduler: bool = True
    public_base_url: str = "http://127.0.0.1:8000"
    stamp_key_dir: Path = Field(default=Path("var/keys"))
    # Deprecated and unused by every judgement: MPEs, in-service factors and cycles live in the
    # rulebook (`metrology-svc rules`). Kept only for the demo planner until it asks the rulebook.
    dispenser_mpe_percent: float = 0.3
    # Days before the due date at which an instrument counts as "due".
    due_soon_days: int = 30
    max_upload_bytes: int = 50 * 1024 * 1024
    # Hostile input: bodies other than multipart uploads are refused (413) past this size.
    max_body_bytes: int = 1024 * 1024
    # Clients that keep presenting bad tokens get 429 (a bucket of failures per client).
    auth_failure_rate_per_s: float = 0.2
    auth_failure_burst: int = 20
    # Password logins: failures per account (lower-cased e-mail), whatever the address; once
    # the burst is spent that account's logins answer 429 until the bucket refills (a valid
    # password too). API tokens are never held back by either bucket.
    login_account_failure_burst: int = Field(default=5, ge=1)
    login_account_failure_rate_per_s: float = Field(default=1 / 60, gt=0)
    # API tokens expire this many days after they are made unless made with an explicit expiry
    # (`metrology-svc users tokens create --days N` or `--expires YYYY-MM-DD`); 0: never.
    token_days: int = Field(default=90, ge=0, le=3650)
    # Behind a reverse proxy: the addresses (comma-separated IPs or CIDRs, or "*") whose
    # X-Forwarded-For and X-Forwarded-Proto uvicorn believes. Empty (the default): nobody's,
    # not even 127.0.0.1's; the client is the address of the TCP connection.
    forwarded_allow_ips: str = ""
    # /metrics on the API's port answers only `Authorization: Bearer <this>` (empty: 404 there;
    # scrape metrics_port instead, which `serve` and `api` open too when it is set).
    metrics_token: str = Field(default="", repr=False)
    notice_ack_rate_per_s: float = 1.0
    notice_ack_burst: int = 20
    # Logs: JSON lines when stderr is not a terminal (null: decide by the terminal).
    log_level: str = "INFO"
    log_json: bool | None = None
    # `ingest` and `scheduler` serve no HTTP: a port here exposes their /metrics (0: none).
    metrics_port: int = Field(default=0, ge=0, le=65535)
    # Where that port listens: loopback unless a scraper elsewhere needs it (e.g. 0.0.0.0).
    metrics_host: str = "127.0.0.1"
    # Control-scale ingest (MQTT); credentials may ride in the URL: mqtt://user:pass@host:port.
    mqtt_client_id: str = "metrology-ingest"
    # mqtts:// URLs: the CA that signed the broker's certificate (empty: the system's CAs).
    mqtt_ca_file: Path | None = None
    mqtt_share_group: str = Field(default="", description="Shared subscription group; empty: none")
    mqtt_session_expiry_s: int = 7 * 24 * 3600
    # Keep Receive Maximum 3–4 × the batch: the broker must not stop sending while one commits.
    mqtt_receive_maximum: int = 20000
    ingest_batch_size: int = 5000
    ingest_batch_ms: int = 100
    # paho receive path: "auto" uses devices.ingest.IngestClient on the paho versions it is
    # tested against and stock paho's public API otherwise; "fast" / "stock" force one.
    ingest_receive_path: Literal["auto", "fast", "stock"] = "auto"
    # Publish end-to-end acks (metrology/v1/{device}/ack) after each commit.
    ingest_end_to_end_ack: bool = True
    dead_letter_max_bytes: int = 2048
    device_offline_minutes: int = 15
    # How often the scheduler's liveness job marks silent scales offline and raises the
    # offline / out-of-tolerance notices (the daily scan no longer waits for them).
    liveness_interval_minutes: int = Field(default=2, ge=1, le=60)
    # Deprecated: the permitted shortfall is a rulebook table (`metrology-svc rules load`); the
    # ingest ignores this path, only the demo planner still reads it.
    shortfall_table_path: Path | None = None
    # Evidence: the suspect threshold (shortfalls within a window of days).
    suspect_shortfalls: int = 3
    suspect_window_days: int = 30
    feed_poll_seconds: float = 1.0
    # Schedules and notices: reminder offsets (days before the due date) are data, not code.
    notice_offsets_days: list[int] = Field(default_factory=lambda: [30, 7, 0])
    notice_escalate_after_days: int = 14
    notice_failed_lookback_days: int = 30
    notice_link_secret: str = Field(default="", description="Empty: a key file in stamp_key_dir")
    # Deprecated and unused: documents name their issuing body by level (issuing_body_*).
    notice_authority_vi: str = "CHI CỤC TIÊU CHUẨN ĐO LƯỜNG CHẤT LƯỢNG"
    # The issuing body of reports and letters follows the level (Decree 30/2020: the parent
    # body over the issuing body). {place} is a unit's type and name, e.g. "tỉnh Hà Tĩnh",
    # "phường Sông Trí", "đặc khu Phú Quốc". A province's body is printed under its parent
    # line; its full name is the body followed by the place ("Sở Khoa học và Công nghệ tỉnh
    # Hà Tĩnh"). A commune issues in its own name ("Ủy ban nhân dân phường Sông Trí").
    issuing_body_province: str = "Sở Khoa học và Công nghệ"
    issuing_body_province_parent: str = "UBND {place}"
    issuing_body_province_en: str = "Department of Science and Technology, {place}"
    issuing_body_commune: str = "Ủy ban nhân dân {place}"
    issuing_body_commune_en: str = "People's Committee of {place}"
    # Who signs notice letters: the province's office, or the people's committee of the
    # site's commune (its current unit).
    notice_issuer_level: Literal["province", "commune"] = "province"
    # Official documents (Decree 30/2020/NĐ-CP): the signature block (authority, position, name)
    # and the issuer's abbreviation in the number ("Số: 12/TB-SKHCN"). An empty authority and
    # position mean the issuing level's own ("GIÁM ĐỐC"; "TM. ỦY BAN NHÂN DÂN" over "CHỦ TỊCH");
    # an empty abbreviation means the body's initials; "Lưu:" names where the copy is filed.
    document_signer_authority: str = ""  # e.g. "KT. GIÁM ĐỐC"
    document_signer_position: str = ""  # e.g. "PHÓ GIÁM ĐỐC"
    document_signer_name: str = ""
    document_issuer_abbreviation: str = ""  # e.g. "SKHCN"
    document_archive: str = "VT"  # văn thư
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_from: str = "thongbao@tdc.example.vn"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    # Notice recipients. A notice nobody is set up to receive (the owner has no channel, no
    # officer covers the site) goes to the office: by e-mail to notice_office_email, or when
    # it is empty as a printed letter in data_dir/letters (nothing is lost to an address that
    # may not exist); the ledger and a gauge show it as "no recipient configured". Each due
    # scan queues the open notices of the last notice_requeue_days to recipients set up since.
    # E-mails say From: "<smtp_from_name>" <smtp_from>.
    notice_office_email: str = Field(default="", max_length=200)
    notice_requeue_days: int = Field(default=30, ge=0, le=366)
    smtp_from_name: str = Field(default="Chi cục Tiêu chuẩn Đo lường Chất lượng", max_length=200)
    channel_timeout_s: float = 10.0
    scheduler_due_scan_hour: int = 1
    scheduler_dispatch_seconds: int = 60
    scheduler_leader_retry_seconds: float = 5.0
    scheduler_misfire_grace_hours: int = 6
    # Notice dispatch: waits (minutes) after attempts 1, 2, … of a channel, about 70 h in all,
    # each stretched by ±jitter; after the last attempt on e-mail, webhook or MQTT the notice
    # falls back to a printed letter. A claim's lease outlives a batch's slowest attempts; a
    # dispatcher that dies leaves it to expire. Workers in all; at most per_host at once to one
    # host (one hanging mail server holds only that many).
    notice_retry_schedule_minutes: list[int] = Field(
        default_factory=lambda: [1, 5, 15, 60, 180, 360, 720, 1440, 1440]
    )
    notice_retry_jitter: float = Field(default=0.2, ge=0, le=0.9)
    notice_claim_lease_seconds: float = 300.0
    notice_claim_batch: int = 200
    notice_dispatch_workers: int = Field(default=16, ge=1)
    notice_per_host: int = Field(default=4, ge=1)
    # Mail to these recipient domains goes through another SMTP server ("host:port"), e.g. a
    # ministry's own relay; each server is a host of its own for the limit above.
    notice_smtp_routes: dict[str, str] = Field(default_factory=dict)
    # Notice links and webhooks: an acknowledgement link opens a page (only its button
    # acknowledges) and expires after this many days. Webhooks reach public addresses only,
    # unless the resolved address is in one of these networks (CIDRs, e.g. "127.0.0.1/32").
    notice_ack_link_days: int = Field(default=60, ge=1, le=3650)
    notice_webhook_allow_networks: list[str] = Field(default_factory=list)
    # Webhook secrets are stored encrypted (Fernet) under this key, never in the database: empty
    # means a key file `secrets.key` in stamp_key_dir. Rotation: "new-key,old-key" (the first
    # seals, every key opens; `metrology-svc db upgrade` re-seals under the first).
    secrets_key: str = Field(default="", repr=False)

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _forwarded(cls, value: str) -> str:
        """Refuse at start an entry that is neither an address, a network nor "*"."""
        for item in (part.strip() for part in value.split(",")):
            if item and item != "*" and not item.startswith("unix:"):
                ipaddress.ip_network(item, strict=False)  # ValueError names the entry
        return value.strip()

    @field_validator("metrics_token")
    @classmethod
    def _metrics_token(cls, value: str) -> str:
        """Refuse a metrics token short enough to guess."""
        if value and len(value) < 24:
            raise ValueError("metrics_token needs at least 24 characters (or none)")
        return value

    @field_validator("secrets_key")
    @classmethod
    def _secrets_key(cls, value: str) -> str:
        """Refuse at start a key that is not a Fernet key (32 url-safe base64 bytes)."""
        for key in (part.strip() for part in value.split(",")):
            if key and len(base64.urlsafe_b64decode(key.encode() + b"===")) != 32:
                raise ValueError("secrets_key: each key is 32 url-safe base64 bytes (Fernet)")
        return value.strip()

    @field_validator("notice_webhook_allow_networks")
    @classmethod
    def _allow_networks(cls, value: list[str]) -> list[str]:
        """Refuse at start an entry that is not a network, rather than at the first webhook."""
        for cidr in value:
            ipaddress.ip_network(cidr.strip(), strict=False)  # ValueError names the entry
        return value

    # Stamps: serial "{issuer}-{yy}-{seq:06d}" (e.g. YB-26-000123), signing keys, public checks.
    stamp_issuer_code: str = "YB"
    stamp_issuer_name: str = "Chi cục TĐC Hà Tĩnh"
    stamp_serial_pattern: str = "{issuer}-{yy}-{seq:06d}"
    stamp_signing_key: Path | None = Field(default=None, description="PEM Ed25519 key to sign with")
    stamp_signing_key_id: int = Field(default=1, ge=1, le=255)
    stamp_expiring_days: int = 30
    stamp_verify_rate_per_s: float = 2.0
    stamp_verify_burst: int = 30
    stamp_scan_flush_seconds: float = Field(default=0.25, description="0: write each scan at once")
    stamp_scan_buffer_max: int = 100_000
    stamp_clone_distance_km: float = 20.0

    def resolved_database_url(self) -> str:
        """Return the database URL, defaulting to the SQLite file in data_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'metrology.db').as_posix()}"


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings (cached; tests clear the cache)."""
    return Settings()
