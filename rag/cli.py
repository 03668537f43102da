"""The `isnad` command: a thin layer over the Python API (rag.Retriever, rag.index.indexer)."""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path

import click

from rag.config import Settings
from rag.errors import IsnadError


INDEX_HELP = ("Where the index is: a folder (default .isnad/index), milvus:PATH (Milvus Lite, in-process) "
              "or milvus+http://HOST:19530 (a Milvus server or cluster).")


def _settings(**overrides) -> Settings:
    return Settings.from_env(**overrides)


class _FriendlyGroup(click.Group):
    """Turns library errors into one-line messages instead of tracebacks."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except IsnadError as error:
            raise click.ClickException(str(error)) from None


@click.group(cls=_FriendlyGroup)
@click.option("-v", "--verbose", is_flag=True, help="Show progress logs.")
def main(verbose: bool) -> None:
    """isnad: ask questions about Arabic and English news, with cited sources."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s")
    warnings.filterwarnings("ignore", category=DeprecationWarning)


@main.command("index")
@click.option("--corpus", "corpus_paths", multiple=True, type=click.Path(path_type=Path),
              help="Folder or file to index (repeatable). Default: corpus/")
@click.option("--index", "index", help=INDEX_HELP)
@click.option("--model", help="Embedding model: embeddinggemma-300m (default), use-multilingual (light) "
                               "or a sentence-transformers name.")
@click.option("--verify", is_flag=True, help="Only check the index's files against their checksums and report.")
@click.option("--add", is_flag=True, help="Add (or replace) the documents of --corpus and keep every other "
                                          "document of the index: a large archive need not be read again.")
@click.option("--ray", "ray_address", is_flag=False, flag_value="local", default=None, metavar="[ADDRESS]",
              help="Embed on a Ray cluster: its address (auto, ray://HOST:10001), or none to start Ray on this machine.")
def index_command(corpus_paths: tuple[Path, ...], index: str | None, model: str | None, verify: bool, add: bool,
                  ray_address: str | None) -> None:
    """Index the corpus; re-runs embed only new or changed documents (and whatever is damaged), and
    a build that was killed resumes from the vectors it had saved."""
    from rag.index.indexer import index_corpus

    settings = _settings(index=index, embedding_model=model, corpus_paths=tuple(corpus_paths) or None)
    if verify:
        _report_health(settings.index)
        return
    ray = None if ray_address is None else "" if ray_address == "local" else ray_address
    if add and not corpus_paths:
        raise click.UsageError("--add needs the files to add: --corpus PATH")
    loaded, report = index_corpus(settings, progress_bar=True, ray_address=ray, add=add)
    for line in loaded.warnings + loaded.duplicates:
        click.echo(f"warning: {line}", err=True)
    if report.resumed_texts:
        click.echo(f"resumed: {report.resumed_texts} texts' vectors came from the build that was stopped", err=True)
    if report.rebuilt_because:
        click.echo(f"rebuilt from scratch: {report.rebuilt_because}", err=True)
    read = len(report.added) + len(report.updated) + len(report.unchanged)
    click.echo(f"indexed {read} documents into {settings.index} "
               f"({len(report.added)} added, {len(report.updated)} updated, {len(report.removed)} removed, "
               f"{len(report.unchanged)} unchanged; {report.embedded_chunks} of {report.chunks} chunks embedded; "
               f"vector search: {report.vector_index}; {report.seconds:.1f}s)")


def _report_health(index: str) -> None:
    from rag.index.backend import index_store

    store = index_store(index)
    files = store.verify()
    for name, state in files.items():
        click.echo(f"{name:26} {state}")
    data = store.read() if all(state == "ok" for state in files.values()) else None  # also checks consistency
    if data is None:
        raise click.ClickException(f"index at {index} is damaged; `isnad index` rebuilds it")
    summary = store.summary(data)
    click.echo(f"healthy: {len(data.documents)} documents, {summary['chunks']} chunks in {summary['segments']} "
               f"segment(s), vector search: {summary['vector_index']}, model {data.manifest['embedding_model']}")


