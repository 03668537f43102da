"""The page's CSS and the small script behind citations and copy buttons.

Direction: `#isnad-lang[data-lang=ar]` (rendered by the server for the interface language)
turns the whole page right-to-left through `:has()`, so labels, panels and rows mirror with
no script (Gradio marks blocks and labels dir="ltr", hence the rule on them). Phone: a clicked citation opens its passage as a sheet over the chat, in place."""

CSS = """
body:has(#isnad-lang[data-lang=ar]), .gradio-container:has(#isnad-lang[data-lang=ar]),
.gradio-container:has(#isnad-lang[data-lang=ar]) :is(.block, [data-testid=block-info], label) { direction: rtl; }
body:has(#isnad-lang[data-lang=en]), .gradio-container:has(#isnad-lang[data-lang=en]),
.gradio-container:has(#isnad-lang[data-lang=en]) :is(.block, [data-testid=block-info], label) { direction: ltr; }
#isnad-date-from input, #isnad-date-to input { direction: ltr; text-align: start; }
.gradio-container label, .gradio-container .block-info, .gradio-container span[data-testid=block-info] { text-align: start; }
#isnad-page-language, .isnad-plain { display: none; }
.isnad-msg, #isnad-examples .gallery-item { unicode-bidi: plaintext; line-height: 1.7; }
#isnad-title, #isnad-question textarea, #isnad-question input { unicode-bidi: plaintext; text-align: start; }
.isnad-msg[dir=rtl] { text-align: right; direction: rtl; }
.isnad-msg[dir=ltr] { text-align: left; direction: ltr; }
.isnad-draft { opacity: 0.65; font-style: italic; }
.isnad-draft-note, .isnad-status { font-size: 0.9em; opacity: 0.8; }
.isnad-footer { display: flex; gap: 12px; align-items: center; margin-top: 6px; font-size: 0.8em; opacity: 0.8; }
.isnad-checked { color: #2e7d32; }
.isnad-figures { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; }
.isnad-figure { flex: 1 1 140px; border: 1px solid #c9a227; border-radius: 6px; padding: 6px 10px;
                display: flex; flex-direction: column; gap: 2px; }
.isnad-figure strong { font-size: 1.25em; }
.isnad-copy { cursor: pointer; text-decoration: none; }
.isnad-cite { cursor: pointer; font-weight: 600; text-decoration: none; padding: 0 2px; }
.isnad-sources .isnad-source { display: none; border-inline-start: 3px solid #c9a227; padding: 4px 10px; margin: 8px 0;
                               position: relative; }
.isnad-sources .isnad-source.latest { display: block; }
.isnad-sources.has-active .isnad-source { display: none; }
.isnad-sources.has-active .isnad-source.active { display: block; }
.isnad-close { display: none; position: absolute; inset-inline-end: 8px; top: 2px; text-decoration: none; font-size: 1.4em; }
.isnad-source h4 { margin: 0 0 4px 0; unicode-bidi: plaintext; }
.isnad-meta { font-size: 0.85em; opacity: 0.75; margin: 0 0 6px 0; }
.isnad-chain { font-size: 0.9em; margin: 0 0 4px 0; }
.isnad-link-label { opacity: 0.7; }
.isnad-passage { unicode-bidi: plaintext; line-height: 1.8; }
.isnad-passage mark { background: #ffe58a; color: inherit; padding: 0 2px; }
#isnad-chat .message-wrap, #isnad-chat [role=log] { padding-top: 36px; }  /* the chat's own icons sit above */

@media (max-width: 720px) {
  #isnad-chat { height: auto !important; min-height: 160px; max-height: 55vh; }
  #isnad-title h2 { font-size: 1.1em; margin: 0; }
  .isnad-sources.has-active .isnad-source.active {
    position: fixed; inset-inline: 0; bottom: 0; z-index: 1000; max-height: 45vh; overflow-y: auto; margin: 0;
    background: var(--background-fill-primary, #fff); box-shadow: 0 -4px 16px rgba(0, 0, 0, 0.25); padding: 12px 16px; }
  .isnad-sources.has-active .isnad-source.active .isnad-close { display: block; }
}
"""

HEAD = """
<script>
(function () {
  function copyText(text) {
    window.isnadLastCopy = text;  // what the last copy button copied (read by the browser tests)
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { fallbackCopy(text); });
    }
    fallbackCopy(text);
  }
  function fallbackCopy(text) {
    const area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) {}
    area.remove();
  }
  window.isnadCopyConversation = function () {
    const parts = [];
    document.querySelectorAll("#isnad-chat .isnad-msg .isnad-plain").forEach(function (plain) {
      parts.push(plain.querySelector(".isnad-role").textContent + ":\\n" + plain.querySelector(".isnad-text").textContent);
    });
    copyText(parts.join("\\n\\n"));
  };
  document.addEventListener("click", function (event) {
    const target = event.target.closest ? event.target : null;
    if (!target) return;
    const copy = target.closest(".isnad-copy");
    if (copy) {
      event.preventDefault();
      copyText(copy.closest(".isnad-msg").querySelector(".isnad-plain .isnad-text").textContent);
      return;
    }
    const close = target.closest(".isnad-close");
    if (close) {
      event.preventDefault();
      const panel = close.closest(".isnad-sources");
      panel.classList.remove("has-active");
      panel.querySelectorAll(".isnad-source.active").forEach(function (b) { b.classList.remove("active"); });
      return;
    }
    const cite = target.closest(".isnad-cite");
    if (!cite) return;
    event.preventDefault();
    const id = cite.dataset.src || (cite.getAttribute("href") || "").replace("#", "");
    const block = document.getElementById(id);
    if (!block) return;
    const panel = block.closest(".isnad-sources");
    panel.querySelectorAll(".isnad-source.active").forEach(function (b) { b.classList.remove("active"); });
    panel.classList.add("has-active");
    block.classList.add("active");
    if (window.matchMedia("(min-width: 721px)").matches) {  // on a phone the passage opens over the chat
      block.scrollIntoView({behavior: "smooth", block: "nearest"});
    }
  }, true);
})();
</script>
"""
