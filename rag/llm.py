"""The optional chat model of the rag stage (any langchain chat model, ``settings.llm``).

Nothing here is required: without ``CALLMINE_LLM`` answers are extractive and briefs are a
filled template. Any failure raises :class:`~ingest.errors.LLMError`; callers fall back to the
no-LLM path, log a warning and report the error.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ingest.errors import LLMError

if TYPE_CHECKING:
    from ingest.settings import Settings

log = logging.getLogger(__name__)


def chat_model(settings: Settings | None, model: Any = None) -> Any:
    """The chat model to use: ``model`` if given, else one built from ``settings.llm``, else
    ``None`` (no LLM configured).

    Raises:
        LLMError: when ``settings.llm`` names a model that cannot be created.
    """
    if model is not None:
        return model
    spec = getattr(settings, "llm", None) if settings is not None else None
    if not spec:
        return None
    try:
        from langchain.chat_models import init_chat_model

        return init_chat_model(spec)
    except Exception as exc:  # ImportError for a missing provider package, ValueError...
        raise LLMError(f"Could not create the chat model {spec!r}: {exc}. Set CALLMINE_LLM to "
                       "'provider:model' with the provider's langchain package installed, or "
                       "unset it.") from exc


def model_name(model: Any) -> str:
    return getattr(model, "model_name", None) or getattr(model, "model", None) or \
        type(model).__name__


def complete(model: Any, messages: list[tuple[str, str]]) -> str:
    """The model's text reply to chat messages.

    Raises:
        LLMError: when the model fails or answers with nothing.
    """
    try:
        reply = model.invoke(messages)
    except Exception as exc:  # network, rate limit, provider errors
        raise LLMError(f"{model_name(model)} failed: {type(exc).__name__}: {exc}") from exc
    content = reply.content if hasattr(reply, "content") else reply
    if isinstance(content, list):  # content blocks
        content = "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
    text = str(content or "").strip()
    if not text:
        raise LLMError(f"{model_name(model)} answered with an empty message.")
    return text
