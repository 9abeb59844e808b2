"""A hand-written news page with the usual chrome around the article, for extraction tests."""

from __future__ import annotations

ARTICLE_PARAGRAPHS = [
    "The city council approved the new harbour budget on Monday after a debate that lasted most of the night.",
    "Council members argued over the cost of dredging the northern channel, which has silted up since the storms.",
    "The mayor said the vote would secure jobs at the port for at least another decade, and thanked the unions.",
    "Opposition members said the plan relied on optimistic forecasts of container traffic and would be revisited.",
]


def news_page(title: str = "Council approves harbour budget", date: str = "2025-12-19") -> str:
    body = "\n".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | Harbour Gazette</title>
<meta name="author" content="Maria Lopez">
<meta property="og:site_name" content="Harbour Gazette">
<meta property="article:published_time" content="{date}T08:30:00+01:00">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/politics">Politics</a></li>
<li><a href="/sport">Sport</a></li></ul></nav>
<header><div class="share">Share on Facebook | Share on X</div></header>
<main><article><h1>{title}</h1><p class="byline">By Maria Lopez</p>
{body}
</article></main>
<aside><h3>Most read</h3><ul><li><a href="/a">Ten things to do this weekend</a></li></ul></aside>
<footer><p>© 2025 Harbour Gazette. All rights reserved.</p><a href="/privacy">Privacy policy</a></footer>
</body></html>"""
