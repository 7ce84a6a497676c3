"""The optional LLM backend: any OpenAI-compatible chat-completions server."""

from bot.llm.client import Completion, LLMClient, LLMError, LLMTimeout, LLMUnusable, estimate_tokens, make_http_client

__all__ = [
    "Completion",
    "LLMClient",
    "LLMError",
    "LLMTimeout",
    "LLMUnusable",
    "estimate_tokens",
    "make_http_client",
]
