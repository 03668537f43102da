"""Write a run's files: results.jsonl, report.json, report.md and a self-contained report.html."""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any

HEADLINE = ["recall@1", "recall@5", "mrr", "ndcg@10", "f1", "exact_match", "fact_recall", "citation_precision",
            "citation_recall", "gold_sources_cited", "refusal_accuracy", "false_refusal_rate",
            "latency_p50", "latency_p95"]


def write_reports(out_dir: Path, results: list[dict[str, Any]], report: dict[str, Any]) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / name for name in ("results.jsonl", "report.json", "report.md", "report.html")]
    paths[0].write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in results), "utf-8")
    paths[1].write_text(json.dumps(report, ensure_ascii=False, indent=1), "utf-8")
    paths[2].write_text(markdown(report), "utf-8")
    paths[3].write_text(html_page(report, results), "utf-8")
    return paths


def _value(value: Any) -> str:
    return "—" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def metric_rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(key, _value(report.get(key))) for key in HEADLINE if key in report]


def markdown(report: dict[str, Any]) -> str:
    lines = ["# isnad evaluation", "", f"Config: `{json.dumps(report['config'], ensure_ascii=False)}`",
             f"Questions: {report['counts']}", "", "| metric | value |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in metric_rows(report)]
    lines += ["", "## By language", "", "| language | " + " | ".join(HEADLINE[:10]) + " |",
              "|---" * 11 + "|"]
    for language, values in report["by_language"].items():
        lines.append(f"| {language} | " + " | ".join(_value(values.get(k)) for k in HEADLINE[:10]) + " |")
    lines += ["", "## Where it failed", ""]
    lines += [f"- `{f['id']}` {f['reason']}: {f['question']}" for f in report["failures"]] or ["- nothing"]
    return "\n".join(lines) + "\n"


def html_page(report: dict[str, Any], results: list[dict[str, Any]]) -> str:
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{v}</td></tr>" for k, v in metric_rows(report))
    fails = "".join(f"<tr><td>{html.escape(f['id'])}</td><td>{html.escape(f['reason'])}</td>"
                    f"<td dir='auto'>{html.escape(f['question'])}</td><td dir='auto'>{html.escape(f['answer'])}</td></tr>"
                    for f in report["failures"])
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>isnad evaluation</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto}}td,th{{border:1px solid #ccc;padding:4px 8px}}
table{{border-collapse:collapse}}img{{max-width:100%}}</style></head><body>
<h1>isnad evaluation</h1><p><code>{html.escape(json.dumps(report['config'], ensure_ascii=False))}</code></p>
<h2>Metrics</h2><table>{rows}</table>
<h2>By language</h2><img alt="metrics by language" src="data:image/png;base64,{_language_plot(report)}">
<h2>Latency</h2><img alt="latency distribution" src="data:image/png;base64,{_latency_plot(results)}">
<h2>Where it failed</h2><table><tr><th>id</th><th>reason</th><th>question</th><th>answer</th></tr>{fails}</table>
</body></html>"""


def _figure_png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _language_plot(report: dict[str, Any]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = ["recall@1", "recall@5", "f1", "fact_recall", "citation_precision", "refusal"]
    languages = list(report["by_language"])
    figure, axis = plt.subplots(figsize=(9, 3.5))
    width = 0.8 / max(len(languages), 1)
    for i, language in enumerate(languages):
        values = [report["by_language"][language].get(k) or 0 for k in keys]
        axis.bar([x + i * width for x in range(len(keys))], values, width, label=language)
    axis.set_xticks([x + width * (len(languages) - 1) / 2 for x in range(len(keys))], keys)
    axis.set_ylim(0, 1)
    axis.legend()
    try:
        return _figure_png(figure)
    finally:
        plt.close(figure)


def _latency_plot(results: list[dict[str, Any]]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(9, 3))
    axis.hist([r["latency"] for r in results], bins=20)
    axis.set_xlabel("seconds per answer")
    axis.set_ylabel("questions")
    try:
        return _figure_png(figure)
    finally:
        plt.close(figure)
