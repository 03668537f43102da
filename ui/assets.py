"""The page's CSS and the small script that opens a cited passage in the sources panel."""

CSS = """
.isnad-msg { unicode-bidi: plaintext; line-height: 1.7; }
#isnad-title, #isnad-question textarea, #isnad-question input { unicode-bidi: plaintext; text-align: start; }
.isnad-msg[dir=rtl] { text-align: right; }
.isnad-msg[dir=ltr] { text-align: left; }
.isnad-cite { cursor: pointer; font-weight: 600; text-decoration: none; padding: 0 2px; }
.isnad-sources .isnad-source { display: none; border-inline-start: 3px solid #c9a227; padding: 4px 10px; margin: 8px 0; }
.isnad-sources .isnad-source.latest { display: block; }
.isnad-sources.has-active .isnad-source { display: none; }
.isnad-sources.has-active .isnad-source.active { display: block; }
.isnad-source h4 { margin: 0 0 4px 0; unicode-bidi: plaintext; }
.isnad-meta { font-size: 0.85em; opacity: 0.75; margin: 0 0 6px 0; }
.isnad-passage { unicode-bidi: plaintext; line-height: 1.8; }
.isnad-passage mark { background: #ffe58a; color: inherit; padding: 0 2px; }
"""

HEAD = """
<script>
document.addEventListener("click", function (event) {
  const cite = event.target.closest && event.target.closest(".isnad-cite");
  if (!cite) return;
  event.preventDefault();
  const id = cite.dataset.src || (cite.getAttribute("href") || "").replace("#", "");
  const block = document.getElementById(id);
  if (!block) return;
  const panel = block.closest(".isnad-sources");
  panel.querySelectorAll(".isnad-source.active").forEach(function (b) { b.classList.remove("active"); });
  panel.classList.add("has-active");
  block.classList.add("active");
  block.scrollIntoView({behavior: "smooth", block: "nearest"});
}, true);
</script>
"""
