"""The Gradio web chat: a thin layer over `rag.Assistant`.

    >>> from ui.app import ChatApp
    >>> ChatApp(Settings.from_env()).build().launch(server_name="127.0.0.1")

The page speaks the interface language (Arabic: right-to-left), shows a queued question its
place in line, marks a draft as a draft and the checked answer as checked, and copies plain text.
`/answer` is the API: a plain-text answer and structured citations.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterator

import gradio as gr

from rag.answer.result import Answer
from rag.answer.assistant import Assistant
from rag.config import Settings
from rag.errors import IsnadError, ModelUnavailableError, QueryError
from rag.answer.llm.backends import load_backend
from rag.search.retriever import Retriever
from rag.text import detect_language
from ui.assets import CSS, HEAD
from ui.labels import EXAMPLES, LABELS, LANGUAGE_NAMES
from ui.render import answer_html, draft_html, language_marker, sources_html, status_html, user_html
from ui.turns import ModelTurns

logger = logging.getLogger(__name__)
MODES = {"local": "local", "extractive": "extractive", "endpoint": "openai"}
EMPTY_STATE = {"history": [], "turns": [], "language": "ar"}
QUIET = {"show_progress": "hidden"}  # the chat shows its own waiting states
# Before a question is sent: the date boxes' text as typed (inputs 6 and 7 of `respond`).
TYPED_DATES = """(...values) => {
  const typed = id => document.querySelector(id + " input");
  values[6] = typed("#isnad-date-from") ? typed("#isnad-date-from").value : values[6];
  values[7] = typed("#isnad-date-to") ? typed("#isnad-date-to").value : values[7];
  return values;
}"""


@dataclass
class Waiting:
    """A question in line for the local model."""

    place: int
    waited: float


class ChatApp:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._retriever: Retriever | None = None
        self._assistants: dict[str, Assistant] = {}
        self.turns = ModelTurns()  # one local model in memory, used by one question at a time
        self._setup_lock = threading.Lock()

    # --- pipeline -------------------------------------------------------------------------
    def retriever(self) -> Retriever:
        with self._setup_lock:
            if self._retriever is None:
                self._retriever = Retriever.open(self.settings.index, max_query_chars=self.settings.max_query_chars)
            return self._retriever

    def assistant(self, mode: str) -> Assistant:
        retriever = self.retriever()
        with self._setup_lock:
            if mode not in self._assistants:
                backend = load_backend(MODES.get(mode, mode), self.settings)
                self._assistants[mode] = Assistant(retriever, backend, self.settings)
            return self._assistants[mode]

    def answer(self, question: str, history: list[dict], filters: dict, mode: str) -> Iterator[str | Answer | Waiting]:
        """The assistant's stream; a question for the local model first waits its turn (quotes-only
        and endpoint answers never wait behind it)."""
        assistant = self.assistant(mode)
        if mode != "local":
            yield from assistant.stream(question, history, filters)
            return
        for place, waited in self.turns.wait():
            yield Waiting(place, waited)
        try:
            yield from assistant.stream(question, history, filters)
        finally:
            self.turns.release()

    def api_answer(self, question: str, history: list[dict] | None = None, mode: str = "extractive",
                   filters: dict[str, Any] | None = None) -> dict[str, Any]:
        """The API: {"text": plain text with [n] markers, "citations": [...], "abstained", ...}."""
        answer = [piece for piece in self.answer(question, history or [], filters or {}, mode)
                  if isinstance(piece, Answer)][-1]
        return {**answer.to_dict(), "plain_text": answer.plain_text()}

    # --- event handlers -----------------------------------------------------------------
    def respond(self, question: str, chat: list, state: dict, mode: str, sources: list, languages: list,
                date_from: str, date_to: str, interface: str):
        question = (question or "").strip()
        if not question:
            yield gr.update(), chat, state, gr.update(), gr.update()
            return
        state = {**EMPTY_STATE, **state, "language": _interface_language(interface, question)}
        labels = LABELS[state["language"]]
        turn = len(state["turns"]) + 1
        chat = chat + [{"role": "user", "content": user_html(question, labels)},
                       {"role": "assistant", "content": status_html(labels["thinking"], pending=True)}]
        yield "", chat, state, gr.update(), language_marker(state["language"])
        problem, filters = self._filters(sources, languages, date_from, date_to, labels)
        if problem:
            chat[-1] = {"role": "assistant", "content": status_html(problem)}
            yield "", chat, state, gr.update(), gr.update()
            return
        draft = ""
        try:
            for piece in self.answer(question, state["history"], filters, mode):
                if isinstance(piece, Answer):
                    chat[-1] = {"role": "assistant", "content": answer_html(piece, turn, labels)}
                    state = {**state, "turns": state["turns"] + [(turn, piece)],
                             "history": state["history"] + [{"role": "user", "content": question},
                                                            {"role": "assistant", "content": piece.text}]}
                    continue
                if isinstance(piece, Waiting):
                    chat[-1] = {"role": "assistant", "content": status_html(
                        labels["queued"].format(place=piece.place, waited=piece.waited), pending=True)}
                else:
                    draft += piece
                    chat[-1] = {"role": "assistant", "content": draft_html(draft, labels)}
                yield "", chat, state, gr.update(), gr.update()
        except Exception as error:  # the server keeps serving; the reader sees what failed, in their language
            chat[-1] = {"role": "assistant", "content": status_html(_error_message(error, labels))}
        yield "", chat, state, sources_html(state["turns"], self._documents(), labels, state["language"]), gr.update()

    def cancelled(self, chat: list, state: dict):
        labels = LABELS[state.get("language", "ar")]
        unfinished = str(chat[-1]["content"]) if chat else ""  # searching, queued or a draft
        if "isnad-status pending" in unfinished or "isnad-draft" in unfinished:
            chat = chat[:-1] + [{"role": "assistant", "content": status_html(labels["cancelled"])}]
        return chat

    def new_chat(self, interface: str, state: dict):
        language = interface if interface in LABELS else state.get("language", "ar")
        return [], {**EMPTY_STATE, "language": language}, sources_html([], {}, LABELS[language], language)

    def relabel(self, interface: str, state: dict):
        language = interface if interface in LABELS else state.get("language", "ar")
        labels = LABELS[language]
        state = {**EMPTY_STATE, **state, "language": language}
        source_choices, language_choices = self._filter_choices()
        return (state, language_marker(language), f"## {labels['title']}",
                gr.update(label=labels["chat"]),
                gr.update(label=labels["question"], placeholder=labels["placeholder"]),
                gr.update(value=labels["send"]), gr.update(value=labels["stop"]), gr.update(value=labels["copy_all"]),
                gr.update(label=labels["examples"]), f"### {labels['sources']}",
                sources_html(state["turns"], self._documents(), labels, language),
                gr.update(value=labels["new_chat"]),
                gr.update(label=labels["interface"], info=labels["auto_note"] if interface == "auto" else None,
                          choices=_interface_choices(labels)),
                gr.update(label=labels["mode"], choices=[(labels["modes"][m], m) for m in MODES]),
                gr.update(label=labels["filters"]), gr.update(label=labels["source_filter"], choices=source_choices),
                gr.update(label=labels["language_filter"], choices=language_choices),
                gr.update(label=labels["date_from"]), gr.update(label=labels["date_to"]))

    # --- layout ---------------------------------------------------------------------------
    def build(self) -> gr.Blocks:
        labels = LABELS["ar"]
        source_choices, language_choices = self._filter_choices()
        with gr.Blocks(title="isnad") as app:
            page_language = gr.HTML(language_marker("ar"), elem_id="isnad-page-language", padding=False)
            title = gr.Markdown(f"## {labels['title']}", elem_id="isnad-title")
            state = gr.State(dict(EMPTY_STATE))
            with gr.Row(elem_id="isnad-main"):
                with gr.Column(scale=3, elem_id="isnad-chat-column"):
                    chat = gr.Chatbot(label=labels["chat"], show_label=False, elem_id="isnad-chat", height="62vh",
                                      buttons=[], sanitize_html=True, render_markdown=False, feedback_options=None)
                    with gr.Row(elem_id="isnad-ask-row"):
                        question = gr.Textbox(label=labels["question"], placeholder=labels["placeholder"],
                                              scale=5, elem_id="isnad-question", max_lines=6)
                        send = gr.Button(labels["send"], variant="primary", scale=1, elem_id="isnad-send")
                        stop = gr.Button(labels["stop"], variant="stop", scale=1, elem_id="isnad-stop")
                    examples = gr.Dataset(components=[gr.Textbox(visible=False)], samples=[[e] for e in EXAMPLES],
                                          label=labels["examples"], type="values", elem_id="isnad-examples")
                    copy_all = gr.Button(labels["copy_all"], size="sm", elem_id="isnad-copy-all")
                with gr.Column(scale=2, elem_id="isnad-side"):
                    sources_title = gr.Markdown(f"### {labels['sources']}")
                    sources = gr.HTML(sources_html([], {}, labels, "ar"), elem_id="isnad-sources-panel")
                    new = gr.Button(labels["new_chat"], elem_id="isnad-new-chat")
                    interface = gr.Radio(_interface_choices(labels), value="auto", label=labels["interface"],
                                         info=labels["auto_note"], elem_id="isnad-interface")
                    mode = gr.Radio([(labels["modes"][m], m) for m in MODES], value=self._default_mode(),
                                    label=labels["mode"], elem_id="isnad-mode")
                    with gr.Accordion(labels["filters"], open=False, elem_id="isnad-filters") as filters:
                        source_filter = gr.Dropdown(source_choices, multiselect=True, label=labels["source_filter"],
                                                    elem_id="isnad-source-filter")
                        language_filter = gr.CheckboxGroup(language_choices, label=labels["language_filter"],
                                                           elem_id="isnad-language-filter")
                        date_from = gr.DateTime(include_time=False, type="string", label=labels["date_from"], interactive=True,
                                                elem_id="isnad-date-from")
                        date_to = gr.DateTime(include_time=False, type="string", label=labels["date_to"], interactive=True,
                                              elem_id="isnad-date-to")
                        # What the reader typed or picked, as text: the picker drops what it cannot
                        # parse without a word, and a filter must not vanish silently.
                        typed_from, typed_to = gr.Textbox(visible=False), gr.Textbox(visible=False)
            inputs = [question, chat, state, mode, source_filter, language_filter, typed_from, typed_to, interface]
            outputs = [question, chat, state, sources, page_language]
            relabel_inputs = [interface, state]
            relabel_outputs = [state, page_language, title, chat, question, send, stop, copy_all, examples,
                               sources_title, sources, new, interface, mode, filters, source_filter, language_filter,
                               date_from, date_to]
            asks = []
            for event, name in ((question.submit, "ask_submit"), (send.click, "ask")):
                asks.append(event(self.respond, inputs, outputs, concurrency_limit=10, api_name=name, js=TYPED_DATES,
                                  **QUIET))
            picked = examples.click(lambda sample: sample[0], examples, question, api_visibility="private", **QUIET)
            asks.append(picked.then(self.respond, inputs, outputs, concurrency_limit=10, api_visibility="private",
                                    js=TYPED_DATES, **QUIET))
            for ask in asks:
                ask.then(self.relabel, relabel_inputs, relabel_outputs, api_visibility="private", **QUIET)
            stop.click(self.cancelled, [chat, state], [chat], cancels=asks, api_visibility="private", **QUIET)
            for clear in (new.click, chat.clear):  # the page's button and the chat's own trash icon
                clear(self.new_chat, [interface, state], [chat, state, sources], api_visibility="private", **QUIET)
            interface.change(self.relabel, relabel_inputs, relabel_outputs, api_visibility="private", **QUIET)
            copy_all.click(None, js="() => window.isnadCopyConversation()")
            gr.api(self.api_answer, api_name="answer")
        return app

    # --- helpers --------------------------------------------------------------------------
    def _filters(self, sources: list, languages: list, date_from: str, date_to: str,
                 labels: dict) -> tuple[str | None, dict]:
        """The filters, or a message in the interface language saying which one to fix or loosen."""
        dates = {}
        for key, value in (("date_from", date_from), ("date_to", date_to)):
            text = str(value or "").strip()[:10]
            if text:
                try:
                    dates[key] = date.fromisoformat(text).isoformat()
                except ValueError:
                    return labels["bad_date"].format(value=str(value).strip()), {}
        filters = {"source": sources or [], "language": languages or [], **dates}
        blocking = self.retriever().index.blocking(filters)
        if blocking:
            return labels["no_match"].format(filters="، ".join(labels["filter_names"].get(k, k) for k in blocking)), {}
        return None, filters

    def _documents(self) -> dict:
        return self._retriever.index.documents if self._retriever else {}

    def _filter_choices(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """Outlets with their article counts; languages by name."""
        try:
            index = self.retriever().index
        except IsnadError:
            return [], [(name, code) for code, name in LANGUAGE_NAMES.items()]
        outlets = index.counts("source")
        languages = sorted(set(index.languages) & set(LANGUAGE_NAMES))
        return ([(f"{outlet} ({count})", outlet) for outlet, count in sorted(outlets.items())],
                [(LANGUAGE_NAMES[code], code) for code in languages])

    def _default_mode(self) -> str:
        return {"local": "local", "extractive": "extractive"}.get(self.settings.llm, "endpoint")


def _interface_choices(labels: dict) -> list[tuple[str, str]]:
    return [(LANGUAGE_NAMES["ar"], "ar"), (LANGUAGE_NAMES["en"], "en"), (labels["auto"], "auto")]


def _interface_language(choice: str, question: str) -> str:
    if choice in LABELS:
        return choice
    return "en" if question and detect_language(question) == "en" else "ar"


def _error_message(error: Exception, labels: dict) -> str:
    if isinstance(error, ModelUnavailableError):
        return labels["model_unavailable"]
    if isinstance(error, QueryError):
        return labels["bad_question"].format(detail=error)
    if isinstance(error, IsnadError):  # the index or a model: the detail tells an operator what to fix
        return f"{labels['error']}\n({error})"
    logger.exception("answering failed")
    return labels["error"]


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    chat = ChatApp(settings)
    chat.retriever().embedder.warm_up()  # load the embedding model now, not on the first question
    app = chat.build()
    app.queue(default_concurrency_limit=10).launch(server_name=host, server_port=port, share=False, css=CSS,
                                                    head=HEAD, show_error=False, quiet=True)