@main.command("search")
@click.argument("query")
@click.option("--k", "k", type=click.IntRange(min=1), help="How many passages to return. Default: 5")
@click.option("--index", "index", help=INDEX_HELP)
@click.option("--model", help="Embedding model the index was built with (checked).")
@click.option("--source", multiple=True, help="Only passages from this source (repeatable).")
@click.option("--language", multiple=True, help="Only passages in this language: ar, en (repeatable).")
@click.option("--date-from", help="Only passages dated on or after YYYY-MM-DD.")
@click.option("--date-to", help="Only passages dated on or before YYYY-MM-DD.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def search_command(query: str, k: int, index: str | None, model: str | None, source: tuple[str, ...],
                   language: tuple[str, ...], date_from: str | None, date_to: str | None, as_json: bool) -> None:
    """Find the passages most relevant to QUERY (Arabic or English)."""
    from rag.search.retriever import Retriever

    settings = _settings(index=index)
    retriever = Retriever.open(settings.index, model=model, max_query_chars=settings.max_query_chars)
    filters = {"source": list(source), "language": list(language), "date_from": date_from, "date_to": date_to}
    passages = retriever.search(query, k=k or settings.default_k, filters=filters)
    if as_json:
        click.echo(json.dumps([passage.to_dict() for passage in passages], ensure_ascii=False, indent=2))
        return
    if not passages:
        click.echo("no passages match")
    for rank, passage in enumerate(passages, start=1):
        click.echo(f"[{rank}] {passage.title}  ({passage.doc_id}, score {passage.score:.3f})")
        click.echo(f"    {_snippet(passage.text)}")


@main.command("ask")
@click.argument("question")
@click.option("--llm", help="Answer backend: local (default), extractive, openai[:MODEL], ollama:MODEL.")
@click.option("--index", "index", help=INDEX_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the whole result as JSON.")
def ask_command(question: str, llm: str | None, index: str | None, as_json: bool) -> None:
    """Answer QUESTION from the corpus, citing numbered sources."""
    from rag.answer.assistant import Assistant
    from rag.answer.result import Answer

    settings = _settings(index=index, llm=llm)
    assistant = Assistant.open(settings.index, settings=settings)
    answer, drafted = None, False
    for piece in assistant.stream(question):
        if isinstance(piece, Answer):
            answer = piece
        elif not as_json:
            click.echo(piece, nl=False, err=True)  # live draft on stderr; the checked answer follows
            drafted = True
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return
    if drafted:  # the checked answer (the draft, repaired, or what replaced it) on a line of its own
        click.echo(err=True)
    click.echo(answer.text)
    for source in answer.citations:
        click.echo(f"[{source.n}] {source.title} ({source.doc_id})\n    «{source.quote}»")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (127.0.0.1: this machine only).")
@click.option("--port", default=7860, show_default=True)
@click.option("--index", "index", help=INDEX_HELP)
@click.option("--llm", help="Default answer mode: local, extractive, openai[:MODEL].")
def serve_command(host: str, port: int, index: str | None, llm: str | None) -> None:
    """Start the web chat; indexes the corpus first if there is no index yet."""
    from rag.index.indexer import index_corpus
    from rag.index.backend import index_store
    from ui.app import serve

    settings = _settings(index=index, llm=llm)
    if not index_store(settings.index).exists():
        click.echo(f"no index at {settings.index}: indexing {', '.join(map(str, settings.corpus_paths))}")
        index_corpus(settings)
    click.echo(f"isnad chat on http://{host}:{port}")
    serve(settings, host, port)


@main.command("setup")
def setup_command() -> None:
    """Install the offline models: the embedding model (verified, exported to ONNX) and the
    language model (llama.cpp build + verified GGUF)."""
    from embeddings import embeddinggemma
    from rag.answer.llm.local_model import install_local_model

    home = _settings().home
    embeddinggemma.install(home, log=click.echo)
    install_local_model(home, log=click.echo)


def _snippet(text: str, limit: int = 240) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0] + " …"


def _add_eval_commands() -> None:
    from eval.cli import eval_group

    main.add_command(eval_group)


_add_eval_commands()

if __name__ == "__main__":
    main()
