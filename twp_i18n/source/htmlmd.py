"""Fetched HTML → clean, deterministic Markdown (markdownify over BeautifulSoup).

The HTML is first cleaned in place: scripts, styles, comments, forms, hidden
elements, tracking pixels and share widgets go; relative links and images are
made absolute against the page's URL; lazy-loaded images get their real
``src``.  What is left is converted by :mod:`markdownify` with fixed options
(ATX headings, ``-`` bullets, ``*``/``**`` emphasis, fenced code, GFM tables),
then normalised: LF line ends, no trailing spaces, at most one blank line
between blocks, one final newline.  The same HTML always gives the same bytes.

>>> html_to_markdown('<h2>Sleep</h2><p>It <em>helps</em>.<script>x()</script></p>')
'## Sleep\\n\\nIt *helps*.\\n'
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag, UnicodeDammit
from bs4.element import CData, Comment, Declaration, Doctype, ProcessingInstruction
from markdownify import MarkdownConverter

#: Elements dropped with everything inside them.
DROP_TAGS = frozenset({
    "script", "style", "noscript", "template", "link", "meta", "base", "object", "embed",
    "applet", "form", "button", "input", "select", "option", "textarea", "label", "svg",
    "canvas", "dialog", "nav", "head", "title", "audio", "source", "track", "map", "area",
})

#: class/id words that mark share buttons, social widgets and related-post boxes.  Kept
#: narrow on purpose: an article *about* social life may well have a "social-..." class.
_WIDGET = re.compile(
    r"(?:^|[-_])(?:share|shares|sharing|sharedaddy|sharethis|shareaholic|addtoany|a2a"
    r"|relatedposts|adsbygoogle)(?:[-_]|$)"
    r"|^(?:social-(?:share|sharing|links|icons|buttons|media-buttons)|wp-block-social-links)\b"
)

#: Hosts (and host+path prefixes) of well-known tracking pixels.
_TRACKERS = ("pixel.wp.com", "stats.wp.com", "facebook.com/tr", "google-analytics.com",
             "googletagmanager.com", "doubleclick.net", "scorecardresearch.com", "quantserve.com",
             "bat.bing.com", "px.ads.linkedin.com", "ct.pinterest.com", "analytics.twitter.com",
             "t.co/i/adsct")

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_LANG_CLASS = re.compile(r"^(?:language|lang)-([\w+#.-]+)$")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_ENTITY_LIKE = re.compile(r"&(?=#?\w+;)")
_TAG_LIKE = re.compile(r"<(?=[A-Za-z/!?])")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")


class _Converter(MarkdownConverter):
    """markdownify with two more escapes: text that would read as raw HTML or an entity."""

    def escape(self, text: str, parent_tags: set[str]) -> str:
        text = super().escape(text, parent_tags)  # type: ignore[misc]
        if not text:
            return text
        text = _ENTITY_LIKE.sub(r"\\&", text)
        return _TAG_LIKE.sub(r"\\<", text)


def _code_language(el: Tag) -> str | None:
    for node in (el, el.find("code")):
        if isinstance(node, Tag):
            for cls in node.get("class") or []:
                match = _LANG_CLASS.match(cls)
                if match:
                    return match.group(1)
    return None


def _converter() -> MarkdownConverter:
    """markdownify with the options that make our Markdown: fixed, so output is stable."""
    return _Converter(
        heading_style="atx",
        bullets="-",
        strong_em_symbol="*",
        newline_style="backslash",
        escape_misc=False,
        table_infer_header=True,
        keep_inline_images_in=["td", "th", "a"],
        code_language_callback=_code_language,
    )


def parse_html(html: str | bytes, encoding: str | None = None) -> BeautifulSoup:
    """Parse a page or fragment leniently (lxml).

    Bytes are decoded with ``encoding`` (the HTTP charset) when it works, else what
    the page declares, else UTF-8 or Windows-1252.
    """
    if isinstance(html, bytes):
        known = [encoding] if encoding else []
        dammit = UnicodeDammit(html, known_definite_encodings=known, is_html=True)
        html = dammit.unicode_markup if dammit.unicode_markup is not None else html.decode("utf-8", "replace")
    html = _XML_DECLARATION.sub("", html, count=1)
    if "<" not in html:
        html = f"<p>{html}</p>"  # plain text: also keeps bs4 from warning that it looks like a URL
    return BeautifulSoup(html, "lxml")


class ConversionError(ValueError):
    """The HTML cannot be converted (it is nested deeper than Python's recursion allows)."""


def html_to_markdown(html: str | bytes | Tag, base_url: str | None = None) -> str:
    """Clean ``html`` and convert it to Markdown ending in one newline (or ``""``).

    Raises :class:`ConversionError` for absurdly deep nesting.
    """
    try:
        root = html if isinstance(html, Tag) else parse_html(html)
        clean(root, base_url)
        text = _converter().convert_soup(root)
    except RecursionError:
        raise ConversionError("the HTML is nested too deeply to convert") from None
    return tidy(text)


def html_to_text(html: str | Tag | None) -> str:
    """The visible text of an HTML fragment on one line (for titles and summaries).

    >>> html_to_text("Rest &amp; <b>sleep</b>\\n  notes")
    'Rest & sleep notes'
    """
    if html is None:
        return ""
    root = html if isinstance(html, Tag) else parse_html(html)
    _drop_non_text(root)
    stack = _child_tags(root)
    while stack:
        el = stack.pop()
        if el.name.lower() in DROP_TAGS:
            el.decompose()
        else:
            stack.extend(_child_tags(el))
    text = root.get_text(" ")
    return " ".join(text.split())


def clean(root: Tag, base_url: str | None = None) -> None:
    """Remove everything that is not article content, in place; absolutise URLs.

    A walk in document order that does not descend into what it removed (no
    recursion, so deeply nested pages cost linear time).
    """
    _drop_non_text(root)
    stack = _child_tags(root)
    while stack:
        el = stack.pop()
        name = el.name.lower()
        if name in DROP_TAGS or _is_hidden(el) or _is_widget(el):
            el.decompose()
            continue
        if name == "img":
            _fix_image(el, base_url)
            continue
        if name == "iframe":
            _iframe_to_link(el, base_url)
            continue
        if name == "a":
            _fix_link(el, base_url)
        stack.extend(_child_tags(el))


def _child_tags(el: Tag) -> list[Tag]:
    """The element's child tags, last first (ready to be popped in document order)."""
    return [child for child in reversed(el.contents) if isinstance(child, Tag)]


def _drop_non_text(root: Tag) -> None:
    kinds = (Comment, CData, ProcessingInstruction, Declaration, Doctype)
    for node in list(root.find_all(string=lambda s: isinstance(s, kinds))):
        node.extract()


def _is_hidden(el: Tag) -> bool:
    if el.has_attr("hidden") or str(el.get("aria-hidden", "")).lower() == "true":
        return el.name != "img" or not el.get("alt")
    return bool(_HIDDEN_STYLE.search(str(el.get("style", ""))))


def _is_widget(el: Tag) -> bool:
    if el.name in ("html", "body", "main", "article"):
        return False
    words = [str(w).lower() for w in (el.get("class") or [])]
    ident = el.get("id")
    if ident:
        words.append(str(ident).lower())
    return any(_WIDGET.search(word) for word in words)


def _absolute(url: str, base_url: str | None) -> str:
    url = url.strip()
    if not base_url:
        return url
    try:
        return urljoin(base_url, url)
    except ValueError:  # a malformed host ("//[[[...", an invalid IPv6 literal): kept as written
        return url


def _fix_image(el: Tag, base_url: str | None) -> None:
    src = str(el.get("src") or "").strip()
    for lazy in ("data-src", "data-lazy-src", "data-original"):
        if (not src or src.startswith("data:")) and el.get(lazy):
            src = str(el.get(lazy)).strip()
    if not src or src.startswith("data:") or _is_pixel(el, src):
        el.decompose()
        return
    el["src"] = _absolute(src, base_url)


def _is_pixel(el: Tag, src: str) -> bool:
    for dim in ("width", "height"):
        value = str(el.get(dim, "")).strip().lower().removesuffix("px")
        if value in ("0", "1"):
            return True
    style = str(el.get("style", "")).replace(" ", "").lower()
    if "width:1px" in style or "height:1px" in style or "width:0" in style:
        return True
    parts = urlsplit(src)
    netloc = parts.netloc.lower()
    path = parts.path.lower().strip("/")
    for tracker in _TRACKERS:
        host, _, prefix = tracker.partition("/")
        if netloc == host or netloc.endswith("." + host):
            if not prefix or path == prefix or path.startswith(prefix + "/"):
                return True
    return False


def _fix_link(el: Tag, base_url: str | None) -> None:
    href = str(el.get("href") or "").strip()
    if not href:
        return
    scheme = urlsplit(href).scheme.lower()
    if scheme in ("javascript", "data", "vbscript"):
        del el["href"]
    elif not href.startswith("#"):
        el["href"] = _absolute(href, base_url)


def _iframe_to_link(el: Tag, base_url: str | None) -> None:
    src = _absolute(str(el.get("src") or ""), base_url)
    if urlsplit(src).scheme not in ("http", "https") or _is_widget(el):
        el.decompose()
        return
    soup = BeautifulSoup("", "lxml")
    para = soup.new_tag("p")
    link = soup.new_tag("a", href=src)
    link.string = str(el.get("title") or src)
    para.append(link)
    el.replace_with(para)


def tidy(text: str) -> str:
    """Normalise converted Markdown: LF, no trailing blanks, single blank lines, one final LF.

    Lines inside fenced code blocks are kept as they are, blank lines included.

    >>> tidy("a  \\n\\n\\n\\nb\\n")
    'a\\n\\nb\\n'
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[str] = []
    fence: str | None = None
    for line in lines:
        match = _FENCE.match(line)
        if fence is not None:
            out.append(line.rstrip(" \t"))
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
            continue
        if match:
            fence = match.group(1)
        line = line.rstrip(" \t\u00a0")
        if not line.strip(" \t\u00a0"):
            if out and out[-1] == "":
                continue
            line = ""
        out.append(line)
    while out and out[0] == "":
        out.pop(0)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n" if out else ""

