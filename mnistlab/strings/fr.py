"""Français : chaque mot que l'application affiche, par clé (les mêmes clés qu'en anglais)."""
STRINGS = {
    # --- app frame
    "app.language": "Langue",
    "nav.train": "Entraîner",
    "nav.results": "Résultats",
    "nav.compare": "Comparer",
    "nav.data": "Données",
    "nav.lesson": "Leçon",
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
    "nav.inside": "Dans le réseau",
    "inside.title": "Dans le réseau",
    "inside.intro": "Ce que la régularisation L2, le Dropout et la BatchNorm changent dans le MLP\u00a0: les mesures "
                    "de chaque exécution à chaque époque, et ses poids à la dernière.",
    "inside.no_runs": "Aucune exécution pour l'instant\u00a0: entraînez-en quelques-unes sur la page Entraîner (par "
                      "exemple les quatre variantes du cours), ou ouvrez des exécutions enregistrées sur la page "
                      "Résultats.",
    "inside.runs": "Exécutions à examiner",
    "inside.pick": "Choisissez au moins une exécution ci-dessus.",
    "inside.older": "{runs}\u00a0: enregistrée avant que ces mesures n'existent\u00a0; seul ce que ses poids "
                    "montrent est tracé (cercles vides à la dernière époque, histogrammes, motifs).",
    "inside.norms": "Normes des poids",
    "inside.norms.caption": "La norme L2 ‖W‖ des poids de chaque couche après chaque époque. La régularisation L2 "
                            "tire chaque poids vers 0, d'autant plus fort qu'il est grand\u00a0: comparez ses "
                            "courbes à celles du modèle de base.",
    "inside.norms.axis": "norme des poids ‖W‖",
    "inside.modes": "Mode entraînement ou mode évaluation",
    "inside.modes.caption": "Précision sur les {rows} premières images du jeu de validation, en mode évaluation "
                            "(trait plein\u00a0: model.eval()) et en mode entraînement (tirets\u00a0: Dropout "
                            "actif, BatchNorm sur les statistiques du lot). Les tirets sont ce qu'annonce une "
                            "validation sans model.eval().",
    "inside.modes.axis": "précision en validation (%)",
    "inside.mode.eval": "mode évaluation",
    "inside.mode.train": "mode entraînement",
    "inside.dead": "Neurones ReLU morts",
    "inside.dead.caption": "La part des neurones de chaque couche cachée qui ne s'activent jamais (sortie ReLU "
                           "nulle) sur aucune des {rows} premières images du jeu de validation, en mode évaluation.",
    "inside.dead.axis": "neurones morts (%)",
    "inside.bn": "Statistiques courantes de la BatchNorm",
    "inside.bn.caption": "Ce que la BatchNorm utilise en mode évaluation à la place des statistiques de chaque "
                         "lot\u00a0: la moyenne et la variance courantes de chaque couche normalisée (moyennes sur "
                         "ses neurones), après chaque époque.",
    "inside.bn.none": "Aucune des exécutions choisies n'utilise la BatchNorm\u00a0: choisissez-en une pour voir ses "
                      "statistiques courantes.",
    "inside.bn.mean": "moyenne courante",
    "inside.bn.var": "variance courante",
    "inside.bn.layer": "BatchNorm {n}",
    "inside.no_weights": "Aucune des exécutions choisies n'a gardé ses poids\u00a0: les histogrammes et les motifs "
                         "en ont besoin.",
    "inside.hist": "Les poids à la dernière époque",
    "inside.hist.caption": "Les poids de chaque couche en histogramme (part des poids de la couche par intervalle). "
                           "La régularisation L2 le resserre autour de 0.",
    "inside.hist.axis": "poids",
    "inside.hist.share": "part des poids (%)",
    "inside.templates": "Ce que cherche la première couche\u00a0: ses {count} neurones les plus forts",
    "inside.templates.run": "Exécution",
    "inside.templates.caption": "Chaque image montre les 784 poids d'entrée d'un neurone caché en 28 × 28 pixels, "
                                "les plus forts (plus grande norme) d'abord\u00a0: en rouge là où l'encre augmente "
                                "son entrée, en bleu là où elle la diminue.",
    "inside.templates.hover": "neurone %{customdata}\u00a0: %{z:.2f}",
    "inside.layer": "couche {n}",
    "inside.output": "sortie",
    "inside.epoch": "époque",
    "inside.overfit.none_yet": "Aucune époque terminée\u00a0: rien à dire du surapprentissage.",
    "inside.overfit.no": "Pas de signe de surapprentissage\u00a0: la perte de validation est la plus basse à "
                         "l'époque {best} ({best_loss}) et reste ensuite à moins de {rise} au-dessus.",
    "inside.overfit.still_falling": "Pas de signe de surapprentissage\u00a0: la perte de validation est la plus basse "
                                    "à la dernière, l'époque {best} ({best_loss}).",
    "inside.overfit.yes": "L'exécution commence à surapprendre à l'époque {start}\u00a0: sa perte de validation "
                          "({loss}) dépasse de {above} sa meilleure valeur ({best_loss}, époque {best}) alors que "
                          "la perte d'entraînement continue de baisser.",
    "plots.steps": "entraînement, tous les 25 pas",
    "plots.steps.hover": "perte d'entraînement %{y:.4g}<extra>époque %{x:.2f}</extra>",
    "plots.gap": "écart entraînement–validation",
    "plots.best": "meilleure validation",
    "plots.best.hover": "meilleure perte de validation %{y:.4g} à l'époque %{x}",
    # --- results, compare, lesson (verdicts and charts)
    "verdict.rule.1": "Une différence ne compte comme réelle que si le hasard seul en produit une aussi grande",
    "verdict.rule.2": "moins d'une fois sur 20 : un test de permutation exact, bilatéral, sur les graines (toutes",
    "verdict.rule.3": "les façons de répartir leurs précisions de test en deux groupes de mêmes tailles). Avec 3",
    "verdict.rule.4": "graines par variante, il ne peut donner mieux que 1 fois sur 10 : il en faut au moins 4",
    "verdict.rule.5": "(chaque graine au-dessus de toutes les autres : 1 fois sur 35). L'intervalle est celui de",
    "verdict.rule.6": "Welch (t, 95 %) pour la différence des moyennes ; il suppose une dispersion normale.",
    "verdict.head": "{difference} points par rapport à {reference}{spread}",
    "verdict.interval": " (intervalle à 95 % : {low} à {high})",
    "verdict.real": "{head} : réelle, le hasard seul : {chance}",
    "verdict.not_shown": "{head} : impossible de conclure, le hasard seul : {chance}",
    "verdict.too_few": "{head} : impossible de conclure avec {seeds} (hasard : {chance}) : il en faut {needed}",
    "verdict.cell_real": "{head} · réelle (hasard : {chance})",
    "verdict.cell_not_shown": "{head} · impossible de conclure (hasard : {chance})",
    "verdict.cell_too_few": "{head} · impossible de conclure avec {seeds} : il en faut {needed}",
    "verdict.no_run": "aucune exécution terminée à comparer",
    "verdict.one_in": "1 fois sur {n}",
    "verdict.often": "plus d'une fois sur deux",
    "verdict.seed_one": "{n} graine",
    "verdict.seeds": "{n} graines",
    "verdict.seeds_two": "{n} et {m} graines",
    "verdict.baseline": "la Baseline",
    "gap.name": "écart (perte val − entraîn.)",
    "gap.note.1": "Écart : perte de validation moins perte d'entraînement à la dernière époque ; il se creuse",
    "gap.note.2": "quand le modèle apprend par cœur ses images d'entraînement (surapprentissage).",
    "duration.unknown": "non mesuré",
    "duration.seconds": "environ {n} secondes",
    "duration.minutes": "environ {n} minutes",
    "epochs.of": "{done} sur {planned}",
    "epochs.with_note": "{count} ({note})",
    "epochs.diverged_at": "divergé au pas {step} de l'époque {epoch}",
    "epochs.diverged_in": "divergé pendant l'époque {epoch}",
    "epochs.stopped_in": "arrêté pendant l'époque {epoch}",
    "epochs.stopped": "arrêté",
    "epochs.failed_in": "échec pendant l'époque {epoch}",
    "epochs.failed": "échec",
    "lesson.verdicts": "**Verdicts (code corrigé), précision de test par rapport à la Baseline :**",
    "lesson.table_note": "Précision de test : moyenne ± écart-type sur les graines. Chiffre du cours : son exécution.",
    "lesson.vs_note": "vs baseline : la différence en points, son intervalle à 95 % entre crochets, le verdict.",
    "lesson.default_takes": "La leçon par défaut ({seeds} graines × {epochs} époques, {runs} runs) : {duration} ici.",
    "lesson.default_unmeasured": "La durée de la leçon par défaut ici n'est pas encore connue : aucune n'a fini.",
    "lesson.press_run": "Lancez la leçon (**Run the lesson**) ou montrez des résultats enregistrés.",
    "compare.differing": "Seuls les réglages qui diffèrent entre les exécutions sont listés.",
    "train.course_values": "Valeurs du cours",
    "train.course_values_help": "Remet tous les réglages de la variante choisie tels que dans le cours.",
    "results.already_here": "Cette exécution est déjà dans cette session : **{label}**, affichée plus haut.",
    "results.curves": "Courbes d'entraînement",
    # --- queue and server
    # --- errors: settings (mnistlab/config.py, lesson plan)
    "error.config.dataset": "le jeu de données doit être l'un de {choices} (reçu {value!r})",
    "error.config.hidden": "les tailles des couches cachées doivent être de 1 à {most} entiers de 1 à 4096 (reçu "
                           "{value})",
    "error.config.hidden_count": "les tailles des couches cachées doivent être de 1 à {most} entiers de 1 à 4096 "
                                 "(reçu {value} couches)",
    "error.config.dropout": "le taux de Dropout doit être dans [0, 1[ (reçu {value})",
    "error.config.weight_decay": "le coefficient de régularisation L2 (weight_decay) doit être dans [0, 1] (reçu "
                                 "{value})",
    "error.config.lr": "le taux d'apprentissage doit être dans ]0, 10] (reçu {value})",
    "error.config.epochs": "le nombre d'époques doit être un entier de 1 à 100 (reçu {value!r})",
    "error.config.batch_size": "la taille de lot doit être un entier de 1 à 8192 (reçu {value!r})",
    "error.config.val_fraction": "la part du jeu de validation doit être dans ]0, 1[ (reçu {value})",
    "error.config.seed": "la graine doit être un entier ≥ 0 (reçu {value!r})",
    "error.config.device": "le périphérique doit être l'un de {choices} (reçu {value!r})",
    "error.config.slips": "les erreurs du cours doivent être parmi {choices} (reçu {value})",
    "error.config.shared_bn": "l'erreur shared-bn demande BatchNorm activée et des couches cachées de même taille",
    "error.config.weights": "des couches cachées de {sizes} font {millions:.1f} millions de poids, et un "
                            "entraînement en accepte au plus {most} millions (mémoire) : utilisez moins de couches "
                            "cachées, ou des couches plus étroites",
    "error.config.batchnorm_batch": "BatchNorm normalise sur un lot : il lui faut des lots de 2 exemples ou plus "
                                    "(reçu une taille de lot de 1)",
    "error.config.unknown": "réglages inconnus : {names}",
    "error.config.variant": "la variante doit être l'une de {choices} (reçu {value!r})",
    "error.lesson.seeds": "le nombre de graines doit être un entier de 1 à {most} (reçu {value!r})",
    "error.lesson.variants": "les variantes doivent être choisies parmi {choices}",
    # --- errors: data (mnistlab/data.py)
    "error.data.unknown": "jeu de données {name!r} inconnu : choisissez l'un de {choices}",
    "error.data.not_folder": "{folder} n'est pas un dossier : indiquez le dossier qui contient les quatre fichiers "
                             "de {name}, ou le dossier de données au-dessus.",
    "error.data.elsewhere_folder": "choisissez un dossier de données",
    "error.data.elsewhere_env": "faites pointer MNISTLAB_DATA_DIR vers un dossier",
    "error.data.nothing": "rien",
    "error.data.incomplete": "{name} est incomplet dans {folder} : il manque {missing}. Placez-y ses quatre "
                             "fichiers ({files}) ou {elsewhere} qui les contient.",
    "error.data.not_found": "{name} introuvable dans {given} : ses quatre fichiers ({files}) sont attendus dans "
                            "{folder} (l'organisation d'un dossier de données) ou dans le dossier indiqué lui-même. "
                            "Placez-y ses quatre fichiers ou {elsewhere} qui les contient : le dossier des quatre "
                            "fichiers, son dossier {set_folder}/ ou le dossier de données au-dessus.",
    "error.data.unusable": "{path} est inutilisable : {reason}. Vérifiez son nom et ses droits d'accès, ou "
                           "choisissez un autre dossier de données.",
    "error.data.unwritable": "{file} a été téléchargé mais ne peut pas être écrit dans {folder} : {reason}",
    "error.data.download_failed": "{missing} Le téléchargement de {file} a échoué : {failures}",
    "error.data.damaged_gz": "{file} est endommagé ou tronqué ({reason}). Supprimez-le, puis copiez-le ou "
                             "téléchargez-le à nouveau.",
    "error.data.undecompressable": "{file} ne peut pas être décompressé dans {folder} : {reason}.",
    "error.data.not_idx_image": "{file} n'est pas un fichier d'images IDX valide (tronqué, ou mauvais fichier).",
    "error.data.not_idx_label": "{file} n'est pas un fichier d'étiquettes IDX valide (tronqué, ou mauvais fichier).",
    "error.data.other_file": "{file} est le fichier {owner_file} de {owner}, pas le fichier {expected} de {name}.",
    "error.data.replace": "{problem} Remplacez-le par le fichier {file} d'origine de {name}.",
    "error.data.delete": "{problem} Supprimez-le : il sera décompressé à nouveau depuis {file}.gz.",
    "error.data.not_28": "{file} contient des images {shape}, pas 28×28 : ce n'est pas {name}.",
    "error.data.count_mismatch": "{images} contient {n_images} images mais {labels} contient {n_labels} étiquettes "
                                 ": l'un des deux vient d'un autre jeu de données ou est tronqué.",
    "error.data.labels": "{file} contient des étiquettes hors de 0–9 : ce n'est pas {name}.",
    "error.data.split": "une part de validation de {value} ne laisse aucun exemple d'un côté sur {n}",
    # --- errors: saved runs and lessons (runs.py, lesson.py)
    "error.file.unreadable": "{file} ne peut pas être lu : {reason}",
    "error.file.no_object": "il ne contient aucun objet JSON",
    "error.file.missing": "il manque {what}",
    "error.run.unreadable": "{file} ne peut pas être lu comme un entraînement enregistré : {reason}",
    "error.run.refused": "{name} est refusé : {reason}. Un entraînement enregistré par cette application reste bien "
                         "en dessous.",
    "error.run.not_a_run": "{name} n'est pas un entraînement mnistlab enregistré (un .zip contenant {file}) : {reason}",
    "error.run.invalid": "{name} ne contient pas d'entraînement mnistlab valide : {reason}",
    "error.lesson_file.format": "ce n'est pas un fichier de leçon (un fichier de leçon indique \"format\": "
                                "\"{format}\")",
    "error.lesson_file.version": "la version {value!r} du fichier de leçon n'est pas {version}",
    "error.lesson_file.not_json": "{name} n'est pas une leçon mnistlab enregistrée : ce n'est pas du texte JSON "
                                  "({reason})",
    "error.lesson_file.invalid": "{name} n'est pas une leçon mnistlab enregistrée : {reason}",
    # --- server owner's settings (mnistlab/server_settings.py)
    "server.max_epochs": "Ce serveur autorise au plus {most} époques par entraînement (demandé : {asked}) : "
                         "choisissez-en {most} ou moins.",
    "server.max_runs_one": "Ce serveur permet à chaque session d'avoir {most} entraînement en cours ou en attente à "
                           "la fois : attendez qu'il se termine, ou arrêtez-le.",
    "server.max_runs": "Ce serveur permet à chaque session d'avoir {most} entraînements en cours ou en attente à la "
                       "fois : attendez qu'un se termine, ou arrêtez-en un.",
    "error.server.whole_number": "{name} doit être un nombre entier de {low} à {high}, ou ne pas être défini (pas "
                                 "de limite) (reçu {value!r})",
    "error.server.switch": "{name} doit valoir 1 (activé) ou 0 (désactivé) (aussi acceptés : {accepted}) ; reçu "
                           "{value!r}",
    # --- data page and the settings form (pages/data.py, ui/widgets.py)
    "data.title": "Les données",
    "data.shared_settings": "Ces deux réglages sont ceux de la page Entraîner : le prochain entraînement utilise ce "
                            "qui est choisi ici.",
    "data.train_images": "Images d'entraînement",
    "data.val_images": "Images de validation",
    "data.test_images": "Images de test",
    "data.split_note": "Les jeux d'entraînement et de validation se partagent les {total} images du fichier "
                       "d'entraînement ; le fichier de test est mis à part et utilisé une seule fois, après "
                       "l'entraînement.",
    "data.samples": "Exemples d'images",
    "data.per_class": "Images par classe",
    "dataset.mnist": "MNIST (chiffres)",
    "dataset.fashion-mnist": "Fashion-MNIST (vêtements)",
    "form.dataset": "Jeu de données",
    "form.val_fraction": "Part de validation",
    "form.val_fraction.help": "Part des {total} images d'entraînement mise de côté pour la validation à chaque époque.",
    "form.variant": "Variante du cours",
    "form.variant.help": "Choisir une variante remplit chaque réglage avec les valeurs du cours pour cette variante.",
    "variant.baseline": "Référence",
    "variant.l2": "L2",
    "variant.dropout": "Dropout",
    "variant.batchnorm": "BatchNorm",
    "form.epochs": "Époques",
    "form.lr": "Taux d'apprentissage (Adam)",
    "form.dropout": "Dropout p",
    "form.batch_size": "Taille du batch",
    "form.weight_decay": "Régularisation L2 (weight decay)",
    "form.batchnorm": "BatchNorm",
    "form.seed": "Graine",
    "form.more": "Plus : couches cachées, erreurs du cours",
    "form.hidden": "Tailles des couches cachées",
    "form.hidden.help": "Largeurs séparées par des virgules, par ex. 256, 256 (le MLP du cours est 784-256-256-10).",
    "form.slips": "Reproduire les erreurs du cours",
    "slip.no-eval": "valider et tester sans model.eval() : le dropout reste actif, la BatchNorm utilise les "
                    "statistiques du batch",
    "slip.shared-bn": "une seule couche BatchNorm (bn1) appliquée aux deux couches cachées",
    "slip.loss-graph": "additionner les tenseurs de perte (loss_train += loss) au lieu de leurs valeurs : une "
                       "chaîne de nœuds autograd, une douzaine par batch, reste en mémoire jusqu'à la fin de "
                       "l'époque",
    "form.hidden_not_numbers": "Les tailles des couches cachées doivent être des nombres entiers séparés par des "
                               "virgules, comme 256, 256 (reçu {value!r}).",
    "form.config_error": "Ce réglage est inutilisable : {error}.",
    "form.device_line": "Périphérique : **{device}** · nom de l'entraînement : **{name}**",
    "files.cannot_open": "Ce fichier ne peut pas être ouvert : {error}",
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
