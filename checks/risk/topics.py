"""Topics (主题聚类): the window's complaints grouped by what they are about.

Each complaint is its set of terms; TF-IDF (binary term frequency, so a
repeated word does not dominate; rows L2-normalised) weighs them, and
MiniBatchKMeans groups the rows (Euclidean k-means on unit rows is cosine
clustering). k is chosen by the mean cosine silhouette: candidate k from 4 up
to 30 (never more than one topic per `min_topic_docs` complaints) are fitted on
a sample of up to 20,000 complaints and scored on 2,000 of them; the best k is
then fitted on the whole window. Everything is seeded, so a scan is repeatable.

Emerging terms weigh `boost` times their TF-IDF weight (the scan uses 5)
before the rows are normalised again: an early warning wants the complaints
that share a rising problem grouped together, rather than spread over topics
by product or by the wording of the demand.

A topic is labelled by the terms with the largest weight in its centre. Its
representative complaints are those nearest to the centre. To measure growth, baseline complaints (a fixed-seed sample, counts
scaled to the whole) are assigned to a topic only when they are as close to
its centre as 90 % of the topic's own window complaints (the 10th percentile
of their similarity); the rest belong to no topic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from checks.extras import require

SAMPLE_FIT = 20_000
SAMPLE_SCORE = 2_000
K_CANDIDATES = (4, 6, 8, 10, 13, 16, 20, 25, 30)


def _identity(doc):
    return doc


class TopicModel:
    """TF-IDF + MiniBatchKMeans over the window's term sets."""

    def __init__(
        self,
        docs: Sequence[frozenset[str]],
        *,
        boost: Mapping[str, float] | None = None,
        min_df: int = 3,
        min_topic_docs: int = 30,
        seed: int = 0,
    ):
        require("sklearn", "risk", "The risk scan")  # the 'risk' extra; imported only when topics are modelled
        from sklearn.feature_extraction.text import TfidfVectorizer
        from threadpoolctl import threadpool_limits

        self.seed = seed
        self.vectorizer = TfidfVectorizer(
            analyzer=_identity, lowercase=False, binary=True, min_df=min_df, max_features=30_000, dtype=np.float32
        )
        # (a frozenset's order varies between processes; the vectorizer sorts its vocabulary)
        self.vectorizer.fit(docs)
        self.terms = self.vectorizer.get_feature_names_out()
        index = {t: i for i, t in enumerate(self.terms)}
        self.weights = np.ones(len(self.terms), dtype=np.float32)
        for term, factor in (boost or {}).items():
            if term in index:
                self.weights[index[term]] = factor
        x = self._matrix(docs)
        # Small fits spend more time waking threads than working: one thread below 50,000 rows.
        with threadpool_limits(limits=1 if x.shape[0] < 50_000 else None):
            self.k = self._choose_k(x, min_topic_docs)
            self.kmeans = self._fit(x, self.k, n_init=3)
        self.labels = self.kmeans.labels_
        self.similarity = np.asarray(x.multiply(self.kmeans.cluster_centers_[self.labels]).sum(axis=1)).ravel()
        # less a hair: the same text scored by `assign` may differ in the last float32 bit
        self.thresholds = np.array(
            [
                np.quantile(self.similarity[self.labels == t], 0.1) - 1e-4 if np.any(self.labels == t) else np.inf
                for t in range(self.k)
            ]
        )

    def _matrix(self, docs: Sequence[frozenset[str]]):
        from scipy.sparse import diags
        from sklearn.preprocessing import normalize

        x = self.vectorizer.transform(docs)
        return normalize(x @ diags(self.weights), copy=False)

    def _fit(self, x, k: int, n_init: int):
        from sklearn.cluster import MiniBatchKMeans

        return MiniBatchKMeans(
            n_clusters=k, random_state=self.seed, n_init=n_init, batch_size=2048, max_no_improvement=20
        ).fit(x)

    def _choose_k(self, x, min_topic_docs: int) -> int:
        from sklearn.metrics import silhouette_score

        n = x.shape[0]
        ks = [k for k in K_CANDIDATES if k * min_topic_docs <= n] or [max(1, min(4, n // 2))]
        if len(ks) == 1 or n < 10:
            return ks[0]
        rng = np.random.default_rng(self.seed)
        fit_rows = rng.choice(n, SAMPLE_FIT, replace=False) if n > SAMPLE_FIT else np.arange(n)
        sample = x[fit_rows]
        score_rows = (
            rng.choice(len(fit_rows), SAMPLE_SCORE, replace=False)
            if len(fit_rows) > SAMPLE_SCORE
            else np.arange(len(fit_rows))
        )
        best_k, best_score = ks[0], -2.0
        for k in ks:
            labels = self._fit(sample, k, n_init=1).labels_
            if len(set(labels[score_rows])) < 2:
                continue
            score = silhouette_score(sample[score_rows], labels[score_rows], metric="cosine", random_state=self.seed)
            if score > best_score + 1e-9:
                best_k, best_score = k, score
        return best_k

    def top_terms(self, topic: int, n: int = 6) -> list[str]:
        centre = self.kmeans.cluster_centers_[topic]
        return [str(self.terms[i]) for i in np.argsort(-centre, kind="stable")[:n] if centre[i] > 0]

    def representatives(self, topic: int, n: int = 3) -> list[int]:
        """Window row numbers of the complaints nearest to the topic's centre."""
        rows = np.flatnonzero(self.labels == topic)
        order = np.argsort(-self.similarity[rows], kind="stable")
        return [int(r) for r in rows[order[:n]]]

    def assign(self, docs: Sequence[frozenset[str]]) -> np.ndarray:
        """Topic of each (baseline) complaint, or -1 when it is close to no topic's centre."""
        if not docs:
            return np.empty(0, dtype=int)
        sims = np.asarray(self._matrix(docs) @ self.kmeans.cluster_centers_.T)
        best = sims.argmax(axis=1)
        close = sims[np.arange(len(best)), best] >= self.thresholds[best]
        return np.where(close, best, -1)
