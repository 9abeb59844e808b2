"""Hand-written pages for extraction and article-gate tests: a news page with the usual chrome around the
article, a Chinese news page, a product page and an error page."""

from __future__ import annotations

import json

ARTICLE_PARAGRAPHS = [
    "The city council approved the new harbour budget on Monday after a debate that lasted most of the night.",
    "Council members argued over the cost of dredging the northern channel, which has silted up since the storms.",
    "The mayor said the vote would secure jobs at the port for at least another decade, and thanked the unions.",
    "Opposition members said the plan relied on optimistic forecasts of container traffic and would be revisited.",
]


# A Chinese news story: written without spaces between words.
CHINESE_PARAGRAPHS = [
    "市议会周四以二十一票赞成、四票反对通过了港口改造预算，计划在未来三年内投入四亿元用于码头加固和航道疏浚。",
    "市长在会后表示，这笔资金将优先用于修复去年风暴中受损的北码头，并为沿岸居民修建新的防洪堤。",
    "反对者认为预算没有充分考虑渔民的生计问题，他们担心施工期间的航道封闭会让小型渔船无法出海作业。",
    "港务局局长回应说，施工将分阶段进行，每个阶段都会保留至少一条通道，让渔船可以正常进出港口。",
    "根据预算文件，第一阶段工程将于明年春季开始，主要包括北码头的桩基加固和两座新起重机的安装。",
    "环保组织也对项目提出了意见，要求港务局在疏浚之前完成对海底沉积物的全面检测，并公开检测结果。",
]


def chinese_page() -> str:
    """A Chinese news page as such sites serve it: a menu, a source line, related headlines; no article markup."""
    sections = ["首页", "时政", "国际", "财经", "体育", "科技", "文化", "图片"]
    related = ["港务局公布明年航道疏浚计划", "北码头修复工程进入招标阶段", "渔民代表就施工安排与港务局座谈"]
    related += ["市议会下周审议城市防洪规划", "环保组织呼吁公开海底沉积物检测结果", "港口吞吐量连续三个月增长"]
    nav = "".join(f'<li><a href="/{i}/">{s}</a></li>' for i, s in enumerate(sections))
    links = "".join(f'<li><a href="/local/2025-12/{18 - i}/c_{i}.htm">{t}</a></li>' for i, t in enumerate(related))
    body = "\n".join(f"<p>{p}</p>" for p in CHINESE_PARAGRAPHS)
    return (
        '<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><title>市议会通过港口改造预算</title></head>'
        f'<body><ul class="nav">{nav}</ul><div class="main"><h1>市议会通过港口改造预算</h1>'
        f'<div class="info">2025-12-19 09:30:12 来源：本地新闻</div>\n{body}\n</div>'
        f'<div class="side"><h3>相关新闻</h3><ul>{links}</ul></div>'
        '<div class="foot"><p>版权所有 本地新闻网 2025</p></div></body></html>'
    )


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


PRODUCT_LINES = [
    ("Trail Runner 3 waterproof hiking shoe", "$129.95"),
    ("Colour", "Slate grey"),
    ("Size", "EU 38 to 47"),
    ("Weight", "340 g per shoe"),
    ("Upper", "Recycled polyester mesh with a waterproof membrane"),
    ("Sole", "Vibram rubber, 4 mm lugs"),
    ("Drop", "8 mm"),
    ("Delivery", "Free over $50, 2 to 4 working days"),
    ("Returns", "30 days, free of charge"),
    ("Bundle price", "$229.00 with the winter socks"),
]


def product_page() -> str:
    rows = "\n".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in PRODUCT_LINES)
    options = "".join(f"<option>EU {size}</option>" for size in range(38, 48))
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": "Trail Runner 3",
        "offers": {"@type": "Offer", "price": "129.95", "priceCurrency": "USD"},
    }
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Trail Runner 3 | Outdoor Shop</title>
<meta property="og:type" content="product">
<script type="application/ld+json">{json.dumps(data)}</script>
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/shoes">Shoes</a></li><li><a href="/sale">Sale</a></li></ul></nav>
<main><h1>Trail Runner 3</h1>
<p class="price">$129.95</p>
<form><select name="size">{options}</select><input type="number" name="qty" value="1">
<button>Add to cart</button><button>Add to wish list</button></form>
<h2>Details</h2><table>{rows}</table>
<h2>Reviews</h2><ul><li>Great grip. 5/5</li><li>Runs small. 4/5</li><li>Dry feet all day. 5/5</li></ul>
</main>
<footer><a href="/help">Help</a> <a href="/returns">Returns</a> <a href="/privacy">Privacy</a></footer>
</body></html>"""


def error_page(title: str = "We'll be right back") -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head><body>
<main><h1>{title}</h1><p>Our site is down for a short while. Please try again in a few minutes.</p></main>
</body></html>"""
