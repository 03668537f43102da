"""Pick a LangChain chat model by name: "local" (llama.cpp, offline default), "openai" or
"openai:MODEL" (any OpenAI-compatible endpoint: vLLM, llama.cpp server, hosted APIs),
"ollama:MODEL", or "extractive" (no model: answers are quoted from the sources)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from rag.config import Settings
from rag.errors import ModelUnavailableError
from rag.answer.llm.local_model import model_path
from rag.answer.llm.tokens import tiktoken_counter

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

BACKENDS = ("local", "extractive", "openai", "openai:MODEL", "ollama:MODEL")


@dataclass
class ChatBackend:
    name: str
    model: "BaseChatModel | None"
    count_tokens: Callable[[str], int]


def load_backend(name: str, settings: Settings) -> ChatBackend:
    if name == "extractive":
        return ChatBackend(name, None, tiktoken_counter())
    if name == "local":
        return _local(settings)
    if name == "openai" or name.startswith("openai:"):
        return _openai(name, settings)
    if name.startswith("ollama:"):
        from langchain_ollama import ChatOllama

        model = ChatOllama(model=name.split(":", 1)[1], base_url=settings.ollama_base_url, temperature=0,
                           num_predict=settings.llm_max_answer_tokens)
        return ChatBackend(name, model, tiktoken_counter())
    raise ModelUnavailableError(f"unknown answer backend {name!r}; choose one of {', '.join(BACKENDS)}")


def _local(settings: Settings) -> ChatBackend:
    path = model_path(settings.home)
    if not path.is_file():
        raise ModelUnavailableError(f"the local model is not installed ({path}); run `isnad setup`, "
                                    f"or answer with --llm extractive")
    try:
        from langchain_community.chat_models import ChatLlamaCpp
    except ImportError as error:
        raise ModelUnavailableError("llama-cpp-python is not installed; run `isnad setup`") from error
    model = ChatLlamaCpp(model_path=str(path), n_ctx=settings.llm_context_tokens, n_threads=2, n_batch=512,
                         temperature=0.0, max_tokens=settings.llm_max_answer_tokens, verbose=False)
    client = model.client
    return ChatBackend("local", model, lambda text: len(client.tokenize(text.encode("utf-8"), add_bos=False)))


def _openai(name: str, settings: Settings) -> ChatBackend:
    from langchain_openai import ChatOpenAI

    if not settings.openai_base_url:
        raise ModelUnavailableError("set ISNAD_OPENAI_BASE_URL (and OPENAI_API_KEY if the endpoint needs one)")
    model_name = name.split(":", 1)[1] if ":" in name else settings.openai_model
    # Local servers (vLLM, llama.cpp) accept any key; the client insists on one.
    model = ChatOpenAI(base_url=settings.openai_base_url, model=model_name, temperature=0,
                       max_tokens=settings.llm_max_answer_tokens, api_key=settings.openai_api_key or "none",
                       timeout=60, max_retries=1)
    return ChatBackend(name, model, tiktoken_counter())
