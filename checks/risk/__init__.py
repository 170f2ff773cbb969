"""Risk early-warning (风险预警) from complaint text: pure functions, no DB, no Prefect.

masking   personal data out of text before anything is stored or shown
text      normalisation, jieba segmentation with the domain dictionary, stop words
phrases   new-phrase discovery: character n-grams with cohesion and branching entropy
terms     emerging terms: window against baseline, log-likelihood G² and rate ratio
topics    TF-IDF + k-means topics with growth against the baseline
trends    per-period counts, Holt forecast with a band, anomalies
scan      the whole scan over streamed complaints -> a JSON-ready report
"""
