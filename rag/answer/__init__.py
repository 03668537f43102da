"""Stage 4, answer: passages in, a cited `Answer` out (`Assistant`: relevance gate, sentence picks,
the language model's draft and the checks it must pass, figures across reports)."""
