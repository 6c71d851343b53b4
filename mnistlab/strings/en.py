"""English: every word the app shows, by key. A key is 'where.what'; {name} marks a value filled in."""
STRINGS = {
    # --- app frame
    "app.language": "Language",
    # --- draw page
    # --- inside page
    # --- results, compare, lesson (verdicts and charts)
    # --- queue and server
}
