"""clustering: not built yet; shows what the page will teach."""

from ui import panels

panels.coming_next("clustering")
