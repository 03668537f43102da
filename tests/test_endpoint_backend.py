"""The OpenAI-compatible backend against a real HTTP server on localhost that speaks the chat
completions protocol (as vLLM or llama.cpp's server do), streaming included."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rag import Retriever
from rag.answer.assistant import Assistant
from rag.config import Settings
from rag.errors import ModelUnavailableError
from rag.answer.llm.backends import load_backend

REPLY = "تسببت الغارات الجوية في ارتقاء 7 مدنيين بينهم طفلان [1]."


class ChatCompletions(BaseHTTPRequestHandler):
    requests: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ChatCompletions.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for word in REPLY.split(" "):
                chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": body["model"],
                         "choices": [{"index": 0, "delta": {"content": word + " "}, "finish_reason": None}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            return
        reply = {"id": "c1", "object": "chat.completion", "created": 0, "model": body["model"],
                 "choices": [{"index": 0, "message": {"role": "assistant", "content": REPLY}, "finish_reason": "stop"}],
                 "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), ChatCompletions)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    ChatCompletions.requests = []
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_answers_through_an_openai_compatible_endpoint(endpoint, seed_index, embedder):
    settings = Settings(openai_base_url=endpoint, openai_api_key="secret-key")
    backend = load_backend("openai:qwen-test", settings)
    assistant = Assistant(Retriever.open(seed_index, embedder=embedder), backend, settings)
    answer = assistant.ask("كم مدنيا قتلت الغارات الجوية الروسية في حي الحميدية بدير الزور بينهم طفلان؟")
    assert answer.mode == "llm" and answer.citations[0].doc_id == "004_e713a1ed33e76c5f.txt"
    request = ChatCompletions.requests[-1]
    assert request["path"] == "/v1/chat/completions" and request["body"]["model"] == "qwen-test"
    assert request["auth"] == "Bearer secret-key" and request["body"]["temperature"] == 0
    assert "7 مدنيين" in request["body"]["messages"][-1]["content"]  # the passage reached the endpoint
    assert "secret-key" not in repr(settings)


def test_endpoint_needs_a_base_url():
    with pytest.raises(ModelUnavailableError, match="ISNAD_OPENAI_BASE_URL"):
        load_backend("openai", Settings())
