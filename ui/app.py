"""The Gradio web chat: a thin layer over `rag.Assistant`.

    >>> from ui.app import ChatApp
    >>> ChatApp(Settings.from_env()).build().launch(server_name="127.0.0.1")
"""

from __future__ import annotations

import logging
import threading
from typing import Iterator

import gradio as gr

from rag.answer import Answer
from rag.assistant import Assistant
from rag.config import Settings
from rag.errors import IsnadError
from rag.llm.backends import load_backend
from rag.retriever import Retriever
from rag.text import detect_language
from ui.assets import CSS, HEAD
from ui.labels import EXAMPLES, LABELS
from ui.render import answer_html, message_html, sources_html

logger = logging.getLogger(__name__)
MODES = {"local": "local", "extractive": "extractive", "endpoint": "openai"}


class ChatApp:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._retriever: Retriever | None = None
        self._assistants: dict[str, Assistant] = {}
        self._lock = threading.Lock()        # one local model in memory, used by one session at a time
        self._setup_lock = threading.Lock()

    # --- pipeline -------------------------------------------------------------------------
    def retriever(self) -> Retriever:
        with self._setup_lock:
            if self._retriever is None:
                self._retriever = Retriever.open(self.settings.index_dir, max_query_chars=self.settings.max_query_chars)
            return self._retriever

    def assistant(self, mode: str) -> Assistant:
        retriever = self.retriever()
        with self._setup_lock:
            if mode not in self._assistants:
                backend = load_backend(MODES.get(mode, mode), self.settings)
                self._assistants[mode] = Assistant(retriever, backend, self.settings)
            return self._assistants[mode]

    def answer(self, question: str, history: list[dict], filters: dict, mode: str) -> Iterator[str | Answer]:
        assistant = self.assistant(mode)
        if assistant.backend.model is None:
            yield from assistant.stream(question, history, filters)
            return
        with self._lock:
            yield from assistant.stream(question, history, filters)

    # --- event handlers -----------------------------------------------------------------
    def respond(self, question: str, chat: list, state: dict, mode: str, sources: list, languages: list,
                date_from: str, date_to: str, interface: str):
        question = (question or "").strip()
        labels = LABELS[_interface_language(interface, question)]
        if not question:
            yield gr.update(), chat, state, gr.update()
            return
        state = {"history": list(state.get("history", [])), "turns": list(state.get("turns", []))}
        turn = len(state["turns"]) + 1
        chat = chat + [{"role": "user", "content": message_html(question)}, {"role": "assistant", "content": "…"}]
        yield "", chat, state, gr.update()
        filters = {"source": sources, "language": languages, "date_from": date_from or None, "date_to": date_to or None}
        draft = ""
        try:
            for piece in self.answer(question, state["history"], filters, mode):
                if isinstance(piece, Answer):
                    chat[-1] = {"role": "assistant", "content": answer_html(piece, turn)}
                    state["turns"].append((turn, piece))
                    state["history"] += [{"role": "user", "content": question},
                                         {"role": "assistant", "content": piece.text}]
                else:
                    draft += piece
                    chat[-1] = {"role": "assistant", "content": message_html(draft)}
                    yield "", chat, state, gr.update()
        except IsnadError as error:
            chat[-1] = {"role": "assistant", "content": message_html(f"⚠ {error}")}
        except Exception as error:  # the server keeps serving; the user sees what failed
            logger.exception("answering failed")
            chat[-1] = {"role": "assistant", "content": message_html(f"⚠ {labels['error']}: {type(error).__name__}: {error}")}
        documents = self.retriever().data.documents if self._retriever else {}
        yield "", chat, state, sources_html(state["turns"], documents, labels)

    def new_chat(self, interface: str):
        return [], {"history": [], "turns": []}, sources_html([], {}, LABELS[_interface_language(interface, "")])

    # --- layout ---------------------------------------------------------------------------
    def build(self) -> gr.Blocks:
        labels = LABELS["ar"]
        source_choices, language_choices = self._filter_choices()
        with gr.Blocks(title="isnad") as app:
            title = gr.Markdown(f"## {labels['title']}", elem_id="isnad-title")
            state = gr.State({"history": [], "turns": []})
            with gr.Row():
                with gr.Column(scale=3):
                    chat = gr.Chatbot(elem_id="isnad-chat", height=520, buttons=["copy", "copy_all"],
                                      sanitize_html=True, render_markdown=False, feedback_options=None)
                    with gr.Row():
                        question = gr.Textbox(label=labels["question"], placeholder=labels["placeholder"],
                                              scale=5, elem_id="isnad-question", rtl=False)
                        send = gr.Button(labels["send"], variant="primary", scale=1, elem_id="isnad-send")
                    gr.Examples(EXAMPLES, inputs=question, label=labels["examples"])
                with gr.Column(scale=2):
                    sources_title = gr.Markdown(f"### {labels['sources']}")
                    sources = gr.HTML(sources_html([], {}, labels), elem_id="isnad-sources-panel")
                    new = gr.Button(labels["new_chat"], elem_id="isnad-new-chat")
                    interface = gr.Radio([("العربية", "ar"), ("English", "en"), ("auto", "auto")], value="auto",
                                         label=labels["interface"], elem_id="isnad-interface")
                    mode = gr.Radio([(labels["modes"][m], m) for m in MODES], value=self._default_mode(),
                                    label=labels["mode"], elem_id="isnad-mode")
                    with gr.Accordion(labels["filters"], open=False) as filters:
                        source_filter = gr.Dropdown(source_choices, multiselect=True, label=labels["source_filter"],
                                                    elem_id="isnad-source-filter")
                        language_filter = gr.CheckboxGroup(language_choices, label=labels["language_filter"],
                                                           elem_id="isnad-language-filter")
                        date_from = gr.Textbox(label=labels["date_from"], elem_id="isnad-date-from")
                        date_to = gr.Textbox(label=labels["date_to"], elem_id="isnad-date-to")
            inputs = [question, chat, state, mode, source_filter, language_filter, date_from, date_to, interface]
            outputs = [question, chat, state, sources]
            relabel_targets = [title, question, send, sources_title, new, interface, mode, filters,
                               source_filter, language_filter, date_from, date_to]
            for event, name in ((question.submit, "ask_submit"), (send.click, "ask")):
                event(self.respond, inputs, outputs, concurrency_limit=10, api_name=name).then(
                    self.relabel, [interface, state], relabel_targets)
            new.click(self.new_chat, [interface], [chat, state, sources])
            interface.change(self.relabel, [interface, state], relabel_targets)
        return app

    def relabel(self, interface: str, state: dict):
        history = state.get("history", [])
        labels = LABELS[_interface_language(interface, history[-2]["content"] if history else "")]
        return (f"## {labels['title']}", gr.update(label=labels["question"], placeholder=labels["placeholder"]),
                gr.update(value=labels["send"]), f"### {labels['sources']}", gr.update(value=labels["new_chat"]),
                gr.update(label=labels["interface"]),
                gr.update(label=labels["mode"], choices=[(labels["modes"][m], m) for m in MODES]),
                gr.update(label=labels["filters"]), gr.update(label=labels["source_filter"]),
                gr.update(label=labels["language_filter"]), gr.update(label=labels["date_from"]),
                gr.update(label=labels["date_to"]))

    def _filter_choices(self) -> tuple[list[str], list[str]]:
        try:
            chunks = self.retriever().data.chunks
        except IsnadError:
            return [], ["ar", "en"]
        sources = sorted({str(c.metadata["source"]) for c in chunks if c.metadata.get("source")})
        return sources, sorted({c.language for c in chunks})

    def _default_mode(self) -> str:
        return {"local": "local", "extractive": "extractive"}.get(self.settings.llm, "endpoint")


def _interface_language(choice: str, question: str) -> str:
    if choice in LABELS:
        return choice
    return "en" if question and detect_language(question) == "en" else "ar"


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    chat = ChatApp(settings)
    chat.retriever().embedder.warm_up()  # load the embedding model now, not on the first question
    app = chat.build()
    app.queue(default_concurrency_limit=10).launch(server_name=host, server_port=port, share=False, css=CSS,
                                                    head=HEAD, show_error=False, quiet=True)
