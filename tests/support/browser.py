"""Pages in a real browser (headless Chromium, `shared.testing.BrowserPage`) for an app running in
process: `served(api)` puts it on a real port (its lifespan off: no NATS), `open_page` loads a
page with the Content-Security-Policy violations it reports collected, `words_whole` tells which
words a line break cut in two, as a reader sees them."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from shared.nats_server import free_port
from shared.testing import BrowserPage


@contextmanager
def served(api: FastAPI) -> Iterator[str]:
    """The app on 127.0.0.1 (without its lifespan: the relay and consumer need NATS)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(api, host="127.0.0.1", port=port, lifespan="off",
                                           log_config=None, timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start serving")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# Installed before any script of the page: every CSP violation the page causes is kept.
_WATCH_CSP = """window.__csp = []; window.__errors = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '')));
window.addEventListener('error', e => window.__errors.push(String(e.message)));"""


@contextmanager
def open_page(url: str, profile: Path, *, width: int = 1280, height: int = 1000,
              ready: str = "document.readyState === 'complete'") -> Iterator[BrowserPage]:
    page = BrowserPage(url, profile, width=width, height=height)
    try:
        page.wait_for("document.readyState === 'complete'")
        # A window is never narrower than 500 px: a phone's screen is emulated, as DevTools does
        # (for the page's origin: set once it is open), then the page is loaded again with it.
        page.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=width < 600)
        page.call("Page.addScriptToEvaluateOnNewDocument", source=_WATCH_CSP)
        page.evaluate("window.__before_reload = true")
        page.call("Page.reload", ignoreCache=True)
        try:
            page.wait_for(f"!window.__before_reload && window.innerWidth === {width} && ({ready})")
        except TimeoutError as error:
            raise AssertionError(f"not ready: errors {page.evaluate('window.__errors')}") from error
        yield page
    finally:
        page.close()


def csp_violations(page: BrowserPage) -> list[str]:
    """What the page's policy refused, and any script error, since it was loaded."""
    return [*(page.evaluate("window.__csp") or []), *(page.evaluate("window.__errors") or [])]


# For each element matched, each word of `words` found in its text: is every letter of it on the
# same line? Answers the words cut by a line break, with where the cut fell.
_CUT_WORDS = """((selector, words) => {
  const cut = [];
  for (const element of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    const nodes = [];
    let text = '';
    while (walker.nextNode()) { nodes.push([walker.currentNode, text.length]);
                                text += walker.currentNode.data; }
    const rangeAt = (i) => {
      const [node, start] = nodes.filter(([, s]) => s <= i).pop();
      const range = document.createRange();
      range.setStart(node, i - start); range.setEnd(node, i - start + 1);
      return range;
    };
    for (const word of words) {
      let at = text.indexOf(word);
      while (at >= 0) {
        let line = null, split = null;
        for (let i = at; i < at + word.length; i++) {
          const rects = rangeAt(i).getClientRects();
          if (!rects.length) continue;  // a mark drawn on the letter before it
          const top = Math.round(rects[0].top);
          if (line !== null && Math.abs(top - line) > 4) { split = i - at; break; }
          line = top;
        }
        if (split !== null) cut.push(word.slice(0, split) + '|' + word.slice(split));
        at = text.indexOf(word, at + 1);
      }
    }
  }
  return cut;
})"""


def words_cut(page: BrowserPage, selector: str, words: list[str]) -> list[str]:
    """The words (of `words`, in the elements `selector` matches) that a line break cut."""
    import json

    result: Any = page.evaluate(f"{_CUT_WORDS}({json.dumps(selector)}, {json.dumps(words)})")
    return list(result or [])
