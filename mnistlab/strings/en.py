"""English: every word the app shows, by key. A key is 'where.what'; {name} marks a value filled in."""
STRINGS = {
    # --- app frame
    "app.language": "Language",
    "nav.train": "Train",
    "nav.results": "Results",
    "nav.compare": "Compare",
    "nav.data": "Data",
    "nav.lesson": "Lesson",
    # --- draw page
    "nav.draw": "Draw",
    "draw.title": "Draw a digit",
    "draw.intro": "Every run of this session reads the same image and says what it sees, and how sure it is.",
    "draw.input": "Input",
    "draw.input.canvas": "Draw with the mouse",
    "draw.input.photo": "Upload a photo",
    "draw.canvas": "Draw one digit, large, in the black square.",
    "draw.clear": "Clear",
    "draw.photo": "A photo of one digit (PNG or JPEG)",
    "draw.photo.help": "A dark digit on light paper, or a light one on a dark background, filling most of the picture.",
    "draw.photo.waiting": "Upload a photo of one digit: the runs read it as they read their data set's images.",
    "draw.seen": "What the runs read (28\u00a0×\u00a028)",
    "draw.seen.dataset": "What {dataset} runs read (28\u00a0×\u00a028)",
    "draw.no_runs": "No trained run yet: train one on the Train page, or upload a saved run (.zip) on the Results "
                    "page.",
    "draw.link.train": "Train a run",
    "draw.link.results": "Upload a saved run",
    "draw.fashion_photo_only": "Fashion-MNIST runs read an uploaded photo only (drawing a shoe is no fun): choose "
                               "“Upload a photo” to see them read one.",
    "draw.no_digit_runs": "No run of this session was trained on MNIST digits: upload a photo for its Fashion-MNIST "
                          "runs.",
    "draw.none_read": "No run of this session could read this image.",
    "draw.skipped": "**{label}** is not shown: {reason}.",
    # the library's words for the draw page (mnistlab/digits.py)
    "digits.empty_canvas": "The canvas is empty: draw a digit first.",
    "digits.nothing": "Nothing to read: draw a digit first.",
    "digits.too_large": "The image is {width} × {height} pixels: too large. Send one under {megapixels} megapixels.",
    "digits.unreadable": "This file cannot be read as an image ({error}). Upload a PNG or JPEG.",
    "digits.no_digit": "No digit found in this image: photograph a dark digit on light paper, or a light one on a "
                       "dark background, filling most of the picture.",
    "digits.no_weights": "no weights: its file held only its results",
    "digits.other_dataset": "trained on {dataset}: it reads {readable} images only",
    "digits.not_finite": "its weights are not finite (it diverged)",
    "digits.or": " or ",
    "digits.no_images": "no",
    # --- inside page
    "nav.inside": "Inside",
    "inside.title": "Inside the network",
    "inside.intro": "What L2, Dropout and BatchNorm change inside the MLP: the runs' figures recorded at each epoch, "
                    "and their weights at the last one.",
    "inside.no_runs": "No runs yet: train a few on the Train page (e.g. the four course variants), or upload saved "
                      "runs on the Results page.",
    "inside.runs": "Runs to look inside",
    "inside.pick": "Choose at least one run above.",
    "inside.older": "{runs}: saved before these figures were recorded; only what its weights show is drawn (open "
                    "circles at the last epoch, histograms, templates).",
    "inside.norms": "Weight norms",
    "inside.norms.caption": "The L2 norm ‖W‖ of each layer's weights after each epoch. L2 regularisation pulls every "
                            "weight towards 0, the harder the larger it is: compare its lines with the baseline's.",
    "inside.norms.axis": "weight norm ‖W‖",
    "inside.modes": "Train mode vs eval mode",
    "inside.modes.caption": "Accuracy on the first {rows} validation images, in eval mode (solid: model.eval()) and "
                            "in train mode (dashed: dropout on, BatchNorm on batch statistics). The dashed line is "
                            "what validating without model.eval() reports.",
    "inside.modes.axis": "validation accuracy (%)",
    "inside.mode.eval": "eval mode",
    "inside.mode.train": "train mode",
    "inside.dead": "Dead ReLU units",
    "inside.dead.caption": "The share of each hidden layer's units that never fire (ReLU output 0) on any of the "
                           "first {rows} validation images, in eval mode.",
    "inside.dead.axis": "dead units (%)",
    "inside.bn": "BatchNorm's running statistics",
    "inside.bn.caption": "What BatchNorm uses in eval mode instead of each batch's statistics: the running mean and "
                         "variance of each normalised layer (the mean over its units), after each epoch.",
    "inside.bn.none": "None of the chosen runs uses BatchNorm: choose a BatchNorm run to see its running statistics.",
    "inside.bn.mean": "running mean",
    "inside.bn.var": "running variance",
    "inside.bn.layer": "BatchNorm {n}",
    "inside.no_weights": "None of the chosen runs kept its weights: the histograms and templates need them.",
    "inside.hist": "Weights at the last epoch",
    "inside.hist.caption": "Each layer's weights as a histogram (share of the layer's weights per bin). L2 narrows "
                           "it around 0.",
    "inside.hist.axis": "weight",
    "inside.hist.share": "share of weights (%)",
    "inside.templates": "What the first layer looks for: its {count} strongest units",
    "inside.templates.run": "Run",
    "inside.templates.caption": "Each image is one hidden unit's 784 input weights drawn as 28 × 28 pixels, "
                                "strongest (largest norm) first: red where ink raises the unit's input, blue where "
                                "it lowers it.",
    "inside.templates.hover": "unit %{customdata}: %{z:.2f}",
    "inside.layer": "layer {n}",
    "inside.output": "output",
    "inside.epoch": "epoch",
    "inside.overfit.none_yet": "No finished epoch yet: nothing to say about overfitting.",
    "inside.overfit.no": "No sign of overfitting: the validation loss is lowest at epoch {best} ({best_loss}) and "
                         "stayed within {rise} of it after.",
    "inside.overfit.still_falling": "No sign of overfitting: the validation loss is lowest at the last epoch, {best} "
                                    "({best_loss}).",
    "inside.overfit.yes": "The run started to overfit at epoch {start}: its validation loss ({loss}) is {above} "
                          "above its best ({best_loss}, epoch {best}) while the training loss kept falling.",
    "plots.steps": "train, every 25 steps",
    "plots.steps.hover": "train loss %{y:.4g}<extra>epoch %{x:.2f}</extra>",
    "plots.gap": "train–validation gap",
    "plots.best": "best validation",
    "plots.best.hover": "best validation loss %{y:.4g} at epoch %{x}",
    # --- results, compare, lesson (verdicts and charts)
    # --- queue and server
    # --- errors: settings (mnistlab/config.py, lesson plan)
    "error.config.dataset": "dataset must be one of {choices} (got {value!r})",
    "error.config.hidden": "hidden sizes must be 1 to {most} integers from 1 to 4096 (got {value})",
    "error.config.hidden_count": "hidden sizes must be 1 to {most} integers from 1 to 4096 (got {value} layers)",
    "error.config.dropout": "dropout must be in [0, 1) (got {value})",
    "error.config.weight_decay": "weight_decay must be in [0, 1] (got {value})",
    "error.config.lr": "learning rate must be in (0, 10] (got {value})",
    "error.config.epochs": "epochs must be an integer from 1 to 100 (got {value!r})",
    "error.config.batch_size": "batch size must be an integer from 1 to 8192 (got {value!r})",
    "error.config.val_fraction": "validation fraction must be in (0, 1) (got {value})",
    "error.config.seed": "seed must be an integer ≥ 0 (got {value!r})",
    "error.config.device": "device must be one of {choices} (got {value!r})",
    "error.config.slips": "slips must be among {choices} (got {value})",
    "error.config.shared_bn": "the shared-bn slip needs BatchNorm on and equal hidden sizes",
    "error.config.weights": "hidden layers of {sizes} make {millions:.1f} million weights, and a run trains up to "
                            "{most} million (memory): use fewer or narrower hidden layers",
    "error.config.batchnorm_batch": "BatchNorm normalises over a batch, so it needs batches of 2 rows or more (got "
                                    "batch size 1)",
    "error.config.unknown": "unknown settings: {names}",
    "error.config.variant": "variant must be one of {choices} (got {value!r})",
    "error.lesson.seeds": "seeds must be an integer from 1 to {most} (got {value!r})",
    "error.lesson.variants": "variants must be some of {choices}",
    # --- errors: data (mnistlab/data.py)
    "error.data.unknown": "unknown data set {name!r}: choose one of {choices}",
    "error.data.not_folder": "{folder} is not a folder: give the folder that holds {name}'s four files, or the data "
                             "folder above it.",
    "error.data.elsewhere_folder": "choose a data folder",
    "error.data.elsewhere_env": "point MNISTLAB_DATA_DIR at a folder",
    "error.data.nothing": "nothing",
    "error.data.incomplete": "{name} is incomplete in {folder}: {missing} missing. Put its four files there "
                             "({files}) or {elsewhere} that has them.",
    "error.data.not_found": "{name} not found in {given}: its four files ({files}) are expected in {folder} (a data "
                            "folder's layout) or in the folder given itself. Put its four files there or "
                            "{elsewhere} that has them: the folder of the four files, its {set_folder}/ folder or "
                            "the data folder above it.",
    "error.data.unusable": "{path} cannot be used: {reason}. Check its name and permissions, or choose another data "
                           "folder.",
    "error.data.unwritable": "{file} was downloaded but cannot be written into {folder}: {reason}",
    "error.data.download_failed": "{missing} Downloading {file} failed: {failures}",
    "error.data.damaged_gz": "{file} is damaged or truncated ({reason}). Delete it and copy or download it again.",
    "error.data.undecompressable": "{file} cannot be decompressed into {folder}: {reason}.",
    "error.data.not_idx_image": "{file} is not a valid IDX image file (truncated or wrong file).",
    "error.data.not_idx_label": "{file} is not a valid IDX label file (truncated or wrong file).",
    "error.data.other_file": "{file} is {owner}'s {owner_file}, not {name}'s {expected}.",
    "error.data.replace": "{problem} Replace it with the original {file} of {name}.",
    "error.data.delete": "{problem} Delete it: it is decompressed again from {file}.gz.",
    "error.data.not_28": "{file} holds {shape} images, not 28×28: it is not {name}.",
    "error.data.count_mismatch": "{images} has {n_images} images but {labels} has {n_labels} labels: one of them is "
                                 "from another data set or truncated.",
    "error.data.labels": "{file} has labels outside 0–9: it is not {name}.",
    "error.data.split": "a validation fraction of {value} leaves no sample on one side of {n}",
    # --- errors: saved runs and lessons (runs.py, lesson.py)
    "error.file.unreadable": "{file} cannot be read: {reason}",
    "error.file.no_object": "it holds no JSON object",
    "error.file.missing": "missing {what}",
    "error.run.unreadable": "{file} cannot be read as a saved run: {reason}",
    "error.run.refused": "{name} is refused: {reason}. A run saved by this app stays far below that.",
    "error.run.not_a_run": "{name} is not a saved mnistlab run (a .zip with {file}): {reason}",
    "error.run.invalid": "{name} does not hold a valid mnistlab run: {reason}",
    "error.lesson_file.format": "it is not a lesson file (a lesson file says \"format\": \"{format}\")",
    "error.lesson_file.version": "lesson file version {value!r} is not {version}",
    "error.lesson_file.not_json": "{name} is not a saved mnistlab lesson: it is not JSON text ({reason})",
    "error.lesson_file.invalid": "{name} is not a saved mnistlab lesson: {reason}",
    # --- server owner's settings (mnistlab/server_settings.py)
    "server.max_epochs": "This server allows at most {most} epochs per run (asked: {asked}): choose {most} or fewer.",
    "server.max_runs_one": "This server lets each session have {most} run running or waiting at once: wait for one "
                           "to finish, or stop one.",
    "server.max_runs": "This server lets each session have {most} runs running or waiting at once: wait for one to "
                       "finish, or stop one.",
    "error.server.whole_number": "{name} must be a whole number from {low} to {high}, or unset for no cap (got "
                                 "{value!r})",
    "error.server.switch": "{name} must be 1 (on) or 0 (off) (also accepted: {accepted}); got {value!r}",
    # --- data page and the settings form (pages/data.py, ui/widgets.py)
    "data.title": "The data",
    "data.shared_settings": "These two settings are the Train page's: the next run uses what is chosen here.",
    "data.train_images": "Training images",
    "data.val_images": "Validation images",
    "data.test_images": "Test images",
    "data.split_note": "Training and validation share the {total} images of the training file; the test file is "
                       "kept apart and used once, after training.",
    "data.samples": "Sample images",
    "data.per_class": "Images per class",
    "dataset.mnist": "MNIST (digits)",
    "dataset.fashion-mnist": "Fashion-MNIST (clothes)",
    "form.dataset": "Data set",
    "form.val_fraction": "Validation fraction",
    "form.val_fraction.help": "Share of the {total} training images held out to validate each epoch.",
    "form.variant": "Course variant",
    "form.variant.help": "Choosing a variant fills every setting with the course's values for it.",
    "variant.baseline": "Baseline",
    "variant.l2": "L2",
    "variant.dropout": "Dropout",
    "variant.batchnorm": "BatchNorm",
    "form.epochs": "Epochs",
    "form.lr": "Learning rate (Adam)",
    "form.dropout": "Dropout p",
    "form.batch_size": "Batch size",
    "form.weight_decay": "Weight decay (L2)",
    "form.batchnorm": "BatchNorm",
    "form.seed": "Seed",
    "form.more": "More: hidden layers, the course's slips",
    "form.hidden": "Hidden layer sizes",
    "form.hidden.help": "Comma-separated widths, e.g. 256, 256 (the course's MLP is 784-256-256-10).",
    "form.slips": "Reproduce the course's slips",
    "slip.no-eval": "validate and test without model.eval(): dropout stays on, BatchNorm uses batch statistics",
    "slip.shared-bn": "one BatchNorm layer (bn1) applied to both hidden layers",
    "slip.loss-graph": "sum the loss tensors (loss_train += loss) instead of their values: a chain of autograd "
                       "nodes, a dozen per batch, stays alive until the epoch ends",
    "form.hidden_not_numbers": "Hidden layer sizes must be whole numbers separated by commas, like 256, 256 (got "
                               "{value!r}).",
    "form.config_error": "This setting cannot be used: {error}.",
    "form.device_line": "Device: **{device}** · run name: **{name}**",
    "files.cannot_open": "This file cannot be opened: {error}",
}
