
from rag.config import Settings


def test_environment_then_explicit_overrides(monkeypatch):
    monkeypatch.setenv("ISNAD_INDEX", "/data/index")
    monkeypatch.setenv("ISNAD_LLM", "extractive")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    settings = Settings.from_env(llm="local", index=None)
    assert settings.index == "/data/index"   # from the environment
    assert settings.llm == "local"                      # an explicit value wins
    assert settings.openai_api_key == "sk-secret" and "sk-secret" not in repr(settings)


def test_defaults_without_environment(monkeypatch):
    for variable in ("ISNAD_INDEX", "ISNAD_LLM", "ISNAD_EMBEDDING_MODEL"):
        monkeypatch.delenv(variable, raising=False)
    settings = Settings.from_env()
    assert settings.index == ".isnad/index" and settings.embedding_model == "embeddinggemma-300m"
