"""The warehouse schema. Each table states its grain; `etl` is the only writer, the dashboard only reads.

Layers, as in a dbt project: dimensions (reference facts), the submission log (files, runs, findings,
versions), facts (the reported values of one submission) and marts (derived, what the dashboard reads).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# --- dimensions -------------------------------------------------------------------------------------

municipality = Table(
    "dim_municipality", metadata,
    Column("code", String(6), primary_key=True),
    Column("name", String(80), nullable=False),
    Column("veiligheidsregio", String(80), nullable=False),
    Column("police_district", String(80)),
    Column("safety_house", String(120)),
    Column("in_region", Boolean, nullable=False),
    Column("population", Integer, nullable=False),
    Column("population_source", String(200), nullable=False),
    Column("population_date", Date, nullable=False),
    Column("size_class", String(20), nullable=False),
    comment="One row per gemeente of the province (CBS code); in_region marks the NHSV gemeenten.",
)

quarter = Table(
    "dim_quarter", metadata,
    Column("code", String(6), primary_key=True),  # 2026Q3
    Column("year", Integer, nullable=False),
    Column("number", Integer, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("position", Integer, nullable=False, unique=True),  # year*4+number-1: consecutive quarters differ by 1
    comment="One row per calendar quarter.",
)

theme = Table(
    "dim_theme", metadata,
    Column("code", String(4), primary_key=True),
    Column("name", String(80), nullable=False),
    Column("position", Integer, nullable=False),
    comment="One row per theme of the checklist.",
)

block = Table(
    "dim_block", metadata,
    Column("checklist_version", Integer, primary_key=True),
    Column("code", String(4), primary_key=True),
    Column("theme_code", String(4), ForeignKey("dim_theme.code"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("label", Text, nullable=False),
    Column("description", Text, nullable=False),
    comment="One row per building block per checklist version.",
)

# --- the submission log -----------------------------------------------------------------------------

load_run = Table(
    "load_run", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("actor", String(200), nullable=False),
    Column("channel", String(20), nullable=False),  # cli, demo, upload
    Column("files_offered", Integer, nullable=False, default=0),
    Column("files_loaded", Integer, nullable=False, default=0),
    Column("files_already_loaded", Integer, nullable=False, default=0),
    Column("files_rejected", Integer, nullable=False, default=0),
    Column("rows_offered", Integer, nullable=False, default=0),
    Column("rows_loaded", Integer, nullable=False, default=0),
    Column("rows_rejected", Integer, nullable=False, default=0),
    # running, finished or interrupted. A loader that is killed cannot write "interrupted": its run stays
    # "running" until the next load, which holds the load lock and so knows that no run is still going, marks it.
    Column("status", String(20), CheckConstraint("status IN ('running','finished','interrupted')", name="status"),
           nullable=False, server_default="running"),
    CheckConstraint("rows_offered = rows_loaded + rows_rejected", name="rows_add_up"),
    comment="One row per invocation of the loader (a CLI call, a demo, an upload).",
)

source_file = Table(
    "source_file", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("load_run.id"), nullable=False),
    Column("file_name", String(400), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("outcome", String(20), nullable=False),  # loaded, already_loaded, rejected, error
    Column("rows_offered", Integer, nullable=False),
    Column("rows_loaded", Integer, nullable=False),
    Column("rows_rejected", Integer, nullable=False),
    CheckConstraint("outcome IN ('loaded','already_loaded','rejected','error')", name="outcome"),
    CheckConstraint("rows_offered = rows_loaded + rows_rejected", name="rows_add_up"),
    Index("ix_source_file_sha256", "sha256"),
    comment="One row per file offered to the loader, also when rejected or already loaded.",
)

finding = Table(
    "finding", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("load_run.id"), nullable=False),
    Column("file_id", Integer, ForeignKey("source_file.id"), nullable=False),
    Column("municipality_code", String(6)),
    Column("quarter", String(6)),
    Column("severity", String(10), nullable=False),  # fatal, warning
    Column("rule", String(40), nullable=False),
    Column("place", String(120), nullable=False),
    Column("message", Text, nullable=False),
    CheckConstraint("severity IN ('fatal','warning')", name="severity"),
    comment="One row per validation finding of a file offered.",
)

submission = Table(
    "submission", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("file_id", Integer, ForeignKey("source_file.id"), nullable=False),
    Column("run_id", Integer, ForeignKey("load_run.id"), nullable=False),
    Column("municipality_code", String(6), ForeignKey("dim_municipality.code"), nullable=False),
    Column("quarter", String(6), ForeignKey("dim_quarter.code"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", String(12), nullable=False),  # active, superseded, rejected
    Column("checklist_version", Integer, nullable=False),
    Column("template_version", Integer),
    Column("filled_in_on", Date),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    CheckConstraint("status IN ('active','superseded','rejected')", name="status"),
    UniqueConstraint("municipality_code", "quarter", "version", name="uq_submission_version"),
    Index("ix_submission_active", "quarter", "status", "municipality_code"),
    comment="One row per version of a (gemeente, quarter) submission; at most one is active.",
)

# --- facts: what one submission reported -------------------------------------------------------------

block_status = Table(
    "fact_block_status", metadata,
    Column("submission_id", Integer, ForeignKey("submission.id"), primary_key=True),
    Column("block_code", String(4), primary_key=True),
    Column("status", Integer, nullable=False),
    Column("explanation", Text),
    CheckConstraint("status BETWEEN 0 AND 3", name="status_range"),
    comment="One row per submission per building block.",
)

resources = Table(
    "fact_resources", metadata,
    Column("submission_id", Integer, ForeignKey("submission.id"), primary_key=True),
    Column("capacity_fte", Float, nullable=False),
    Column("budget_approach_eur", Float, nullable=False),
    Column("budget_interventions_eur", Float, nullable=False),
    Column("staff_trained", Integer, nullable=False),
    Column("last_training_on", Date),
    Column("interventions_active", Integer, nullable=False),
    comment="One row per submission: capacity and money.",
)

signals = Table(
    "fact_signals", metadata,
    Column("submission_id", Integer, ForeignKey("submission.id"), primary_key=True),
    Column("radicalisation", Integer, nullable=False),
    Column("polarisation", Integer, nullable=False),
    Column("from_citizens", Integer, nullable=False),
    Column("from_professionals", Integer, nullable=False),
    Column("to_safety_house", Integer, nullable=False),
    CheckConstraint("radicalisation + polarisation = from_citizens + from_professionals", name="totals_match"),
    CheckConstraint("to_safety_house <= radicalisation + polarisation", name="zvh_within_total"),
    comment="One row per submission: counts of signals (meldingen) in the quarter.",
)

network = Table(
    "fact_network", metadata,
    Column("submission_id", Integer, ForeignKey("submission.id"), primary_key=True),
    Column("partner", String(30), primary_key=True),
    Column("connected", Boolean, nullable=False),
    comment="One row per submission per partner type of the signalling network.",
)

# --- marts: what the dashboard reads -----------------------------------------------------------------

THEME_CODES = ("LA", "KE", "MM", "SS", "PR")

municipality_quarter = Table(
    "mart_municipality_quarter", metadata,
    Column("municipality_code", String(6), ForeignKey("dim_municipality.code"), primary_key=True),
    Column("quarter", String(6), ForeignKey("dim_quarter.code"), primary_key=True),
    Column("submission_id", Integer, ForeignKey("submission.id")),  # null: niet aangeleverd
    Column("submitted", Boolean, nullable=False),
    Column("population", Integer, nullable=False),
    Column("size_class", String(20), nullable=False),
    Column("police_district", String(80)),
    Column("score", Float),
    *[Column(f"score_{t.lower()}", Float) for t in THEME_CODES],
    Column("blocks_in_order", Integer),
    Column("capacity_fte", Float),
    Column("fte_per_100k", Float),
    Column("budget_approach_eur", Float),
    Column("budget_interventions_eur", Float),
    Column("budget_per_1000", Float),
    Column("staff_trained", Integer),
    Column("interventions_active", Integer),
    Column("signals_total", Integer),
    Column("signals_radicalisation", Integer),
    Column("signals_polarisation", Integer),
    Column("signals_from_citizens", Integer),
    Column("signals_from_professionals", Integer),
    Column("signals_to_safety_house", Integer),
    Column("signals_per_10k", Float),
    Column("share_to_safety_house", Float),
    Column("network_partners", Integer),
    Column("network_coverage", Float),
    Column("score_change", Float),
    Column("blocks_in_order_change", Integer),
    Column("regressions", Integer),
    Column("loaded_at", DateTime(timezone=True)),
    Index("ix_mart_municipality_quarter_by_quarter", "quarter", "municipality_code"),  # a quarter's rows
    comment="One row per NHSV gemeente per quarter from the first loaded quarter on, with every measure of "
            "DOMAIN.md section 4; measures are null where nothing was submitted.",
)

block_quarter = Table(
    "mart_block_quarter", metadata,
    Column("municipality_code", String(6), ForeignKey("dim_municipality.code"), primary_key=True),
    Column("quarter", String(6), ForeignKey("dim_quarter.code"), primary_key=True),
    Column("block_code", String(4), primary_key=True),
    Column("status", Integer, nullable=False),
    Column("previous_status", Integer),
    Column("explanation", Text),
    Index("ix_mart_block_quarter_by_quarter", "quarter", "municipality_code"),  # a quarter's rows
    comment="One row per gemeente per quarter per building block of its active submission, with the "
            "status of the quarter before (regression: status < previous_status).",
)

# --- access (users, sessions, throttling, audit) ---------------------------------------------------

user = Table(
    "app_user", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("municipality_code", String(6), ForeignKey("dim_municipality.code")),
    Column("active", Boolean, nullable=False, default=True),
    Column("password_hash", String(200), nullable=False),
    Column("session_version", Integer, nullable=False, default=1),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_login_at", DateTime(timezone=True)),
    # TOTP second factor: the base32 secret (set while enrolling, confirmed when totp_enabled_at is set) and the
    # last time step a code was accepted for, so that a code works once.
    Column("totp_secret", String(64)),
    Column("totp_enabled_at", DateTime(timezone=True)),
    Column("totp_last_step", Integer),
    # the interface language the user chose (?lang= or the switch in the header); NULL: none chosen, Dutch
    Column("language", String(5), CheckConstraint("language IN ('nl','en')", name="language")),
    CheckConstraint("role IN ('coordinator','gemeente','admin')", name="role"),
    CheckConstraint("(role = 'gemeente') = (municipality_code IS NOT NULL)", name="gemeente_has_code"),
    comment="One row per person who may log in.",
)

user_session = Table(
    "user_session", metadata,
    Column("id", String(64), primary_key=True),  # random token carried in the signed cookie
    Column("user_id", Integer, ForeignKey("app_user.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
    comment="One row per login; a session is valid only while this row says so (shared by all workers).",
)

login_throttle = Table(
    "login_throttle", metadata,
    # HMAC-SHA256 (keyed with NHSV_SECRET_KEY) of what is counted: an account's e-mail address, a client address
    # (IPv6 by /64) or a browser's device cookie. Nothing typed into the login form is stored in the clear.
    Column("key", String(64), primary_key=True),
    Column("attempts", Integer, nullable=False),  # password checks counted since the count last started
    Column("next_at", DateTime(timezone=True), nullable=False),  # no password check for this key before this
    Column("seen_at", DateTime(timezone=True), nullable=False),  # the last counted check
    comment="One row per account, client address or browser whose failed logins are being counted, for "
            "progressive login delays shared by all server processes.",
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),  # UTC
    Column("actor", String(254)),
    Column("event", String(40), nullable=False),
    Column("detail", Text),
    Column("address", String(64)),
    comment="One row per security-relevant event (logins, logouts, user changes, exports, uploads).",
)

recovery_code = Table(
    "recovery_code", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("app_user.id"), nullable=False),
    Column("code_hash", String(200), nullable=False),  # argon2id; the code itself is shown once
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
    Index("ix_recovery_code_user_id", "user_id"),
    comment="One row per recovery code of a user's second factor (ten at a time); a used code stays, marked.",
)

account_token = Table(
    "account_token", metadata,
    Column("id", String(64), primary_key=True),  # SHA-256 of the random token in the link; the link is only mailed
    Column("user_id", Integer, ForeignKey("app_user.id"), nullable=False),
    Column("purpose", String(20), nullable=False),  # invitation, reset
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
    Column("created_by", String(254)),
    CheckConstraint("purpose IN ('invitation','reset')", name="purpose"),
    Index("ix_account_token_user_id", "user_id"),
    comment="One row per invitation or password-reset link; it works once, before it expires.",
)

mail_opt_out = Table(
    "mail_opt_out", metadata,
    Column("user_id", Integer, ForeignKey("app_user.id"), primary_key=True),
    Column("kind", String(30), primary_key=True),
    comment="One row per user per kind of notification the user switched off (Mijn account).",
)

notification = Table(
    "notification", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(30), nullable=False),
    Column("quarter", String(6), nullable=False),
    Column("user_id", Integer, ForeignKey("app_user.id"), nullable=False),
    Column("ref", String(40), nullable=False),  # what within the quarter, e.g. the rejected file; '' when nothing
    Column("recipient", String(254), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("kind", "quarter", "user_id", "ref", name="uq_notification_once"),
    comment="One row per notification mail sent by nhsv notify: the unique key makes each one go out once.",
)

introduction_request = Table(
    "introduction_request", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("app_user.id"), nullable=False),
    Column("municipality_code", String(6), ForeignKey("dim_municipality.code"), nullable=False),
    Column("quarter", String(6), nullable=False),
    Column("block_code", String(4), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("handled_at", DateTime(timezone=True)),
    Column("handled_by", String(254)),
    comment="One row per request of a gemeente user to be introduced to gemeenten that have a block in order.",
)

ACCESS_TABLES = (user, user_session, login_throttle, audit_log, recovery_code, account_token, mail_opt_out,
                 notification, introduction_request)
