"""A team's PDF pack (``salesops run --pdf``): its reports of a quarter in one A4 document.

``parts`` picks the pages a pack holds and the key that tells whether they changed,
``document`` builds one HTML document of them behind a contents page, ``chromium`` prints it
with Debian's Chromium headless, ``printing`` finds where each part starts and prints again with
the contents' page numbers filled in, and ``packs`` prints every pack of a run, several at once,
each written atomically.
"""
