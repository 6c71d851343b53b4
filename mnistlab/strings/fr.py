"""Français : chaque mot que l'application affiche, par clé (les mêmes clés qu'en anglais)."""
STRINGS = {
    # --- app frame
    "app.language": "Langue",
    # --- draw page
    # --- inside page
    # --- results, compare, lesson (verdicts and charts)
    # --- queue and server
    # --- queue, caps, kept sessions, missing data (issue 18)
    "train.intro.1": "Entraînez un petit réseau à lire des chiffres manuscrits et regardez-le apprendre :",
    "train.intro.2": "choisissez les réglages, puis appuyez sur **{button}**.",
    "train.curves_here": "Les courbes de perte et de précision s'affichent ici pendant que le modèle apprend.",
    "queue.waiting": "**{label}** est {place} dans la file — {when}.",
    "queue.turns": "Le serveur entraîne une exécution à la fois, à tour de rôle entre les utilisateurs.",
    "queue.starting": "**{label}** démarre…",
    "queue.starts_in": "démarre dans {time}",
    "queue.start_unknown": "départ inconnu tant qu'aucune exécution de cette taille n'a démarré",
    "queue.about_seconds": "environ {n} s",
    "queue.about_minutes": "environ {n} min",
    "server.settings_wrong": "Réglages du serveur illisibles, aucune exécution ne peut démarrer : {error}.",
    "session.cleared.1": "Vos exécutions précédentes ont été effacées pour faire de la place aux autres.",
    "session.cleared.2": "Téléchargez celles que vous voulez garder (page Résultats, **Télécharger**).",
    "data.missing": "**{dataset} n'est pas disponible** : {missing} manquant(s) dans `{folder}`.",
    "data.not_a_folder.1": "**{dataset} n'est pas disponible** : le dossier de données `{folder}` est un fichier.",
    "data.not_a_folder.2": "Donnez à MNISTLAB_DATA_DIR un dossier (ou retirez-la), puis relancez l'appli.",
    "data.ways_out.1": "Trois solutions : les téléverser ci-dessous ; les télécharger (il faut internet) ;",
    "data.ways_out.2": "ou les mettre dans ce dossier (ou y pointer MNISTLAB_DATA_DIR) et recharger.",
    "data.upload_label": "Téléverser les fichiers .gz de {dataset}",
    "data.kept": "Gardés : {files}.",
    "data.refused": "**{file}** n'a pas été gardé : {problem}",
    "data.cannot_write.1": "Impossible d'écrire les fichiers dans `{folder}` ({error}).",
    "data.cannot_write.2": "Copiez-les à la main, ou pointez MNISTLAB_DATA_DIR sur un dossier modifiable.",
    "data.download": "Télécharger {dataset} (environ 12 Mo)",
    "data.downloading": "Téléchargement…",
    "data.download_failed.1": "Le téléchargement a échoué (pas d'internet, ou les miroirs n'ont pas répondu) :",
    "data.download_failed.2": "téléversez plutôt les fichiers, ou mettez-les dans le dossier ci-dessus.",
    "data.load_failed": "Les quatre fichiers de {dataset} sont là mais ne se chargent pas : {error}",
    "upload.wrong_name": "ce n'est pas l'un des quatre fichiers ({expected}).",
    "upload.not_gzip": "ce n'est pas un fichier gzip, ou il est tronqué : téléchargez-le à nouveau.",
    "upload.too_large": "une fois décompressé, il est plus grand que tout fichier de {dataset}.",
    "upload.not_idx": "ce n'est pas un fichier IDX d'{kind} (autre contenu, ou tronqué) : téléversez l'original.",
    "upload.wrong_images": "il contient des images {shape}, pas 28×28 : ce n'est pas {dataset}.",
    "upload.bad_labels": "il contient des étiquettes hors de 0–9 : ce n'est pas {dataset}.",
    "upload.other_file": "son contenu est le {other_file} de {other_dataset} : téléversez le {file} de {dataset}.",
    "upload.kind_image": "images",
    "upload.kind_label": "étiquettes",
}
