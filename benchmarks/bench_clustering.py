"""Pixel features and k-means (with its per-iteration trace) next to scikit-learn.

Input: scikit-image's 512 x 512 RGB astronaut photo. segcore's k-means and
scikit-learn's Lloyd k-means start from the same k-means++ centroids, so both
run the same number of iterations; segcore also stores a label map per
iteration (bounded to 25). The machine is shared: compare the ratio column
as much as the absolute times.
"""

import numpy as np
from skimage import data
from sklearn.cluster import KMeans

from benchmarks.harness import Case
from segcore.classical.clustering import cluster_image, elbow, kmeans
from segcore.classical.features import pixel_features

K = 5
_IMAGE = data.astronaut()
_RGB = pixel_features(_IMAGE, "rgb")
_INIT = kmeans(_RGB.values, K, random_state=0, max_iter=1).init_centroids
_ITERS = kmeans(_RGB.values, K, init=_INIT, image_shape=_RGB.shape).n_iter
_SKLEARN = KMeans(K, init=_INIT.astype(np.float32), n_init=1, algorithm="lloyd")
_SIZE = "512 x 512 x 3"

CASES = [
    Case("clustering: k-means RGB incl. trace", f"{_SIZE}, k={K}, {_ITERS} iterations",
         lambda: kmeans(_RGB.values, K, init=_INIT, image_shape=_RGB.shape),
         lambda: _SKLEARN.fit(_RGB.values), "sklearn KMeans(lloyd, same init)", budget_ms=300,
         repeat=11),
    Case("clustering: k-means++ seeding + k-means RGB", f"{_SIZE}, k={K}",
         lambda: kmeans(_RGB.values, K, random_state=0, image_shape=_RGB.shape),
         lambda: KMeans(K, n_init=1, algorithm="lloyd", random_state=0).fit(_RGB.values),
         "sklearn KMeans(k-means++, n_init=1)", budget_ms=300, repeat=11),
    Case("features: texture filter bank (30 energies)", _SIZE,
         lambda: pixel_features(_IMAGE, "texture"), budget_ms=300, repeat=5),
    Case("features: CIELAB", _SIZE, lambda: pixel_features(_IMAGE, "lab")),
    Case("clustering: cluster_image, page defaults (RGB, k=5, view + probe)", _SIZE,
         lambda: cluster_image(_IMAGE, space="rgb", n_clusters=5), budget_ms=100),
    Case("clustering: cluster_image intensity k=3", _SIZE,
         lambda: cluster_image(_IMAGE, space="intensity", n_clusters=3)),
    Case("clustering: elbow k = 1..10 (RGB)", _SIZE, lambda: elbow(_RGB.values), repeat=3),
]
