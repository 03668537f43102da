"""`isnad eval ...`: run question sets, compare runs, import public benchmarks."""

from __future__ import annotations

import time
from pathlib import Path

import click

from rag.config import Settings


@click.group("eval")
def eval_group() -> None:
    """Evaluate retrieval and answers against question sets."""


@eval_group.command("run")
@click.argument("question_set", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--index", "index", help="Index: a folder (default .isnad/index), milvus:PATH or milvus+http://HOST:PORT.")
@click.option("--llm", help="Answer backend: local (default), extractive, openai[:MODEL], ollama:MODEL.")
@click.option("--k", "k", default=5, show_default=True, help="Cut-off for recall@k.")
@click.option("--limit", type=int, help="Only the first N questions.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Output folder. Default: eval-runs/<time>")
def run_command(question_set: Path, index: str | None, llm: str | None, k: int, limit: int | None,
                out_dir: Path | None) -> None:
    """Run every question of QUESTION_SET (JSONL) and write results and reports."""
    from eval.questions import load_questions
    from eval.report import metric_rows, write_reports
    from eval.runner import EvalRun, aggregate
    from rag.answer.assistant import Assistant

    questions, errors = load_questions(question_set)
    for error in errors:
        click.echo(f"warning: skipped {error}", err=True)
    if not questions:
        raise click.ClickException(f"no usable questions in {question_set}")
    questions = questions[:limit] if limit else questions
    settings = Settings.from_env(index=index, llm=llm)
    assistant = Assistant.open(settings.index, settings=settings)
    results = EvalRun(assistant, k=k).run(questions)
    config = {"set": str(question_set), "index": str(settings.index), "llm": settings.llm, "k": k,
              "embedding_model": assistant.retriever.index.manifest["embedding_model"],
              "questions": len(questions), "skipped_lines": len(errors)}
    report = aggregate(results, config)
    out_dir = out_dir or Path("eval-runs") / time.strftime("%Y%m%d-%H%M%S")
    paths = write_reports(out_dir, results, report)
    for key, value in metric_rows(report):
        click.echo(f"{key:<22}{value}")
    click.echo(f"wrote {', '.join(str(p) for p in paths)}")


@eval_group.command("compare")
@click.argument("run_a", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("run_b", type=click.Path(exists=True, file_okay=False, path_type=Path))
def compare_command(run_a: Path, run_b: Path) -> None:
    """Which metrics moved from RUN_A to RUN_B, and which questions flipped."""
    from eval.compare import compare

    moved, flipped = compare(run_a, run_b)
    click.echo("metrics that moved:" if moved else "no metric moved")
    for key, before, after in moved:
        click.echo(f"  {key:<22}{before:.3f} -> {after:.3f} ({after - before:+.3f})")
    click.echo(f"questions that flipped: {len(flipped)}")
    for qid, direction, question in flipped:
        click.echo(f"  {direction:<7}{qid}  {question}")


@eval_group.command("import-squad")
@click.argument("squad_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--corpus-out", type=click.Path(path_type=Path), required=True, help="Folder for the passages.")
@click.option("--set-out", type=click.Path(path_type=Path), required=True, help="Question set to write (JSONL).")
def import_squad_command(squad_file: Path, corpus_out: Path, set_out: Path) -> None:
    """Turn a SQuAD-format file (ARCD, TyDi QA, XQuAD) into a corpus folder and a question set."""
    from eval.squad import import_squad

    try:
        passages, questions, merged = import_squad(squad_file, corpus_out, set_out)
    except (KeyError, ValueError) as error:
        raise click.ClickException(f"{squad_file} is not SQuAD-format JSON ({type(error).__name__}: {error})")
    click.echo(f"wrote {passages} passages to {corpus_out} ({merged} near-duplicates merged) "
               f"and {questions} questions to {set_out}")
