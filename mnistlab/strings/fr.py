"""Français : chaque mot que l'application affiche, par clé (les mêmes clés qu'en anglais)."""
STRINGS = {
    # --- app frame
    "app.language": "Langue",
    # --- draw page
    # --- inside page
    # --- results, compare, lesson (verdicts and charts)
    # --- queue and server
}
