"""Cache settings shared by the pages (DESIGN.md: bounded caches on a shared server).

Every ``st.cache_data`` of a page uses these options, so the per-session
memory rule (max_entries, ttl) is set in one place.
"""

__all__ = ["CACHE"]

CACHE = dict(max_entries=32, ttl=3600, show_spinner=False)
"""Default for a page's cached segcore calls and figures: 32 entries, one hour."""
