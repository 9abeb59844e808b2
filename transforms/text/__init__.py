"""Plain text logic (no Beam): extraction helpers, dates, titles, authors, the article gate, boilerplate,
topics, entities, keywords, language, word counts, MinHash and stories."""
