"""Français : chaque mot que l'application affiche, par clé (les mêmes clés qu'en anglais)."""
STRINGS = {
    # --- app frame
    "app.language": "Langue",
    # --- draw page
    "nav.draw": "Dessiner",
    "draw.title": "Dessinez un chiffre",
    "draw.intro": "Chaque modèle entraîné dans cette session lit la même image et dit ce qu'il y voit, et avec quelle "
                  "certitude.",
    "draw.input": "Entrée",
    "draw.input.canvas": "Dessiner à la souris",
    "draw.input.photo": "Envoyer une photo",
    "draw.canvas": "Dessinez un seul chiffre, en grand, dans le carré noir.",
    "draw.clear": "Effacer",
    "draw.photo": "La photo d'un chiffre (PNG ou JPEG)",
    "draw.photo.help": "Un chiffre foncé sur papier clair, ou clair sur fond sombre, qui remplit presque toute "
                       "l'image.",
    "draw.photo.waiting": "Envoyez la photo d'un chiffre\u00a0: les modèles la lisent comme les images de leur jeu de "
                          "données.",
    "draw.seen": "Ce que lisent les modèles (28\u00a0×\u00a028)",
    "draw.seen.dataset": "Ce que lisent les modèles {dataset} (28\u00a0×\u00a028)",
    "draw.no_runs": "Aucun modèle entraîné pour l'instant\u00a0: entraînez-en un sur la page Entraîner, ou chargez un "
                    "modèle enregistré (.zip) sur la page Résultats.",
    "draw.link.train": "Entraîner un modèle",
    "draw.link.results": "Charger un modèle enregistré",
    "draw.fashion_photo_only": "Les modèles Fashion-MNIST ne lisent qu'une photo envoyée (dessiner une chaussure "
                               "n'a rien d'amusant)\u00a0: choisissez «\u00a0Envoyer une photo\u00a0» pour les voir "
                               "en lire une.",
    "draw.no_digit_runs": "Aucun modèle de cette session n'a été entraîné sur les chiffres MNIST\u00a0: envoyez "
                          "une photo pour ses modèles Fashion-MNIST.",
    "draw.none_read": "Aucun modèle de cette session n'a pu lire cette image.",
    "draw.skipped": "**{label}** n'est pas affiché\u00a0: {reason}.",
    # les mots de la bibliothèque pour la page de dessin (mnistlab/digits.py)
    "digits.empty_canvas": "Le canevas est vide\u00a0: dessinez d'abord un chiffre.",
    "digits.nothing": "Rien à lire\u00a0: dessinez d'abord un chiffre.",
    "digits.too_large": "L'image fait {width} × {height} pixels\u00a0: c'est trop. Envoyez-en une de moins de "
                        "{megapixels} mégapixels.",
    "digits.unreadable": "Ce fichier ne peut pas être lu comme une image ({error}). Envoyez un PNG ou un JPEG.",
    "digits.no_digit": "Aucun chiffre dans cette image\u00a0: photographiez un chiffre foncé sur papier clair, ou "
                       "clair sur fond sombre, qui remplit presque toute l'image.",
    "digits.no_weights": "pas de poids\u00a0: son fichier ne contenait que ses résultats",
    "digits.other_dataset": "entraîné sur {dataset}\u00a0: il ne lit que des images {readable}",
    "digits.not_finite": "ses poids ne sont pas finis (il a divergé)",
    "digits.or": " ou ",
    "digits.no_images": "d'aucun jeu",
    # --- inside page
    # --- results, compare, lesson (verdicts and charts)
    # --- queue and server
}
