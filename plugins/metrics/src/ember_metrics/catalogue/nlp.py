"""Natural-language metrics: registry name -> (class, module, summary)."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str, str]] = {
    "bleu": (
        "Bleu",
        "ember_metrics.nlp.bleu",
        "BLEU: clipped n-gram precisions with a brevity penalty, per sentence or per corpus.",
    ),
    "rouge": (
        "Rouge",
        "ember_metrics.nlp.rouge",
        "ROUGE-N and ROUGE-L precision, recall and F-measure for several variants at once.",
    ),
    "rouge_n": (
        "RougeN",
        "ember_metrics.nlp.rouge",
        "ROUGE-N: precision, recall and F-measure of shared n-grams.",
    ),
    "rouge_l": (
        "RougeL",
        "ember_metrics.nlp.rouge",
        "ROUGE-L: precision, recall and F-measure of the longest common subsequence.",
    ),
    "character_error_rate": (
        "CharacterErrorRate",
        "ember_metrics.nlp.character_error_rate",
        "Character error rate: character edit distance over reference length.",
    ),
    "perplexity": (
        "Perplexity",
        "ember_metrics.nlp.perplexity",
        "Perplexity of a language model: exp of the mean token cross-entropy of logits.",
    ),
}
