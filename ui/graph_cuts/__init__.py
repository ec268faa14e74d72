"""The graph-cuts page's views, one module each, and the cached segcore calls they share.

``pages/graph-cuts.py`` draws the header, the image picker and the view choice,
then calls one ``view(picked, formula_box)``:

cuts     affinities, min cut vs normalized cut, the second eigenvector
hcs      highly connected subgraphs, on the lecture's graph or the pixel graph
rncut    recursive normalized cut on SLIC superpixels (beyond the lecture)
maxflow  s-t max-flow with seeds (clicked, or from the ground truth's interior)
cached   the cached segcore calls, pictures and reports of all four
"""

#: Graph neighbourhoods offered by the views (label per option).
HOODS = {"4": "4-neighbours", "8": "8-neighbours", "full": "fully connected"}
