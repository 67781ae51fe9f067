"""MkDocs hook: the docstrings' reST leftovers read as plain Markdown on the site.

The docstrings are written for ``help()`` as well as for the site, in a reST-flavoured
style: roles (``:class:`X```) and a paragraph ending in ``::`` before a code block.
mkdocstrings renders the role's text as code, with the role's name left in front
(``:class:<code>X</code>``), and keeps the ``::``. This drops both.

Cross-reference links carry a hover title naming where an object is defined, often a
private module (``lockt_async._config.RetryPolicy``); those titles are dropped, the
link (to the public name's entry) stays.
"""

from __future__ import annotations

import re
from typing import Any

ROLE = re.compile(r":(?:class|func|meth|attr|mod|exc|data|obj|const):(?=<code)")
DOUBLE_COLON = re.compile(r"::(?=</p>)")
PRIVATE_TITLE = re.compile(r'\s+title="[^"]*\blockt_async(?:\.\w+)*\._\w[^"]*"')


def on_page_content(html: str, **kwargs: Any) -> str:
    return DOUBLE_COLON.sub(":", ROLE.sub("", html))


def on_post_page(output: str, **kwargs: Any) -> str:
    return PRIVATE_TITLE.sub("", output)
