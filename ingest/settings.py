"""The one settings object of callmine (environment prefix ``CALLMINE_``).

Nothing else in callmine reads ``os.environ``. Every model path is a setting so users can
point at larger models they have; by default models come from installed packages.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_cache() -> Path:
    return Path.home() / ".cache" / "callmine"


class Settings(BaseSettings):
    """callmine settings; each field can be set as ``CALLMINE_<NAME>`` in the environment.

    Example:
        >>> Settings(workspace="ws", whisper_model="tiny.en").whisper_model
        'tiny.en'
    """

    model_config = SettingsConfigDict(env_prefix="CALLMINE_", extra="ignore")

    workspace: Path = Field(Path("callmine-workspace"), description="Workspace folder.")
    model_cache: Path = Field(default_factory=_default_cache, description="Assembled models.")

    # Speech
    whisper_model: str = Field(
        "base", description="'base', 'tiny.en', or the path of a CTranslate2 Whisper model folder."
    )
    beam_size: int = Field(5, ge=1, le=10)
    whisper_batch_size: int = Field(
        4, ge=1, description="Batched inference when > 1 (the main speed lever on CPU)."
    )
    cpu_threads: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1), ge=1)
    vad: bool = True
    language: str | None = Field(None, description="Force a language code; None detects it.")
    rep_channel: int | None = Field(
        0, description="Which channel of a stereo call is the rep (0 or 1); None: unknown."
    )
    channel_roles: list[str] | None = Field(
        None, description="Speaker names for channel 0 and 1, e.g. ['Rep', 'Buyer']."
    )

    diarize: bool = Field(
        True, description="Find the speakers of mono recordings by voice (stereo calls keep "
        "one speaker per channel).")
    diarize_speakers: int | None = Field(
        None, ge=1, le=10, description="Fix the number of speakers of a mono call; None: "
        "found between diarize_min_speakers and diarize_max_speakers.")
    diarize_min_speakers: int = Field(2, ge=1, le=10)
    diarize_max_speakers: int = Field(6, ge=2, le=10)
    speaker_model: Path | None = Field(
        None, description="GE2E voice encoder checkpoint; default: the resemblyzer package's.")

    workers: int = Field(1, ge=1, description="Processes transcribing calls in parallel.")
    dask_scheduler: str | None = Field(
        None, description="tcp://host:8786 of a Dask scheduler to transcribe on, or 'local'."
    )

    # Embeddings and vector store
    embedding_model: Path | None = Field(
        None, description="sentence-transformers model folder; default: the bundled MiniLM."
    )
    embedding_batch_size: int = Field(64, ge=1)
    chroma_url: str | None = Field(
        None, description="http://host:port of a Chroma server (`chroma run`); None: embedded."
    )

    # Optional LLM (any langchain chat model, 'provider:model')
    llm: str | None = Field(None, description="e.g. 'ollama:llama3.1' or 'openai:gpt-4o-mini'.")

    # Privacy
    redact: bool = Field(False, description="Remove emails, phone and card numbers on ingest.")
    redact_region: str = Field(
        "US", min_length=2, max_length=2,
        description="Region of phone numbers written without a country code (for redaction).")

    # Serving
    demo_dir: Path | None = Field(None, description="Demo data folder; default: the bundled one.")
    auth: str | None = Field(None, description="'user:password' for the UI off loopback.")
    allowed_hosts: str | None = Field(
        None, description="Host names the app answers to, comma-separated (a reverse proxy's "
        "name); default: the bound address and, on loopback, localhost.")

    # Sharing
    slack_webhook: SecretStr | None = Field(
        None, description="A Slack incoming-webhook URL that `callmine digest` (and the app's "
        "Digest tab) posts the weekly digest to. A secret: never printed or logged.")

    @field_validator("rep_channel")
    @classmethod
    def _check_channel(cls, value: int | None) -> int | None:
        if value not in (None, 0, 1):
            raise ValueError(f"rep_channel must be 0, 1 or empty, got {value!r}")
        return value

    @field_validator("channel_roles")
    @classmethod
    def _check_roles(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(value) != 2:
            raise ValueError(f"channel_roles needs two names (channel 0, channel 1), got {value!r}")
        return value


def offline_environment() -> None:
    """Keep the model libraries off the network: callmine never downloads at run time."""
    for key, value in {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "ANONYMIZED_TELEMETRY": "False",
        "TOKENIZERS_PARALLELISM": "false",
    }.items():
        os.environ.setdefault(key, value)
